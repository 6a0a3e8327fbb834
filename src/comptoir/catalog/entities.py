"""Brands, suppliers, product types (categories), tags and variant attributes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Brand, ProductType, Supplier, Tag, VariantAttribute
from comptoir.core.errors import InvalidInput

Entity = TypeVar("Entity", Brand, Supplier, ProductType, Tag, VariantAttribute)

_WHAT = {
    Brand: "brand",
    Supplier: "supplier",
    ProductType: "product type",
    Tag: "tag",
    VariantAttribute: "variant attribute",
}


def referenced(
    session: Session, model: type[Entity], *, entity_id: uuid.UUID | None, field: str
) -> Entity | None:
    """The live entity a product refers to, or a clear error naming the field."""
    if entity_id is None:
        return None
    found = session.get(model, entity_id)
    if found is None or found.deleted_at is not None:
        raise InvalidInput(f"unknown {_WHAT[model]}", field=field, id=str(entity_id))
    return found


def referenced_all(
    session: Session, model: type[Entity], *, entity_ids: Sequence[uuid.UUID], field: str
) -> list[Entity]:
    """Live entities in the order given, duplicates dropped; any unknown id is an error."""
    wanted = list(dict.fromkeys(entity_ids))
    if not wanted:
        return []
    found = {
        e.id: e
        for e in session.scalars(
            select(model).where(model.id.in_(wanted), model.deleted_at.is_(None))
        )
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise InvalidInput(f"unknown {_WHAT[model]}", field=field, ids=missing)
    return [found[i] for i in wanted]
