"""Transfers between outlets (X-Series consignments of type OUTLET: OPEN -> SENT -> RECEIVED,
or CANCELLED).

Stock leaves the sending outlet when the transfer is sent, at that outlet's average cost,
which each line keeps as its `cost`; it arrives at the destination when received, valued at
that same cost, so moving stock between outlets neither creates nor loses value. Between the
two it is in transit. What does not arrive is a loss in transit (recorded on the line and in
the history, with its cost value); what arrives over what was sent is recorded too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.inventory import costing
from comptoir.inventory.consignments.common import (
    LineInput,
    Receipt,
    ReceivedLine,
    add_consignment,
    check_open_to_changes,
    check_transition,
    get_consignment,
    lines_of,
    lock_consignment,
    previous_delivery,
    products_by_id,
    quantity_of,
    record_event,
    remove_line,
    save_delivery,
    set_status,
    upsert_lines,
)
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
    LineStatus,
)
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.store.models import Outlet

S = ConsignmentStatus
_ZERO = Decimal(0)
# Sent and not yet received: the stock is in transit.
IN_TRANSIT = (S.SENT.value, S.DISPATCHED.value)


def _plain(number: Decimal | None) -> str:
    """A figure for the history: 5, not 5.00000."""
    return f"{(number or _ZERO).normalize():f}"


def get_transfer(session: Session, consignment_id: uuid.UUID) -> Consignment:
    return get_consignment(session, consignment_id, type=ConsignmentType.OUTLET)


def _lock_transfer(session: Session, consignment_id: uuid.UUID) -> Consignment:
    return lock_consignment(session, consignment_id, type=ConsignmentType.OUTLET)


def _known_outlet(session: Session, outlet_id: uuid.UUID, *, field: str) -> None:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.deleted_at is not None:
        raise InvalidInput(N_("Choose an outlet."), field=field)


def create_transfer(
    uow: UnitOfWork,
    *,
    source_outlet_id: uuid.UUID,
    outlet_id: uuid.UUID,
    name: str | None = None,
    user_id: uuid.UUID | None,
) -> Consignment:
    """An OPEN transfer from `source_outlet_id` to `outlet_id` (the destination)."""
    session = uow.session
    _known_outlet(session, source_outlet_id, field="source_outlet_id")
    _known_outlet(session, outlet_id, field="outlet_id")
    if source_outlet_id == outlet_id:
        raise InvalidInput(
            N_("A transfer goes to another outlet than the one sending it."), field="outlet_id"
        )
    return add_consignment(
        session,
        type=ConsignmentType.OUTLET,
        user_id=user_id,
        name=(name or "").strip()[:255] or None,
        outlet_id=outlet_id,
        source_outlet_id=source_outlet_id,
    )


def _check_movable(products: Mapping[uuid.UUID, Product]) -> None:
    """Only stock that is counted moves: a composite moves as its components."""
    refused = [str(p.id) for p in products.values() if p.is_composite or not p.has_inventory]
    if refused:
        raise InvalidInput(
            N_("This product has no stock of its own to transfer."), product_ids=refused[:20]
        )


def change_transfer_lines(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    lines: Sequence[LineInput],
    accumulate: bool = False,
    user_id: uuid.UUID | None,
) -> list[ConsignmentProduct]:
    """Add products to an OPEN transfer or change their quantities (`count`, the quantity to
    send); `accumulate` adds to what is there (a scan). Once sent, the lines are fixed."""
    session = uow.session
    transfer = _lock_transfer(session, consignment_id)
    _check_still_open(transfer)
    for line in lines:
        if line.count is not None:
            quantity_of(line.count)
    _check_movable(products_by_id(session, [line.product_id for line in lines]))
    changed = upsert_lines(session, transfer, lines, accumulate=accumulate)
    record_event(
        session,
        transfer,
        action="lines_changed",
        user_id=user_id,
        detail={"lines": [[str(line.product_id), _plain(line.count)] for line in changed]},
    )
    return changed


def remove_transfer_line(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, product_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    transfer = _lock_transfer(uow.session, consignment_id)
    _check_still_open(transfer)
    remove_line(uow.session, transfer, product_id)
    record_event(
        uow.session, transfer, action="line_removed", user_id=user_id,
        detail={"product_id": str(product_id)},
    )  # fmt: skip


def _check_still_open(transfer: Consignment) -> None:
    check_open_to_changes(transfer)
    if transfer.status != S.OPEN.value:
        raise ConsignmentStateError(
            N_("This transfer was sent: its lines can no longer change."), status=transfer.status
        )


def send_transfer(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """The stock leaves the sending outlet, each line at that outlet's average cost (the
    cost it will arrive at). Lines with nothing to send are left out."""
    session = uow.session
    transfer = _lock_transfer(session, consignment_id)
    _check_still_open(transfer)
    source = transfer.source_outlet_id
    assert source is not None  # set by create_transfer; a transfer always has one
    lines = [line for line in lines_of(session, transfer.id).values() if (line.count or 0) > 0]
    if not lines:
        raise InvalidInput(N_("Add at least one product to send."), field="lines")
    products = products_by_id(session, [line.product_id for line in lines])
    _check_movable(products)
    levels = costing.read_levels(session, [(line.product_id, source) for line in lines])
    lines.sort(key=lambda line: line.product_id.int)
    changes = []
    for line in lines:
        count, value = levels.get((line.product_id, source), (_ZERO, _ZERO))
        # As inventory.costing values stock leaving: the average, or the supply price when
        # the outlet holds none. Kept on the line, the arrival is valued at it.
        unit_cost = costing.average_cost(
            count, value, fallback=products[line.product_id].supply_price
        )
        line.cost = unit_cost.quantize(costing.VALUE_PLACES, rounding=ROUND_HALF_UP)
        assert line.count is not None
        changes.append(StockChange(line.product_id, source, -line.count, unit_cost=line.cost))
    move_stock(
        session, changes=changes, kind=MovementKind.TRANSFER, source_id=transfer.id, user_id=user_id
    )
    set_status(
        session,
        transfer,
        S.SENT,
        user_id=user_id,
        detail={
            "lines": [
                [str(c.product_id), _plain(-c.quantity), _plain(c.unit_cost)] for c in changes
            ]
        },
    )
    return transfer


@dataclass(frozen=True, slots=True)
class TransferDifference:
    """A line received short (`quantity` < 0, lost in transit) or over (> 0)."""

    product_id: uuid.UUID
    sent: Decimal
    received: Decimal
    quantity: Decimal
    value: Decimal


def differences_of(session: Session, consignment_id: uuid.UUID) -> list[TransferDifference]:
    """A received transfer's lines whose received quantity differs from what was sent."""
    found = []
    for line in lines_of(session, consignment_id).values():
        if line.received is None:
            continue
        sent = line.count or _ZERO
        if line.received != sent:
            quantity = line.received - sent
            value = (quantity * (line.cost or _ZERO)).quantize(
                costing.VALUE_PLACES, rounding=ROUND_HALF_UP
            )
            found.append(TransferDifference(line.product_id, sent, line.received, quantity, value))
    return sorted(found, key=lambda d: d.product_id.int)


