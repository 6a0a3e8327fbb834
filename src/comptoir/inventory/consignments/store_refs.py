"""The outlet and the retailer a consignment needs, read from store's tables: stock control
may not import `store.service` (it imports sales, and stock knows nothing of selling)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.store.models import Outlet, Retailer


def outlet_of(session: Session, outlet_id: uuid.UUID) -> Outlet:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.deleted_at is not None:
        raise InvalidInput(N_("unknown outlet"), field="outlet_id")
    return outlet


def retailer_of(session: Session) -> Retailer:
    retailer = session.scalars(select(Retailer)).first()
    if retailer is None:
        raise InvalidInput("the store is not set up yet: run `comptoir init`")
    return retailer
