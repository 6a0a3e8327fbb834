"""Purchase orders: X-Series' SUPPLIER consignments (OPEN -> SENT -> DISPATCHED -> RECEIVED,
or CANCELLED). An order is created for a supplier and an outlet, filled by hand, by scans or
from the reorder points, sent to the supplier as a PDF by email (through the outbox), then
received in one or several deliveries: every received line is a RECEIVE movement valued at
the order's supply price, so the average cost follows, and the product's supply price
becomes the one received. None of these functions commits (the unit of work does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, Supplier
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import take_counter
from comptoir.inventory.consignments import common
from comptoir.inventory.consignments.common import LineInput, Receipt, ReceivedLine
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
    LineStatus,
)
from comptoir.inventory.consignments.order_document import (
    build_order_document,
    document_to_json,
    render_order_pdf,
)
from comptoir.inventory.consignments.store_refs import outlet_of, retailer_of
from comptoir.inventory.models import InventoryLevel, MovementKind
from comptoir.inventory.service import StockChange, move_stock

ORDER_EMAIL_TOPIC = "consignments.order_email"
ORDER_NUMBER_COUNTER = "purchase_order"
ORDER_NUMBER_PREFIX = "PO-"
S = ConsignmentStatus


# -- creating and editing -----------------------------------------------------------------


def get_order(session: Session, consignment_id: uuid.UUID) -> Consignment:
    """A purchase order; any other consignment (a transfer, a count) is not one."""
    return common.get_consignment(session, consignment_id, type=ConsignmentType.SUPPLIER)


def _lock_order(session: Session, consignment_id: uuid.UUID) -> Consignment:
    return common.lock_consignment(session, consignment_id, type=ConsignmentType.SUPPLIER)


def _supplier(session: Session, supplier_id: uuid.UUID) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None or supplier.deleted_at is not None:
        raise InvalidInput(N_("unknown supplier"), field="supplier_id")
    return supplier


def next_order_number(session: Session) -> str:
    """ "PO-00001", "PO-00002"...: taken from a counter row (locked until commit), so two
    managers creating orders at once never share a number; numbers typed by hand that happen
    to look alike are skipped."""
    while True:
        value = take_counter(session, name=ORDER_NUMBER_COUNTER, start=0)
        number = f"{ORDER_NUMBER_PREFIX}{value:05d}"
        if not _reference_used(session, number):
            return number


def _reference_used(session: Session, reference: str) -> bool:
    return (
        session.scalar(
            select(Consignment.id).where(
                Consignment.type == ConsignmentType.SUPPLIER.value,
                Consignment.reference == reference,
                Consignment.deleted_at.is_(None),
            )
        )
        is not None
    )


def create_order(
    uow: UnitOfWork,
    *,
    outlet_id: uuid.UUID,
    supplier_id: uuid.UUID | None,
    name: str | None = None,
    reference: str | None = None,
    due_at: datetime | None = None,
    user_id: uuid.UUID | None,
) -> Consignment:
    """An OPEN order for `supplier_id` arriving at `outlet_id`; `reference` is the order
    number (a fresh "PO-00001" when not given; one typed must not be another order's)."""
    session = uow.session
    outlet_of(session, outlet_id)
    if supplier_id is not None:
        _supplier(session, supplier_id)
    reference = (reference or "").strip() or None
    if reference is not None:
        if len(reference) > 100:
            raise InvalidInput(N_("the order number is too long"), field="reference")
        if _reference_used(session, reference):
            raise InvalidInput(N_("this order number is already used"), field="reference")
    else:
        reference = next_order_number(session)
    note = (name or "").strip() or None
    if note is not None and len(note) > 255:
        raise InvalidInput(N_("the note is too long"), field="name")
    return common.add_consignment(
        session,
        type=ConsignmentType.SUPPLIER,
        user_id=user_id,
        detail={"reference": reference},
        outlet_id=outlet_id,
        supplier_id=supplier_id,
        name=note,
        reference=reference,
        due_at=due_at,
    )


def _checked(lines: Sequence[LineInput]) -> list[LineInput]:
    """Every quantity and cost a client gave, checked before anything is written."""
    checked = []
    for line in lines:
        checked.append(
            LineInput(
                product_id=line.product_id,
                count=None if line.count is None else common.quantity_of(line.count),
                received=None
                if line.received is None
                else common.quantity_of(line.received, field="received"),
                cost=None if line.cost is None else common.quantity_of(line.cost, field="cost"),
            )
        )
    return checked


def set_order_lines(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    lines: Sequence[LineInput],
    accumulate: bool = False,
    user_id: uuid.UUID | None,
) -> list[ConsignmentProduct]:
    """Add products or change their ordered quantity and cost (`accumulate`: a scan adds to
    what is ordered). Only `count` and `cost` are taken: stock arrives by `receive_order`."""
    session = uow.session
    order = _lock_order(session, consignment_id)
    checked = [
        LineInput(line.product_id, count=line.count, cost=line.cost) for line in _checked(lines)
    ]
    changed = common.upsert_lines(session, order, checked, accumulate=accumulate)
    order.updated_at = utcnow()
    common.record_event(session, order, action="lines_changed", user_id=user_id,
                        detail={"products": len(checked)})  # fmt: skip
    return changed


def remove_order_line(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, product_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    session = uow.session
    order = _lock_order(session, consignment_id)
    line = _live_lines(session, order.id).get(product_id)
    if line is not None and (line.received or 0) > 0:
        raise InvalidInput(N_("a product already received cannot be removed from the order"))
    common.remove_line(session, order, product_id)
    order.updated_at = utcnow()
    common.record_event(session, order, action="line_removed", user_id=user_id,
                        detail={"product_id": str(product_id)})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Filled:
    """What filling from the reorder points added (products already on the order stay as
    they were)."""

    consignment: Consignment
    added: tuple[uuid.UUID, ...]


def fill_from_reorder_points(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Filled:
    """Every product of the order's supplier at or below its reorder point at the order's
    outlet, ordered up to its restock level (X-Series' `reorder_amount`) minus the stock on
    hand, at its supply price. "At or below" as the product list's low-stock filter."""
    session = uow.session
    order = _lock_order(session, consignment_id)
    common.check_open_to_changes(order)
    if order.supplier_id is None:
        raise InvalidInput(N_("choose the order's supplier first"), field="supplier_id")
    rows = session.execute(
        select(InventoryLevel.product_id, InventoryLevel.count, InventoryLevel.reorder_amount)
        .join(Product, Product.id == InventoryLevel.product_id)
        .where(
            InventoryLevel.outlet_id == order.outlet_id,
            InventoryLevel.count <= InventoryLevel.reorder_point,
            InventoryLevel.reorder_amount.is_not(None),
            Product.supplier_id == order.supplier_id,
            Product.deleted_at.is_(None),
            Product.active.is_(True),  # a product no longer sold is not reordered
            Product.has_inventory.is_(True),
            Product.is_composite.is_(False),
        )
    ).all()
    present = _live_lines(session, order.id)
    wanted = [
        LineInput(product_id, count=restock - count)
        for product_id, count, restock in sorted(rows, key=lambda row: row[0].int)
        if product_id not in present and restock is not None and restock - count > 0
    ]
    if wanted:
        common.upsert_lines(session, order, wanted)
        order.updated_at = utcnow()
    common.record_event(session, order, action="filled_from_reorder_points", user_id=user_id,
                        detail={"products": len(wanted)})  # fmt: skip
    return Filled(order, tuple(line.product_id for line in wanted))


def _live_lines(session: Session, consignment_id: uuid.UUID) -> dict[uuid.UUID, ConsignmentProduct]:
    """The order's lines read afresh (another user's receipt, committed while this one
    waited for the lock, is seen even when the lines were loaded before)."""
    return {
        line.product_id: line
        for line in session.scalars(
            select(ConsignmentProduct)
            .where(
                ConsignmentProduct.consignment_id == consignment_id,
                ConsignmentProduct.deleted_at.is_(None),
            )
            .execution_options(populate_existing=True)
        )
    }


# -- sending, cancelling ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentOrder:
    consignment: Consignment
    # The address the PDF goes to; None when the supplier has no email (the page says so:
    # the order is marked sent, its PDF is to be sent by hand).
    emailed_to: str | None


def send_order(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> SentOrder:
    """OPEN -> SENT, and the order's PDF emailed to the supplier through the outbox (the
    payload holds the whole document: the handler needs no database)."""
    session = uow.session
    order = _lock_order(session, consignment_id)
    common.check_transition(order, S.SENT)
    if not any((line.count or 0) > 0 for line in _live_lines(session, order.id).values()):
        raise InvalidInput(N_("add products to the order before sending it"))
    supplier = session.get(Supplier, order.supplier_id) if order.supplier_id else None
    email = (supplier.email or "").strip() if supplier is not None else ""
    common.set_status(session, order, S.SENT, user_id=user_id,
                      detail={"emailed": bool(email)})  # fmt: skip
    if email:
        document = build_order_document(session, consignment=order)
        enqueue(
            uow,
            topic=ORDER_EMAIL_TOPIC,
            payload={
                "consignment_id": str(order.id),
                "to": email,
                "locale": retailer_of(session).locale,
                "document": document_to_json(document),
            },
        )
    return SentOrder(order, email or None)


def cancel_order(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """Cancelled: nothing more arrives (what was received stays in stock)."""
    session = uow.session
    order = _lock_order(session, consignment_id)
    common.set_status(session, order, S.CANCELLED, user_id=user_id)
    return order


def order_pdf(session: Session, *, consignment_id: uuid.UUID) -> bytes:
    """The order as the supplier receives it (A4, reportlab), in the current locale."""
    order = get_order(session, consignment_id)
    return render_order_pdf(build_order_document(session, consignment=order))


# -- receiving ----------------------------------------------------------------------------


def receive_order(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    delivery_id: uuid.UUID,
    lines: Sequence[LineInput] | None,
    complete: bool,
    user_id: uuid.UUID | None,
) -> Receipt:
    """Receive one delivery: `lines` (product, `received` quantity, optional new `cost`)
    or None for everything still outstanding. Stock arrives by RECEIVE movements valued at
    the line's cost (so the average cost follows) and a product's supply price becomes the
    cost received. Over-receipt is allowed and reported. The order is DISPATCHED after a
    partial receipt, RECEIVED when `complete`.

    The order is locked first: two users receiving it at once are serialised, the second
    seeing the first's receipt; a retried `delivery_id` answers the first receipt and
    changes nothing."""
    session = uow.session
    order = _lock_order(session, consignment_id)
    previous = common.previous_delivery(session, order, delivery_id)
    if previous is not None:
        return previous
    common.check_open_to_changes(order)
    present = _live_lines(session, order.id)
    arriving = _arriving(session, present, lines)
    if not arriving and not complete:
        raise InvalidInput(N_("nothing to receive: type the quantities that arrived"))
    products = common.products_by_id(session, list(arriving))
    if any(products[p].is_composite for p in arriving):
        raise InvalidInput(N_("a composite product cannot be received; receive its components"))
    # Lines for products scanned at receipt that were not ordered (ordered: 0).
    new = [LineInput(p, count=Decimal(0)) for p in arriving if p not in present]
    if new:
        for line in common.upsert_lines(session, order, new):
            present[line.product_id] = line
    received: list[ReceivedLine] = []
    changes: list[StockChange] = []
    for product_id, (quantity, given_cost) in arriving.items():
        line = present[product_id]
        product = products[product_id]
        cost = given_cost if given_cost is not None else _cost_of(line, product)
        line.cost = cost
        line.received = (line.received or Decimal(0)) + quantity
        if line.received >= (line.count or 0):
            line.status = LineStatus.SUCCESS.value
        if product.supply_price != cost:
            # The shop's rule: "always use a purchase order to record a supply price change".
            product.supply_price = cost
        received.append(ReceivedLine(product_id, quantity, cost))
        if quantity > 0 and product.has_inventory:
            changes.append(StockChange(product_id, order.outlet_id, quantity, unit_cost=cost))
    move_stock(session, changes=changes, kind=MovementKind.RECEIVE, source_id=order.id,
               user_id=user_id)  # fmt: skip
    over = tuple(
        line.product_id
        for line in present.values()
        if line.product_id in arriving and (line.received or 0) > (line.count or 0)
    )
    receipt = Receipt(delivery_id=delivery_id, lines=tuple(received), over_received=over)
    common.save_delivery(session, order, receipt, user_id=user_id)
    detail = {
        "delivery_id": str(delivery_id),
        "products": len(received),
        "quantity": str(sum((r.quantity for r in received), Decimal(0))),
        "over_received": len(over),
    }
    target = S.RECEIVED if complete else S.DISPATCHED
    if ConsignmentStatus(order.status) is target:
        order.updated_at = utcnow()
        common.record_event(session, order, action="received_partly", user_id=user_id,
                            detail=detail)  # fmt: skip
    else:
        common.set_status(session, order, target, user_id=user_id, detail=detail)
    return receipt


def _cost_of(line: ConsignmentProduct, product: Product) -> Decimal:
    return line.cost if line.cost is not None else product.supply_price


def _arriving(
    session: Session,
    present: dict[uuid.UUID, ConsignmentProduct],
    lines: Sequence[LineInput] | None,
) -> dict[uuid.UUID, tuple[Decimal, Decimal | None]]:
    """What arrives, by product: (quantity, new cost or None). None: everything still
    outstanding. A product given twice (two scans) adds up; a zero quantity is skipped."""
    arriving: dict[uuid.UUID, tuple[Decimal, Decimal | None]] = {}
    if lines is None:
        for product_id, line in sorted(present.items(), key=lambda item: item[0].int):
            outstanding = (line.count or Decimal(0)) - (line.received or Decimal(0))
            if outstanding > 0:
                arriving[product_id] = (outstanding, None)
        return arriving
    for given in lines:
        quantity = common.quantity_of(given.received, field="received")
        cost = None if given.cost is None else common.quantity_of(given.cost, field="cost")
        before, before_cost = arriving.get(given.product_id, (Decimal(0), None))
        arriving[given.product_id] = (before + quantity, cost if cost is not None else before_cost)
    # Unknown products are refused before anything is written.
    common.products_by_id(session, list(arriving))
    return {p: value for p, value in arriving.items() if value[0] > 0}