def receive_transfer(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    delivery_id: uuid.UUID,
    lines: Sequence[LineInput] | None,
    user_id: uuid.UUID | None,
) -> Receipt:
    """The transfer arrives at its destination: `lines` give the quantities received
    (`received`, else `count`); a product of the transfer left out of them did not arrive;
    None receives everything sent. Each line arrives at the cost it left at. Differences
    with what was sent are kept on the lines and in the history. The same `delivery_id`
    again (a retry) returns the first receipt and changes nothing."""
    session = uow.session
    transfer = _lock_transfer(session, consignment_id)
    replay = previous_delivery(session, transfer, delivery_id)
    if replay is not None:
        return replay
    if transfer.status not in IN_TRANSIT:
        raise ConsignmentStateError(
            N_("Only a sent transfer can be received."), status=transfer.status
        )
    existing = lines_of(session, transfer.id)
    received = _received_quantities(existing, lines)
    changes = []
    received_lines = []
    over = []
    for product_id in sorted(existing, key=lambda p: p.int):
        line = existing[product_id]
        quantity = received.get(product_id, _ZERO)
        line.received = quantity
        line.status = LineStatus.SUCCESS.value
        line.updated_at = utcnow()
        if quantity > (line.count or _ZERO):
            over.append(product_id)
        if quantity > 0:
            changes.append(
                StockChange(product_id, transfer.outlet_id, quantity, unit_cost=line.cost)
            )
        received_lines.append(ReceivedLine(product_id, quantity, line.cost))
    move_stock(
        session, changes=changes, kind=MovementKind.TRANSFER, source_id=transfer.id, user_id=user_id
    )
    receipt = Receipt(
        delivery_id=delivery_id, lines=tuple(received_lines), over_received=tuple(over)
    )
    save_delivery(session, transfer, receipt, user_id=user_id)
    session.flush()
    differences = differences_of(session, transfer.id)
    set_status(
        session,
        transfer,
        S.RECEIVED,
        user_id=user_id,
        detail={
            "delivery_id": str(delivery_id),
            "received": [[str(r.product_id), _plain(r.quantity)] for r in received_lines],
            # Short: lost in transit (negative quantity and value); over: more than was sent.
            "differences": [
                [str(d.product_id), *map(_plain, (d.sent, d.received, d.quantity, d.value))]
                for d in differences
            ],
        },
    )
    return receipt


