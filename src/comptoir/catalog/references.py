"""What a page of products refers to (brands, suppliers, types, family sizes), loaded in a
few queries for the whole page rather than one per product."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Brand, Product, ProductType, Supplier


@dataclass(frozen=True)
class References:
    brands: dict[uuid.UUID, Brand] = field(default_factory=dict)
    suppliers: dict[uuid.UUID, Supplier] = field(default_factory=dict)
    types: dict[uuid.UUID, ProductType] = field(default_factory=dict)
    # Live members per family: X-Series' `variant_count`.
    family_sizes: dict[uuid.UUID, int] = field(default_factory=dict)


def references_of(session: Session, products: Sequence[Product]) -> References:
    if not products:
        return References()

    def by_id(model: Any, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, Any]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}

    families = {p.family_id for p in products}
    sizes = session.execute(
        select(Product.family_id, func.count())
        .where(Product.family_id.in_(families), Product.deleted_at.is_(None))
        .group_by(Product.family_id)
    )
    return References(
        brands=by_id(Brand, {p.brand_id for p in products}),
        suppliers=by_id(Supplier, {p.supplier_id for p in products}),
        types=by_id(ProductType, {p.product_type_id for p in products}),
        family_sizes={family_id: count for family_id, count in sizes},
    )
