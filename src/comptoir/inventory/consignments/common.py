"""What the four consignment workflows share: finding and locking a consignment, its status
machine, editing its lines, its history and its totals. Each workflow (orders.py,
transfers.py, supplier_returns.py, stocktakes.py) builds on these; none of them commits
(the unit of work does)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.inventory.consignments.errors import ConsignmentNotFound, ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentDelivery,
    ConsignmentEvent,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
)

T = ConsignmentType
S = ConsignmentStatus

# X-Series' workflows (legacy-api-v2-0.json, POST /consignments): status -> where it may go.
TRANSITIONS: dict[ConsignmentType, dict[ConsignmentStatus, frozenset[ConsignmentStatus]]] = {
    T.SUPPLIER: {
        S.OPEN: frozenset({S.SENT, S.DISPATCHED, S.RECEIVED, S.CANCELLED}),
        S.SENT: frozenset({S.DISPATCHED, S.RECEIVED, S.CANCELLED}),
        S.DISPATCHED: frozenset({S.RECEIVED, S.CANCELLED}),
    },
    T.OUTLET: {
        S.OPEN: frozenset({S.SENT, S.CANCELLED}),
        S.SENT: frozenset({S.DISPATCHED, S.RECEIVED, S.CANCELLED}),
        S.DISPATCHED: frozenset({S.RECEIVED}),
    },
    T.RETURN: {
        S.OPEN: frozenset({S.SENT, S.CANCELLED}),
    },
    T.STOCKTAKE: {
        S.STOCKTAKE_SCHEDULED: frozenset({S.STOCKTAKE_IN_PROGRESS, S.CANCELLED, S.CLOSED}),
        S.STOCKTAKE_IN_PROGRESS: frozenset(
            {S.STOCKTAKE_IN_PROGRESS_PROCESSED, S.STOCKTAKE_COMPLETE, S.CANCELLED, S.CLOSED}
        ),
        S.STOCKTAKE_IN_PROGRESS_PROCESSED: frozenset(
            {S.STOCKTAKE_IN_PROGRESS, S.STOCKTAKE_COMPLETE, S.CANCELLED, S.CLOSED}
        ),
    },
}
INITIAL = {
    T.SUPPLIER: S.OPEN,
    T.OUTLET: S.OPEN,
    T.RETURN: S.OPEN,
    T.STOCKTAKE: S.STOCKTAKE_SCHEDULED,
}
# Statuses in which nothing changes any more.
FINAL = frozenset({S.RECEIVED, S.CANCELLED, S.STOCKTAKE_COMPLETE, S.CLOSED})


# What a page or the API says of a consignment of another type than the one asked for.
NOT_FOUND = {
    T.SUPPLIER: "no such purchase order",
    T.OUTLET: N_("This transfer does not exist."),
    T.RETURN: N_("This supplier return does not exist."),
    T.STOCKTAKE: "no such stock count",
}


def get_consignment(
    session: Session, consignment_id: uuid.UUID, *, type: T | None = None
) -> Consignment:
    """The consignment (of `type` when given: one of another type is not found)."""
    return _of_type(session.get(Consignment, consignment_id), consignment_id, type)


def lock_consignment(
    session: Session, consignment_id: uuid.UUID, *, type: T | None = None
) -> Consignment:
    """The consignment, its row locked until commit (PostgreSQL; SQLite has one writer):
    two users receiving or counting one consignment at once are serialised here, and each
    sees the other's lines once it has the lock."""
    consignment = session.scalars(
        select(Consignment)
        .where(Consignment.id == consignment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    return _of_type(consignment, consignment_id, type)


def _of_type(
    consignment: Consignment | None, consignment_id: uuid.UUID, type: T | None
) -> Consignment:
    if consignment is None or consignment.deleted_at is not None:
        message = NOT_FOUND[type] if type is not None else "no such consignment"
        raise ConsignmentNotFound(message, consignment_id=str(consignment_id))
    if type is not None and consignment.type != type.value:
        raise ConsignmentNotFound(NOT_FOUND[type], consignment_id=str(consignment_id))
    return consignment


def check_transition(consignment: Consignment, to: ConsignmentStatus) -> None:
    kind = ConsignmentType(consignment.type)
    current = ConsignmentStatus(consignment.status)
    if to not in TRANSITIONS[kind].get(current, frozenset()):
        raise ConsignmentStateError(
            f"a {kind.value} consignment cannot go from {current.value} to {to.value}",
            status=current.value,
            wanted=to.value,
        )


def set_status(
    session: Session,
    consignment: Consignment,
    to: ConsignmentStatus,
    *,
    user_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Move along the workflow (refused when the workflow does not allow it), stamped and
    written in the history."""
    check_transition(consignment, to)
    now = utcnow()
    consignment.status = to.value
    consignment.updated_at = now
    if to is S.SENT:
        consignment.sent_at = now
    elif to in (S.RECEIVED, S.STOCKTAKE_COMPLETE):
        consignment.received_at = now
    elif to is S.CANCELLED:
        consignment.cancelled_at = now
    record_event(session, consignment, action=to.value.lower(), user_id=user_id, detail=detail)


def check_open_to_changes(consignment: Consignment) -> None:
    if ConsignmentStatus(consignment.status) in FINAL:
        raise ConsignmentStateError(
            f"this consignment is {consignment.status} and can no longer change",
            status=consignment.status,
        )


def add_consignment(
    session: Session,
    *,
    type: ConsignmentType,
    user_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Consignment:
    """A new consignment of `type` in its first status, with its "created" history line."""
    consignment = Consignment(
        type=type.value, status=INITIAL[type].value, created_by=user_id, **fields
    )
    session.add(consignment)
    session.flush()
    record_event(session, consignment, action="created", user_id=user_id, detail=detail)
    return consignment


def record_event(
    session: Session,
    consignment: Consignment,
    *,
    action: str,
    user_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """A line of the consignment's history (ids and figures only, never names)."""
    session.add(
        ConsignmentEvent(
            consignment_id=consignment.id,
            action=action,
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
            user_id=user_id,
        )
    )


def history(session: Session, consignment_id: uuid.UUID) -> list[ConsignmentEvent]:
    return list(
        session.scalars(
            select(ConsignmentEvent)
            .where(ConsignmentEvent.consignment_id == consignment_id)
            .order_by(ConsignmentEvent.created_at, ConsignmentEvent.id)
        )
    )


# -- quantities and lines --------------------------------------------------------------------


def quantity_of(value: object, *, field: str = "count", allow_zero: bool = True) -> Decimal:
    """A quantity typed or sent by a client: a finite, non-negative decimal, else a clear
    error (nothing is changed)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"{field} must be a number", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field} must be a number", field=field, value=str(value)) from None
    if not number.is_finite():
        raise InvalidInput(f"{field} must be a number", field=field, value=str(value))
    if number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(f"{field} cannot be negative", field=field, value=str(value))
    if number != number.quantize(Decimal("0.00001")):
        raise InvalidInput(f"{field} has more than 5 decimals", field=field, value=str(value))
    return number


@dataclass(frozen=True, slots=True)
class LineInput:
    """A line as a client gives it: None leaves a field as it is."""

    product_id: uuid.UUID
    count: Decimal | None = None
    received: Decimal | None = None
    cost: Decimal | None = None


def products_by_id(session: Session, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Product]:
    """The live products among `product_ids`; an unknown or deleted one is refused."""
    wanted = set(product_ids)
    found: dict[uuid.UUID, Product] = {}
    ordered = sorted(wanted, key=lambda p: p.int)
    for start in range(0, len(ordered), 500):
        for product in session.scalars(
            select(Product).where(
                Product.id.in_(ordered[start : start + 500]), Product.deleted_at.is_(None)
            )
        ):
            found[product.id] = product
    missing = wanted - found.keys()
    if missing:
        raise InvalidInput("unknown product", product_ids=sorted(str(p) for p in missing)[:20])
    return found


def lines_of(session: Session, consignment_id: uuid.UUID) -> dict[uuid.UUID, ConsignmentProduct]:
    """The consignment's live lines by product id."""
    return {
        line.product_id: line
        for line in session.scalars(
            select(ConsignmentProduct).where(
                ConsignmentProduct.consignment_id == consignment_id,
                ConsignmentProduct.deleted_at.is_(None),
            )
        )
    }


def upsert_lines(
    session: Session,
    consignment: Consignment,
    lines: Sequence[LineInput],
    *,
    accumulate: bool = False,
) -> list[ConsignmentProduct]:
    """Add lines or change them; `accumulate` adds the given count/received to what is
    there (X-Series' /bulk, a scan). Validated before anything is written."""
    check_open_to_changes(consignment)
    products = products_by_id(session, [line.product_id for line in lines])
    if consignment.type == T.SUPPLIER.value:
        composites = [str(p.id) for p in products.values() if p.is_composite]
        if composites:
            raise InvalidInput(
                "a composite product cannot be ordered; order its components",
                product_ids=composites,
            )
    existing = lines_of(session, consignment.id)
    now = utcnow()
    changed: list[ConsignmentProduct] = []
    removed = _removed_lines(session, consignment.id, [g.product_id for g in lines], existing)
    for given in lines:
        line = existing.get(given.product_id)
        if line is None and given.product_id in removed:
            # A line removed earlier comes back as new: (consignment, product) is unique.
            line = removed.pop(given.product_id)
            line.deleted_at = None
            line.count = line.received = None
            line.cost = (
                given.cost if given.cost is not None else products[given.product_id].supply_price
            )
            existing[given.product_id] = line
        if line is None:
            line = ConsignmentProduct(
                consignment_id=consignment.id,
                product_id=given.product_id,
                cost=given.cost
                if given.cost is not None
                else products[given.product_id].supply_price,
                created_at=now,
            )
            session.add(line)
            existing[given.product_id] = line
        elif given.cost is not None:
            line.cost = given.cost
        for field in ("count", "received"):
            amount = getattr(given, field)
            if amount is None:
                continue
            before = getattr(line, field)
            setattr(line, field, (before or Decimal(0)) + amount if accumulate else amount)
        changed.append(line)
    return changed


def _removed_lines(
    session: Session,
    consignment_id: uuid.UUID,
    product_ids: Sequence[uuid.UUID],
    live: Mapping[uuid.UUID, ConsignmentProduct],
) -> dict[uuid.UUID, ConsignmentProduct]:
    """The soft-deleted lines of `product_ids` that have no live line."""
    wanted = sorted({p for p in product_ids if p not in live}, key=lambda p: p.int)
    found: dict[uuid.UUID, ConsignmentProduct] = {}
    for start in range(0, len(wanted), 500):
        for line in session.scalars(
            select(ConsignmentProduct).where(
                ConsignmentProduct.consignment_id == consignment_id,
                ConsignmentProduct.product_id.in_(wanted[start : start + 500]),
                ConsignmentProduct.deleted_at.is_not(None),
            )
        ):
            found[line.product_id] = line
    return found


def remove_line(session: Session, consignment: Consignment, product_id: uuid.UUID) -> None:
    check_open_to_changes(consignment)
    line = lines_of(session, consignment.id).get(product_id)
    if line is None:
        raise ConsignmentNotFound("this product is not in the consignment",
                                  product_id=str(product_id))  # fmt: skip
    line.deleted_at = utcnow()


@dataclass(frozen=True, slots=True)
class Totals:
    """X-Series' /consignments/{id}/totals."""

    total_sent_count: Decimal
    total_sent_cost: Decimal
    total_received_count: Decimal
    total_received_cost: Decimal


def totals_of(session: Session, consignment_id: uuid.UUID) -> Totals:
    """Summed in Python: a product of two amounts is not portable SQL (SQLite keeps them as
    scaled integers), and a consignment holds thousands of lines at most."""
    sent_count = sent_cost = received_count = received_cost = Decimal(0)
    for line in lines_of(session, consignment_id).values():
        cost = line.cost or Decimal(0)
        sent_count += line.count or 0
        sent_cost += (line.count or 0) * cost
        received_count += line.received or 0
        received_cost += (line.received or 0) * cost
    return Totals(sent_count, sent_cost, received_count, received_cost)


# -- deliveries: receiving the same delivery twice changes nothing ------------------------


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    product_id: uuid.UUID
    quantity: Decimal
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a delivery did: the lines received, those received over what was ordered or
    sent (a warning, not an error), and whether this answer replays an earlier receipt."""

    delivery_id: uuid.UUID
    lines: tuple[ReceivedLine, ...]
    over_received: tuple[uuid.UUID, ...] = ()
    replayed: bool = False


def previous_delivery(
    session: Session, consignment: Consignment, delivery_id: uuid.UUID
) -> Receipt | None:
    """The receipt already recorded under `delivery_id`, to answer a retry with; call it
    after `lock_consignment`, so a concurrent retry waits and then finds the first one."""
    delivery = session.get(ConsignmentDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        return None
    if delivery.consignment_id != consignment.id:
        raise ConsignmentStateError(
            "this delivery id was used for another consignment", delivery_id=str(delivery_id)
        )
    data = json.loads(delivery.summary)
    return Receipt(
        delivery_id=delivery_id,
        lines=tuple(
            ReceivedLine(
                uuid.UUID(product), Decimal(quantity), None if cost is None else Decimal(cost)
            )
            for product, quantity, cost in data["lines"]
        ),
        over_received=tuple(uuid.UUID(product) for product in data.get("over_received", [])),
        replayed=True,
    )


def save_delivery(
    session: Session, consignment: Consignment, receipt: Receipt, *, user_id: uuid.UUID | None
) -> None:
    """Record the delivery (its primary key refuses a second one with the same id)."""
    summary = {
        "lines": [
            [
                str(line.product_id),
                str(line.quantity),
                None if line.cost is None else str(line.cost),
            ]
            for line in receipt.lines
        ],
        "over_received": [str(product) for product in receipt.over_received],
    }
    session.add(
        ConsignmentDelivery(
            id=receipt.delivery_id,
            consignment_id=consignment.id,
            user_id=user_id,
            summary=json.dumps(summary, sort_keys=True),
        )
    )
