"""Variant attributes named while creating a product: an attribute typed by name is the
existing one of that name (case and accents aside), or a new one created with the product."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, VariantAttribute
from comptoir.catalog.products import NewProduct, add_product
from comptoir.catalog.search import fold
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork


def attribute_named(session: Session, *, name: str, field: str) -> VariantAttribute:
    """The live attribute called `name` ("colour" finds "Colour"), else a new one (added to
    the session, committed with the caller's transaction)."""
    wanted = " ".join(name.split())
    if not wanted:
        raise InvalidInput("a variant attribute needs a name", field=field)
    if len(wanted) > 100:
        raise InvalidInput("a variant attribute name has at most 100 characters", field=field)
    for attribute in session.scalars(
        select(VariantAttribute).where(VariantAttribute.deleted_at.is_(None))
    ):
        if fold(attribute.name) == fold(wanted):
            return attribute
    attribute = VariantAttribute(id=uuid.uuid4(), name=wanted)
    session.add(attribute)
    session.flush()
    return attribute


def create_product_naming_attributes(
    uow: UnitOfWork,
    *,
    new: NewProduct,
    attributes: Sequence[uuid.UUID | str],
    user_id: uuid.UUID | None = None,
) -> Product:
    """`create_product` for a family whose attributes are given by id or, for one the shop
    types, by name: new attributes and the products are created in one commit, or none."""
    ids = [
        entry
        if isinstance(entry, uuid.UUID)
        else attribute_named(uow.session, name=entry, field=f"attributes[{index}]").id
        for index, entry in enumerate(attributes)
    ]
    if attributes:
        new = replace(new, variant_attribute_ids=ids)
    created = add_product(uow.session, new=new, user_id=user_id)
    uow.commit()
    return created[0]
