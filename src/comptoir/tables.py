"""Imports every table so metadata is complete for Alembic and for tests."""

from comptoir.accounts import models as accounts_models
from comptoir.catalog import models as catalog_models
from comptoir.core import outbox, versioning
from comptoir.core.db import Base
from comptoir.customers import ledger_models as customers_ledger_models
from comptoir.customers import models as customers_models
from comptoir.fiscal import models as fiscal_models
from comptoir.inventory import models as inventory_models
from comptoir.inventory.consignments import models as consignment_models
from comptoir.io import jobs as io_jobs
from comptoir.payments import models as payments_models
from comptoir.printing import models as printing_models
from comptoir.registers import models as registers_models
from comptoir.sales import discount_models as sales_discount_models
from comptoir.sales import models as sales_models
from comptoir.store import models as store_models

__all__ = [
    "Base",
    "accounts_models",
    "catalog_models",
    "consignment_models",
    "customers_ledger_models",
    "customers_models",
    "fiscal_models",
    "inventory_models",
    "io_jobs",
    "outbox",
    "payments_models",
    "printing_models",
    "registers_models",
    "sales_discount_models",
    "sales_models",
    "store_models",
    "versioning",
]
