"""Purchase orders (SUPPLIER consignments): numbering, filling from reorder points, sending
the PDF to the supplier, receiving in deliveries (stock, average cost, supply price), a
retried delivery, two users receiving at once, and bad input that changes nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.core.ids import new_id
from comptoir.core.outbox import OutboxMessage
from comptoir.inventory import costing
from comptoir.inventory.consignments import order_mail, orders
from comptoir.inventory.consignments.common import LineInput, Receipt, history, lines_of
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import Consignment, ConsignmentStatus
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from tests.factories import (
    Store,
    count_rows,
    ledger_of,
    make_product,
    make_purchase_supplier,
    run_together,
    set_reorder,
    stock_of,
    supply_product,
)

D = Decimal


def _create(shop: Store, supplier_id: uuid.UUID | None, **values: Any) -> Consignment:
    with shop.uow() as uow:
        order = orders.create_order(
            uow, outlet_id=shop.outlet.id, supplier_id=supplier_id, user_id=shop.owner.id,
            **values,
        )  # fmt: skip
        uow.commit()
        return order


def _add(shop: Store, order: Consignment, *lines: tuple[Product, str, str | None]) -> None:
    with shop.uow() as uow:
        orders.set_order_lines(
            uow,
            consignment_id=order.id,
            lines=[
                LineInput(p.id, count=D(count), cost=None if cost is None else D(cost))
                for p, count, cost in lines
            ],
            user_id=shop.owner.id,
        )
        uow.commit()


def _receive(
    shop: Store,
    order: Consignment,
    lines: list[tuple[Product, str, str | None]] | None,
    *,
    complete: bool = False,
    delivery_id: uuid.UUID | None = None,
) -> Receipt:
    with shop.uow() as uow:
        receipt = orders.receive_order(
            uow,
            consignment_id=order.id,
            delivery_id=delivery_id or new_id(),
            lines=None
            if lines is None
            else [
                LineInput(p.id, received=D(q), cost=None if c is None else D(c))
                for p, q, c in lines
            ],
            complete=complete,
            user_id=shop.owner.id,
        )
        uow.commit()
        return receipt


def _order_row(shop: Store, order: Consignment) -> Consignment:
    with shop.db.read_sessions() as session:
        row = session.get(Consignment, order.id)
        assert row is not None
        session.expunge(row)
        return row


def _level(shop: Store, product: Product) -> tuple[Decimal, Decimal]:
    with shop.db.read_sessions() as session:
        level = session.scalars(
            select(InventoryLevel).where(
                InventoryLevel.product_id == product.id,
                InventoryLevel.outlet_id == shop.outlet.id,
            )
        ).one()
        return level.count, level.value


def _supply_price(shop: Store, product: Product) -> Decimal:
    with shop.db.read_sessions() as session:
        price = session.scalar(select(Product.supply_price).where(Product.id == product.id))
        assert price is not None
        return price


def test_orders_are_numbered_po_00001_then_po_00002_unless_a_number_is_typed(
    shop: Store,
) -> None:
    supplier = make_purchase_supplier(shop)
    first = _create(shop, supplier.id)
    second = _create(shop, supplier.id, reference="ACME-17", name="Rush")
    third = _create(shop, supplier.id)
    assert (first.reference, second.reference, third.reference) == ("PO-00001", "ACME-17",
                                                                     "PO-00002")  # fmt: skip
    assert (second.status, second.name) == ("OPEN", "Rush")
    with pytest.raises(InvalidInput):
        _create(shop, supplier.id, reference="PO-00001")


def test_filling_from_reorder_points_orders_the_suppliers_low_products_up_to_their_restock_level(
    shop: Store,
) -> None:
    supplier = make_purchase_supplier(shop)
    other = make_purchase_supplier(shop, name="Other")
    low = make_product(shop, stock=2, supply_price="3.10")
    at_point = make_product(shop, stock=5, supply_price="1.00")
    high = make_product(shop, stock=9)
    not_theirs = make_product(shop, stock=0)
    no_point = make_product(shop, stock=0)
    inactive = make_product(shop, stock=0)
    for product in (low, at_point, high, no_point, inactive):
        supply_product(shop, product, supplier.id)
    supply_product(shop, not_theirs, other.id)
    for product in (low, at_point, high, not_theirs, inactive):
        set_reorder(shop, product, point="5", restock="12")
    with shop.uow() as uow:
        row = uow.session.get(Product, inactive.id)
        assert row is not None
        row.active = False
        uow.commit()
    order = _create(shop, supplier.id)

    with shop.uow() as uow:
        filled = orders.fill_from_reorder_points(uow, consignment_id=order.id,
                                                 user_id=shop.owner.id)  # fmt: skip
        uow.commit()

    assert set(filled.added) == {low.id, at_point.id}
    with shop.db.read_sessions() as session:
        lines = lines_of(session, order.id)
        assert {p: (line.count, line.cost) for p, line in lines.items()} == {
            low.id: (D(10), D("3.10")),
            at_point.id: (D(7), D("1.00")),
        }


def test_sending_queues_an_email_to_the_supplier_with_the_order_as_a_pdf(
    shop: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    supplier = make_purchase_supplier(shop, email="orders@acme.example")
    mug = make_product(shop, name="Mug", supply_price="2.50")
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "24", None))

    with shop.uow() as uow:
        sent = orders.send_order(uow, consignment_id=order.id, user_id=shop.owner.id)
        uow.commit()

    assert sent.emailed_to == "orders@acme.example"
    assert _order_row(shop, order).status == "SENT"
    with shop.db.read_sessions() as session:
        queued = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == orders.ORDER_EMAIL_TOPIC)
        ).one()
        payload = dict(queued.payload)
    mails: list[EmailMessage] = []
    monkeypatch.setattr(order_mail, "send", mails.append)
    order_mail.send_order_email(payload)
    assert mails[0]["To"] == "orders@acme.example"
    assert "PO-00001" in str(mails[0]["Subject"])
    attachment = next(mails[0].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_a_supplier_without_email_gets_no_email_and_the_order_is_still_sent(shop: Store) -> None:
    supplier = make_purchase_supplier(shop, email=None)
    mug = make_product(shop)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "1", None))
    with shop.uow() as uow:
        sent = orders.send_order(uow, consignment_id=order.id, user_id=shop.owner.id)
        uow.commit()
    assert sent.emailed_to is None
    assert _order_row(shop, order).status == "SENT"
    assert count_rows(shop.db, OutboxMessage) == 0
    with shop.db.read_sessions() as session:
        assert orders.order_pdf(session, consignment_id=order.id).startswith(b"%PDF")


def test_an_empty_order_cannot_be_sent(shop: Store) -> None:
    order = _create(shop, make_purchase_supplier(shop).id)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        orders.send_order(uow, consignment_id=order.id, user_id=shop.owner.id)
    assert _order_row(shop, order).status == "OPEN"


def test_a_partial_then_final_receipt_moves_stock_average_cost_and_supply_price(
    shop: Store,
) -> None:
    supplier = make_purchase_supplier(shop)
    # 10 on hand valued at 5.00 each (the opening stock's cost is the supply price).
    mug = make_product(shop, stock=10, supply_price="5.00")
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "20", None))

    first = _receive(shop, order, [(mug, "10", None)])

    assert first.lines[0].quantity == D(10) and first.over_received == ()
    assert _order_row(shop, order).status == "DISPATCHED"
    assert _level(shop, mug) == (D(20), D("100.00000"))
    assert _supply_price(shop, mug) == D("5.00")

    _receive(shop, order, None, complete=True)  # everything outstanding, at the line's cost
    assert _order_row(shop, order).status == "RECEIVED"
    assert _level(shop, mug) == (D(30), D("150.00000"))
    assert stock_of(shop, mug) == ledger_of(shop, mug)


def test_the_rest_received_at_a_new_supply_price_changes_the_average_cost_and_supply_price(
    shop: Store,
) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=10, supply_price="5.00")
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "20", None))
    _receive(shop, order, [(mug, "10", None)])

    # 10 at 5.00 on hand + 10 at 5.00 + 10 at 8.00: 180.00 for 30, an average of 6.00.
    _receive(shop, order, [(mug, "10", "8.00")], complete=True)

    count, value = _level(shop, mug)
    assert (count, value) == (D(30), D("180.00000"))
    assert costing.average_cost(count, value, fallback=None) == D(6)
    assert _supply_price(shop, mug) == D("8.00")
    assert stock_of(shop, mug) == ledger_of(shop, mug) == D(30)
    row = _order_row(shop, order)
    assert row.status == "RECEIVED" and row.received_at is not None
    with shop.db.read_sessions() as session:
        line = lines_of(session, order.id)[mug.id]
        assert (line.count, line.received, line.cost) == (D(20), D(20), D("8.00"))
        moved = session.scalars(
            select(InventoryMovement.unit_cost).where(
                InventoryMovement.source_id == order.id, InventoryMovement.kind == "receive"
            )
        ).all()
        assert sorted(moved) == [D("5.00"), D("8.00")]
        actions = [event.action for event in history(session, order.id)]
        assert actions[0] == "created" and actions[-2:] == ["dispatched", "received"]


def test_over_receipt_is_allowed_and_reported(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=0)
    unordered = make_product(shop, stock=0)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "5", None))

    receipt = _receive(shop, order, [(mug, "6", None), (unordered, "1", None)])

    assert set(receipt.over_received) == {mug.id, unordered.id}
    assert stock_of(shop, mug) == D(6) and stock_of(shop, unordered) == D(1)


def test_receiving_the_same_delivery_twice_changes_nothing(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=0)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "10", None))
    delivery = new_id()

    first = _receive(shop, order, [(mug, "4", None)], delivery_id=delivery)
    again = _receive(shop, order, [(mug, "4", None)], delivery_id=delivery)

    assert again.replayed and not first.replayed
    assert again.lines == first.lines
    assert stock_of(shop, mug) == D(4)
    with shop.db.read_sessions() as session:
        assert lines_of(session, order.id)[mug.id].received == D(4)


@pytest.mark.parametrize(
    ("quantity", "cost"),
    [("-1", None), ("abc", None), ("1", "-2"), ("1", "x"), ("NaN", None), ("1.000001", None)],
)
def test_a_bad_quantity_or_cost_on_receipt_is_refused_and_changes_nothing(
    shop: Store, quantity: str, cost: str | None
) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=3)
    other = make_product(shop, stock=3)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "10", None), (other, "10", None))
    with shop.uow() as uow, pytest.raises(InvalidInput):
        orders.receive_order(
            uow,
            consignment_id=order.id,
            delivery_id=new_id(),
            lines=[
                LineInput(other.id, received=D(2)),
                LineInput(mug.id, received=quantity, cost=cost),  # type: ignore[arg-type]
            ],
            complete=False,
            user_id=shop.owner.id,
        )
    assert stock_of(shop, mug) == D(3) and stock_of(shop, other) == D(3)
    assert _order_row(shop, order).status == "OPEN"


def test_an_unknown_product_on_receipt_is_refused_and_changes_nothing(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=3)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "10", None))
    with shop.uow() as uow, pytest.raises(InvalidInput):
        orders.receive_order(
            uow,
            consignment_id=order.id,
            delivery_id=new_id(),
            lines=[LineInput(mug.id, received=D(2)), LineInput(new_id(), received=D(1))],
            complete=False,
            user_id=shop.owner.id,
        )
    assert stock_of(shop, mug) == D(3)


def test_a_bad_ordered_quantity_is_refused(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop)
    order = _create(shop, supplier.id)
    with pytest.raises(InvalidInput):
        _add(shop, order, (mug, "-3", None))
    with shop.db.read_sessions() as session:
        assert lines_of(session, order.id) == {}


def test_a_received_or_cancelled_order_refuses_every_change(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=0)
    received = _create(shop, supplier.id)
    _add(shop, received, (mug, "2", None))
    _receive(shop, received, None, complete=True)
    cancelled = _create(shop, supplier.id)
    _add(shop, cancelled, (mug, "2", None))
    with shop.uow() as uow:
        orders.cancel_order(uow, consignment_id=cancelled.id, user_id=shop.owner.id)
        uow.commit()

    for order in (received, cancelled):
        with pytest.raises(ConsignmentStateError):
            _add(shop, order, (mug, "5", None))
        with pytest.raises(ConsignmentStateError):
            _receive(shop, order, [(mug, "1", None)])
        with shop.uow() as uow, pytest.raises(ConsignmentStateError):
            orders.send_order(uow, consignment_id=order.id, user_id=shop.owner.id)
        with shop.uow() as uow, pytest.raises(ConsignmentStateError):
            orders.cancel_order(uow, consignment_id=order.id, user_id=shop.owner.id)
    assert stock_of(shop, mug) == D(2)
    assert _order_row(shop, cancelled).status == ConsignmentStatus.CANCELLED.value


def test_two_users_receiving_everything_outstanding_at_once_add_it_once(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=1)
    cup = make_product(shop, stock=0)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "7", None), (cup, "3", None))
    _receive(shop, order, [(mug, "2", None)])

    def receive_all() -> Receipt:
        return _receive(shop, order, None, complete=False)

    results = run_together(2, receive_all)

    receipts = [r for r in results if isinstance(r, Receipt)]
    refused = [r for r in results if not isinstance(r, Receipt)]
    assert len(receipts) == 1, results
    assert all(isinstance(r, InvalidInput) for r in refused), refused
    assert stock_of(shop, mug) == ledger_of(shop, mug) == D(8)
    assert stock_of(shop, cup) == ledger_of(shop, cup) == D(3)


def test_two_users_completing_the_same_order_at_once_receive_it_once(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=0)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "5", None))

    results = run_together(2, lambda: _receive(shop, order, None, complete=True))

    assert sum(isinstance(r, Receipt) for r in results) == 1, results
    assert any(isinstance(r, ConsignmentStateError) for r in results), results
    assert stock_of(shop, mug) == D(5)


def test_the_same_delivery_sent_twice_at_once_is_received_once(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, stock=0)
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "5", None))
    delivery = new_id()

    results = run_together(
        2, lambda: _receive(shop, order, [(mug, "5", None)], delivery_id=delivery)
    )

    assert all(isinstance(r, Receipt) for r in results), results
    assert sorted(r.replayed for r in results) == [False, True]
    assert stock_of(shop, mug) == D(5)


def test_a_product_removed_from_an_order_can_be_added_again(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, supply_price="2.00")
    order = _create(shop, supplier.id)
    _add(shop, order, (mug, "3", None))
    with shop.uow() as uow:
        orders.remove_order_line(uow, consignment_id=order.id, product_id=mug.id,
                                 user_id=shop.owner.id)  # fmt: skip
        uow.commit()
    with shop.db.read_sessions() as session:
        assert lines_of(session, order.id) == {}

    _add(shop, order, (mug, "2", None))

    with shop.db.read_sessions() as session:
        line = lines_of(session, order.id)[mug.id]
        assert (line.count, line.received, line.cost) == (D(2), None, D("2.00"))
