"""Quick add: a cashier creates a product from the sell screen with a name and a price
(and, if they have it, a SKU or a barcode) to sell it at once.

The register gives each quick add its own id, which becomes the product's id: the same
quick add sent again (a timeout, a double tap) finds the product the first one created
instead of making a second (`create_product_once`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from comptoir.catalog.models import Product
from comptoir.catalog.products import NewCode, NewProduct, create_product_once
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
    """Create the product (default tax, inventory tracked, no stock) under the register's
    id for this quick add, or return the one it already created. Returns (product, created).
    """
    barcode = (wanted.barcode or "").strip()
    new = NewProduct(
        id=wanted.client_id,
        name=wanted.name,
        price=wanted.price,
        sku=(wanted.sku or "").strip() or None,
        codes=[NewCode(code=barcode, type="EAN" if looks_like_barcode(barcode) else "CUSTOM")]
        if barcode
        else (),
    )
    created, is_new = create_product_once(uow, new=new, user_id=user_id)
    return created[0], is_new
