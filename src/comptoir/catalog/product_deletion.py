"""Deleting products: a soft delete (`deleted_at`), one product or a whole family.

What a deleted product keeps, and why:
- Its row, SKU, codes, prices, stock levels and ledger: sales lines, stock movements and
  reports refer to it by id, and X-Series clients see it in `?deleted=true` lists.
- Its SKU stays reserved (SKUs are unique among all products, deleted ones included): a
  SKU names one product for good in stock movements, labels and old exports, and freeing it
  would need the row to change its own SKU. A shop that wants the SKU back changes the
  product's SKU before deleting it.
- Its codes are freed: a barcode must find one live product when scanned, and deleted
  products are never found by a scan or a search, so the code may go to a new product.
- Its handle is freed the same way (handles group live families).

A product that is a component of a live composite cannot be deleted: the composite could no
longer be sold. Delete the composite, or change its components, first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import product_rules
from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, NotFound
from comptoir.core.uow import UnitOfWork


def delete_product(uow: UnitOfWork, *, product_id: uuid.UUID) -> Product:
    """Soft-delete one product (one variant of a family), in one commit. Deleting it again
    (a retried request) changes nothing and returns it."""
    product = _product(uow.session, product_id)
    if product.deleted_at is None:
        _delete(uow.session, [product])
        uow.commit()
    return product


def delete_family(uow: UnitOfWork, *, product_id: uuid.UUID) -> list[Product]:
    """Soft-delete every live member of the family of `product_id`, in one commit. Asked
    again, it changes nothing and returns the members deleted with that product."""
    product = _product(uow.session, product_id)
    if product.deleted_at is not None:
        return list(
            uow.session.scalars(
                select(Product)
                .where(
                    Product.family_id == product.family_id,
                    Product.deleted_at == product.deleted_at,
                )
                .order_by(Product.created_at, Product.sku)
            )
        )
    family = product_rules.family_members(uow.session, family_id=product.family_id)
    _delete(uow.session, family)
    uow.commit()
    return family


def _product(session: Session, product_id: uuid.UUID) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("product not found", product_id=str(product_id))
    return product


def _delete(session: Session, products: Sequence[Product]) -> None:
    deleting = {p.id for p in products}
    for product in products:
        holders = [
            c
            for c in product_rules.composites_using(session, product_id=product.id)
            if c.id not in deleting
        ]
        if holders:
            raise Conflict(
                f"{product.variant_name} is a component of"
                f" {', '.join(repr(c.sku) for c in holders)}: delete the composite or change"
                " its components first",
                product_id=str(product.id),
                composite_ids=[str(c.id) for c in holders],
            )
    now = utcnow()
    for product in products:
        product.deleted_at = now
