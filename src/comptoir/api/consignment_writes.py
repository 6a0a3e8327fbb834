"""Stock control in the 2.0 API, writing: X-Series `POST /consignments`, `PUT` and `DELETE
/consignments/{id}`, `/consignments/{id}/products[/{product_id}]` and `/bulk`.

Each route turns the request into one call of `inventory.consignments.editing` or
`line_editing` (which hold the rules and call each workflow's functions), commits, and
answers the consignment or its products as the reads do. Domain errors become statuses in
`http/errors.py`: a refused transition or a change to a received or cancelled consignment
is 409, bad values (a negative or non-numeric quantity, an unknown product, type or
outlet) 422, an unknown consignment 404; nothing is changed then.

Permissions: every write needs `consignments:write` (a manager), except counting a stock
count: adding, correcting or clearing counted quantities of a STOCKTAKE consignment through
its products or `/bulk` needs only `consignments:count` (a cashier counts the shelves a
manager's count covers; the count must be in progress, which the domain checks). Creating,
starting, applying, cancelling or deleting a count stays a manager's.

Retries: a change of products (a receipt, a batch of counts, a `/bulk` of ordered
quantities) and a receipt by `status: RECEIVED` are done once per `Idempotency-Key` header
(the key names the delivery, as the stock pages' forms do with their delivery id): sent
again, the first answer comes back with `Idempotent-Replayed: true` and nothing changes.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import consignment_bodies as bodies
from comptoir.api.product_body_parts import IdempotencyKey, client_id
from comptoir.api.serialize import data
from comptoir.api.serialize_consignments import consignment, consignment_product, quantity
from comptoir.core.uow import UnitOfWork
from comptoir.http.deps import PrincipalDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.inventory.consignments import common, editing, line_editing
from comptoir.inventory.consignments.models import ConsignmentType

router = APIRouter(
    prefix="/api/2.0", tags=["Consignments"], default_response_class=DecimalJSONResponse
)
Writer = Annotated[User, Depends(require(Permission.MANAGE_CONSIGNMENTS))]
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "The consignment created"}}
NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "Deleted"}}
REPLAYED = {"Idempotent-Replayed": "true"}


def _delivery_id(key: str | None, user: User) -> uuid.UUID | None:
    return client_id(None, key=key, user_id=user.id)


def _one(uow: UnitOfWork, consignment_id: uuid.UUID, *, replayed: bool = False) -> Response:
    reply = data(consignment(common.get_consignment(uow.session, consignment_id)))
    if replayed:
        reply.headers.update(REPLAYED)
    return reply


@router.post("/consignments", summary="Create a consignment", status_code=201,
             responses=CREATED)  # fmt: skip
def create_consignment(body: bodies.ConsignmentIn, uow: UowDep, user: Writer) -> Response:
    """`type` SUPPLIER (an order: `supplier_id`, `reference` the order number, `name` its
    note), OUTLET (a transfer from `source_outlet_id` to `outlet_id`), RETURN (to
    `supplier_id`, with a `reason`) or STOCKTAKE (`filters`: brands, types, suppliers, tags
    or products counted; none counts everything). Answers it as GET does."""
    made = editing.create_consignment(uow, new=bodies.new_consignment(body), user_id=user.id)
    made_id = made.id
    uow.commit()
    reply = _one(uow, made_id)
    reply.status_code = 201
    return reply


@router.put("/consignments/{consignment_id}", summary="Update a consignment")
def update_consignment(
    consignment_id: uuid.UUID,
    body: bodies.ConsignmentIn,
    uow: UowDep,
    user: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Changes the fields sent, then moves to `status` through the workflow: SENT,
    RECEIVED (an order: what is outstanding, or closed on the deliveries received),
    CANCELLED, STOCKTAKE_IN_PROGRESS (starts a count), STOCKTAKE_COMPLETE (applies it;
    `uncounted`: keep or zero). A transition the workflow refuses is a 409."""
    updated = editing.update_consignment(
        uow,
        consignment_id=consignment_id,
        details=bodies.details_of(body),
        status=body.status,
        delivery_id=_delivery_id(idempotency_key, user) or uuid.uuid4(),
        uncounted=body.uncounted,
        user_id=user.id,
    )
    uow.commit()
    return _one(uow, consignment_id, replayed=updated.replayed)


@router.delete("/consignments/{consignment_id}", summary="Delete a consignment",
               status_code=204, responses=NO_CONTENT)  # fmt: skip
