"""Quick add: a cashier creates a product from the sell screen with a name and a price
(and, if they have it, a SKU or a barcode) to sell it at once.

The register gives each quick add its own id; the same quick add sent again (a timeout, a
double tap) finds the product the first one created instead of making a second.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from comptoir.catalog.models import Product, ProductQuickAdd
from comptoir.catalog.products import NewCode, NewProduct, add_product
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class QuickAdd:
    client_id: uuid.UUID
    name: str
    # As the store states prices: tax-inclusive in a tax-inclusive store.
    price: Decimal
    sku: str | None = None
    barcode: str | None = None


def looks_like_barcode(text: str) -> bool:
    """What a scanner types: 8 to 14 digits (EAN-8, UPC-A, EAN-13, ITF-14)."""
    typed = text.strip()
    return typed.isdigit() and 8 <= len(typed) <= 14


def quick_add_product(
    uow: UnitOfWork, *, wanted: QuickAdd, user_id: uuid.UUID | None = None
) -> tuple[Product, bool]:
    """Create the product (default tax, inventory tracked, no stock), or return the one
    this quick add already created. Returns (product, created)."""
    existing = _already_added(uow, wanted.client_id, fresh=False)
    if existing is not None:
        return existing, False
    barcode = (wanted.barcode or "").strip()
    new = NewProduct(
        name=wanted.name,
        price=wanted.price,
        sku=(wanted.sku or "").strip() or None,
        codes=[NewCode(code=barcode, type="EAN" if looks_like_barcode(barcode) else "CUSTOM")]
        if barcode
        else (),
    )
    try:
        (product,) = add_product(uow.session, new=new, user_id=user_id)
        # The same id sent twice at once: the second insert of this row fails (on
        # PostgreSQL it first waits for the first to commit), and its product goes with it.
        uow.session.add(
            ProductQuickAdd(client_id=wanted.client_id, product_id=product.id, user_id=user_id)
        )
        uow.commit()
    except IntegrityError:
        uow.rollback()
        existing = _already_added(uow, wanted.client_id, fresh=True)
        if existing is None:
            raise
        return existing, False
    return product, True


def _already_added(uow: UnitOfWork, client_id: uuid.UUID, *, fresh: bool) -> Product | None:
    # After a lost race, read through the writing session: the reader's snapshot may
    # predate the winner's commit.
    session = uow.session if fresh else uow.reader
    marker = session.get(ProductQuickAdd, client_id)
    if marker is None:
        return None
    product = session.get(Product, marker.product_id)
    if product is None:
        raise InvalidInput("this quick add's product was deleted", field="client_id")
    return product
