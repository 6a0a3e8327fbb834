"""Building Lightspeed X-Series product files for the import tests, and reading the result."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from comptoir.catalog.models import Product
from comptoir.catalog.transfer.export import export_products
from comptoir.catalog.transfer.service import Outcome, import_products
from comptoir.core import i18n
from comptoir.core.db import Database
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from comptoir.tables import Base
from tests.unit.io.biff8 import xls_bytes

__all__ = ["xls_bytes", "xlsx_bytes"]

VARIANT_HEADER = [
    "handle",
    "sku",
    "name",
    "retail_price",
    "variant_option_one_name",
    "variant_option_one_value",
]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Import messages are written in the current locale; these tests read English."""
    token = i18n.set_locale("en")
    yield
    i18n._current.reset(token)


def csv_bytes(
    rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """A workbook whose first sheet holds `rows`."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(
    db: Database, data: bytes, *, filename: str = "products.csv", accept_warnings: bool = False
) -> Outcome:
    return import_products(db, data, filename=filename, accept_warnings=accept_warnings)


def export_of(db: Database, fmt: str = "csv") -> bytes:
    """The catalog as `comptoir export products` writes it."""
    with db.read_sessions() as session:
        return export_products(session, fmt=fmt)  # type: ignore[arg-type]


def products(db: Database) -> dict[str, Product]:
    """Live products by SKU, with their relations loaded."""
    with db.read_sessions() as session:
        found = session.scalars(select(Product).where(Product.deleted_at.is_(None))).all()
        for product in found:
            _ = (product.tags, product.variant_options, product.components, product.outlet_taxes)
            for option in product.variant_options:
                _ = option.attribute
        return {p.sku: p for p in found}


def stock(db: Database, product: Product) -> dict[Any, Decimal]:
    with db.read_sessions() as session:
        rows = session.execute(
            select(InventoryLevel.outlet_id, InventoryLevel.count).where(
                InventoryLevel.product_id == product.id
            )
        )
        return {outlet_id: count for outlet_id, count in rows}


def counts(db: Database) -> tuple[int, int, int]:
    """(products, stock levels, ledger movements): what a refused import must not change."""
    with db.read_sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Product, InventoryLevel, InventoryMovement)
        )


# What an import writes: emptied between the examples of a property test.
CATALOG_TABLES = {
    "inventory_movement",
    "inventory_level",
    "product_component",
    "product_tag",
    "variant_option",
    "product_outlet_tax",
    "product_code",
    "product",
    "tag",
    "brand",
    "supplier",
    "product_type",
    "variant_attribute",
}


def clear_catalog(db: Database) -> None:
    """Every product and what an import makes with them; the store itself stays."""
    with db.write_sessions() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in CATALOG_TABLES:
                session.execute(table.delete())


def messages(outcome: Outcome) -> list[tuple[int | None, str | None, str]]:
    return [(i.row, i.column, i.message) for i in outcome.errors]


def warnings(outcome: Outcome) -> list[tuple[int | None, str | None, str]]:
    return [(i.row, i.column, i.message) for i in outcome.warnings]