def _received_quantities(
    existing: Mapping[uuid.UUID, ConsignmentProduct], lines: Sequence[LineInput] | None
) -> dict[uuid.UUID, Decimal]:
    """The quantity received per product, checked before anything is written."""
    if lines is None:
        return {product_id: line.count or _ZERO for product_id, line in existing.items()}
    received: dict[uuid.UUID, Decimal] = {}
    for given in lines:
        if given.product_id not in existing:
            raise InvalidInput(
                N_("This product was not sent in this transfer."),
                product_id=str(given.product_id),
            )
        amount = given.received if given.received is not None else given.count
        if amount is None:
            raise InvalidInput(N_("Enter the quantity received."), product_id=str(given.product_id))
        quantity = quantity_of(amount, field="received")
        received[given.product_id] = received.get(given.product_id, _ZERO) + quantity
    return received


def cancel_transfer(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """An OPEN transfer is simply cancelled; a SENT one puts its stock back at the sending
    outlet, at the cost it left at."""
    session = uow.session
    transfer = _lock_transfer(session, consignment_id)
    check_open_to_changes(transfer)
    check_transition(transfer, S.CANCELLED)  # before any stock moves
    returned = []
    if transfer.status in IN_TRANSIT:
        source = transfer.source_outlet_id
        assert source is not None
        lines = lines_of(session, transfer.id).values()
        for line in sorted(lines, key=lambda row: row.product_id.int):
            if (line.count or 0) > 0:
                assert line.count is not None
                returned.append(
                    StockChange(line.product_id, source, line.count, unit_cost=line.cost)
                )
        move_stock(
            session,
            changes=returned,
            kind=MovementKind.TRANSFER,
            source_id=transfer.id,
            user_id=user_id,
        )
    set_status(
        session,
        transfer,
        S.CANCELLED,
        user_id=user_id,
        detail={"returned": [[str(c.product_id), _plain(c.quantity)] for c in returned]}
        if returned
        else None,
    )
    return transfer


def stock_in_transit(
    session: Session, *, product_ids: Sequence[uuid.UUID], outlet_id: uuid.UUID | None = None
) -> dict[uuid.UUID, Decimal]:
    """Quantities sent and not yet received, per product: on their way to `outlet_id`, or
    to any outlet."""
    if not product_ids:
        return {}
    query = (
        select(ConsignmentProduct.product_id, ConsignmentProduct.count)
        .join(Consignment, Consignment.id == ConsignmentProduct.consignment_id)
        .where(
            Consignment.type == ConsignmentType.OUTLET.value,
            Consignment.status.in_(IN_TRANSIT),
            Consignment.deleted_at.is_(None),
            ConsignmentProduct.deleted_at.is_(None),
        )
    )
    if outlet_id is not None:
        query = query.where(Consignment.outlet_id == outlet_id)
    totals: dict[uuid.UUID, Decimal] = {}
    wanted = sorted(set(product_ids), key=lambda p: p.int)
    for start in range(0, len(wanted), 500):
        chunk = query.where(ConsignmentProduct.product_id.in_(wanted[start : start + 500]))
        for product_id, count in session.execute(chunk):
            totals[product_id] = totals.get(product_id, _ZERO) + (count or _ZERO)
    return totals