def delete_consignment(consignment_id: uuid.UUID, uow: UowDep, user: Writer) -> Response:
    """Only an OPEN, scheduled or cancelled consignment (409 otherwise: cancel it first)."""
    editing.delete_consignment(uow, consignment_id=consignment_id, user_id=user.id)
    uow.commit()
    return Response(status_code=204)


# -- products -------------------------------------------------------------------------------


def _may_change_products(
    uow: UnitOfWork, principal: PrincipalDep, consignment_id: uuid.UUID
) -> None:
    """A stock count's counts: `consignments:count` or `:write`; anything else `:write`."""
    kind = common.get_consignment(uow.reader, consignment_id).type
    if kind == ConsignmentType.STOCKTAKE.value and principal.allows(Permission.COUNT_STOCK):
        return
    principal.ensure(Permission.MANAGE_CONSIGNMENTS)


def _change(
    uow: UnitOfWork,
    principal: PrincipalDep,
    consignment_id: uuid.UUID,
    lines: list[common.LineInput],
    *,
    accumulate: bool | None,
    key: str | None,
) -> tuple[list[Any], bool]:
    _may_change_products(uow, principal, consignment_id)
    changed = line_editing.change_lines(
        uow,
        consignment_id=consignment_id,
        lines=lines,
        accumulate=accumulate,
        delivery_id=_delivery_id(key, principal.user),
        user_id=principal.user.id,
    )
    uow.commit()
    present = common.lines_of(uow.session, consignment_id)
    return [present[p] for p in changed.product_ids if p in present], changed.replayed


def _product_reply(lines: list[Any], replayed: bool) -> Response:
    reply = data(consignment_product(lines[0]) if lines else {})
    if replayed:
        reply.headers.update(REPLAYED)
    return reply


@router.post("/consignments/{consignment_id}/products", summary="Add a product to a consignment",
             tags=["Consignment Products"])  # fmt: skip
def add_consignment_product(
    consignment_id: uuid.UUID,
    body: bodies.ConsignmentProductIn,
    uow: UowDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Adds the product or sets its `count`, `cost`, `received` (an order: received now;
    a count: the quantity counted, added to what others counted)."""
    lines, replayed = _change(uow, principal, consignment_id, [bodies.line_of(body)],
                              accumulate=None, key=idempotency_key)  # fmt: skip
    return _product_reply(lines, replayed)


@router.put("/consignments/{consignment_id}/products/{product_id}",
            summary="Update a product in a consignment", tags=["Consignment Products"])  # fmt: skip
def update_consignment_product(
    consignment_id: uuid.UUID,
    product_id: uuid.UUID,
    body: bodies.ConsignmentProductIn,
    uow: UowDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Sets the product's `count`, `cost` or `received` to the values sent (a count: the
    product's counted quantity becomes `received`)."""
    lines, replayed = _change(uow, principal, consignment_id, [bodies.line_of(body, product_id)],
                              accumulate=False, key=idempotency_key)  # fmt: skip
    return _product_reply(lines, replayed)


@router.delete("/consignments/{consignment_id}/products/{product_id}",
               summary="Delete an item from a consignment", status_code=204,
               responses=NO_CONTENT, tags=["Consignment Products"])  # fmt: skip
def delete_consignment_product(
    consignment_id: uuid.UUID, product_id: uuid.UUID, uow: UowDep, principal: PrincipalDep
) -> Response:
    """Takes the product off (a count: forgets what was counted of it)."""
    _may_change_products(uow, principal, consignment_id)
    line_editing.remove_product(uow, consignment_id=consignment_id, product_id=product_id,
                                user_id=principal.user.id)  # fmt: skip
    uow.commit()
    return Response(status_code=204)


@router.post("/consignments/{consignment_id}/bulk", summary="Bulk update consignment products",
             tags=["Consignment Products"])  # fmt: skip
def bulk_consignment_products(
    consignment_id: uuid.UUID,
    body: bodies.BulkIn,
    uow: UowDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Adds the `count` and `received` sent to what each product has (an order's received
    quantities arrive now), in one transaction: one refused product changes nothing.
    Answers each product's count and received."""
    lines, replayed = _change(uow, principal, consignment_id,
                              [bodies.line_of(item) for item in body], accumulate=True,
                              key=idempotency_key)  # fmt: skip
    reply = DecimalJSONResponse(
        {
            "data": {
                str(line.product_id): {
                    "count": quantity(line.count),
                    "received": quantity(line.received),
                }
                for line in lines
            }
        }
    )
    if replayed:
        reply.headers.update(REPLAYED)
    return reply
