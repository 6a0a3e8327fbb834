"""Variant attributes named while creating a product: an attribute typed by name is the
existing one of that name (whatever its case), or a new one created with the product."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from comptoir.catalog import entities
from comptoir.catalog.models import Product, VariantAttribute
from comptoir.catalog.products import NewProduct, add_product
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork


def create_product_naming_attributes(
    uow: UnitOfWork,
    *,
    new: NewProduct,
    attributes: Sequence[uuid.UUID | str],
    user_id: uuid.UUID | None = None,
) -> Product:
    """`create_product` for a family whose attributes are given by id or, for one the shop
    types, by name: new attributes and the products are created in one commit, or none."""
    ids: list[uuid.UUID] = []
    for index, entry in enumerate(attributes):
        if isinstance(entry, uuid.UUID):
            ids.append(entry)
            continue
        try:
            ids.append(entities.ensure_named(uow.session, VariantAttribute, entry).id)
        except InvalidInput as error:
            # Said next to the attribute typed, not a "name" field.
            raise InvalidInput(error.message, field=f"attributes[{index}]") from error
    if attributes:
        new = replace(new, variant_attribute_ids=ids)
    created = add_product(uow.session, new=new, user_id=user_id)
    uow.commit()
    return created[0]
