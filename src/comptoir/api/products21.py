"""X-Series 2.1 products: update with `common`/`details`, add a variant to a family."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import product_body_parts as parts
from comptoir.api import product_update_bodies as bodies
from comptoir.api import serialize
from comptoir.api.catalog import products_out
from comptoir.catalog import product_changes, product_variants
from comptoir.http.deps import UowDep, require
from comptoir.http.json import DecimalJSONResponse

router = APIRouter(prefix="/api/2.1", tags=["Products"], default_response_class=DecimalJSONResponse)
ManagesCatalog = Annotated[User, Depends(require(Permission.MANAGE_CATALOG))]


@router.put("/products/{product_id}", summary="Update a product and its family (2.1)")
def update_product(
    product_id: uuid.UUID, body: bodies.ProductUpdateIn, uow: UowDep, user: ManagesCatalog
) -> Response:
    """`common` changes every variant of the product's family, `details` this product only.
    A field left out is unchanged; "" removes a brand or category, [] removes every tag or
    code; -1 clears a reorder point or a supplier price. `inventory[].current_amount` sets
    the stock on hand through the stock ledger. Answers the product."""
    product = product_changes.update_product(
        uow,
        product_id=product_id,
        common=bodies.family_changes(body.common),
        details=bodies.product_changes(body.details),
        user_id=user.id,
    )
    return serialize.data(products_out(uow.session, [product])[0])


@router.post("/products", summary="Add a variant to a product family (2.1)")
def add_variant(
    body: bodies.VariantAddIn,
    uow: UowDep,
    user: ManagesCatalog,
    idempotency_key: parts.IdempotencyKey = None,
) -> Response:
    """Name the family in `common` (`family_id`, or `product_id` of any of its products);
    `details` holds the new variant (its `variant_attribute_values` for every attribute of
    the family). A standard product is first given its own attributes and values with
    PUT. Answers the new variant; with an `Idempotency-Key`, a request sent again answers
    the same variant (`Idempotent-Replayed: true`) and adds nothing."""
    product, created = product_variants.add_variant(
        uow,
        family_id=body.common.family(),
        variant=bodies.new_family_variant(
            body, variant_id=parts.client_id(None, key=idempotency_key, user_id=user.id)
        ),
        user_id=user.id,
    )
    reply = serialize.data(products_out(uow.session, [product])[0])
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply
