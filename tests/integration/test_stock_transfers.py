"""Transfers between outlets: stock leaves the source when sent, at its average cost, and
arrives at the destination at that cost when received; differences are recorded; a retried
receipt changes nothing; a cancelled sent transfer puts the stock back. After every scenario
each level equals its ledger and its value the sum of its movements' values."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from comptoir.core.errors import InvalidInput
from comptoir.core.ids import new_id
from comptoir.inventory.consignments.common import LineInput, history, lines_of
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import Consignment, ConsignmentStatus
from comptoir.inventory.consignments.transfers import (
    cancel_transfer,
    change_transfer_lines,
    create_transfer,
    differences_of,
    receive_transfer,
    send_transfer,
    stock_in_transit,
)
from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.store import service as store
from comptoir.store.models import Outlet
from tests.factories import Store, make_product, run_together


@pytest.fixture
def annex(shop: Store) -> Outlet:
    with shop.uow() as uow:
        outlet = store.create_outlet(
            uow, fields=store.OutletFields(name="Annex", time_zone="Europe/Paris")
        )
    return outlet


def level(shop: Store, product_id: uuid.UUID, outlet_id: uuid.UUID) -> tuple[Decimal, Decimal]:
    """(count, value) of a level; zeros when it does not exist."""
    with shop.db.read_sessions() as session:
        row = session.execute(
            select(InventoryLevel.count, InventoryLevel.value).where(
                InventoryLevel.product_id == product_id, InventoryLevel.outlet_id == outlet_id
            )
        ).one_or_none()
    return (row[0], row[1]) if row else (Decimal(0), Decimal(0))


def assert_levels_match_ledger(shop: Store) -> None:
    with shop.db.read_sessions() as session:
        ledger = {
            (p, o): (q, v)
            for p, o, q, v in session.execute(
                select(
                    InventoryMovement.product_id,
                    InventoryMovement.outlet_id,
                    func.sum(InventoryMovement.quantity),
                    func.sum(InventoryMovement.value),
                ).group_by(InventoryMovement.product_id, InventoryMovement.outlet_id)
            )
        }
        for row in session.scalars(select(InventoryLevel)):
            quantity, value = ledger.get((row.product_id, row.outlet_id), (0, 0))
            assert (row.count, row.value) == (Decimal(quantity), Decimal(value))


def buy(shop: Store, product_id: uuid.UUID, quantity: str, unit_cost: str) -> None:
    """Stock received at the main outlet at a cost (what a purchase order does)."""
    with shop.uow() as uow:
        move_stock(
            uow.session,
            changes=[
                StockChange(product_id, shop.outlet.id, Decimal(quantity), Decimal(unit_cost))
            ],
            kind=MovementKind.RECEIVE,
        )
        uow.commit()


def sent_transfer(shop: Store, annex: Outlet, lines: list[tuple[uuid.UUID, str]]) -> uuid.UUID:
    with shop.uow() as uow:
        transfer = create_transfer(
            uow, source_outlet_id=shop.outlet.id, outlet_id=annex.id, user_id=shop.owner.id
        )
        transfer_id = transfer.id
        uow.commit()
    with shop.uow() as uow:
        change_transfer_lines(
            uow,
            consignment_id=transfer_id,
            lines=[LineInput(p, count=Decimal(q)) for p, q in lines],
            user_id=shop.owner.id,
        )
        uow.commit()
    with shop.uow() as uow:
        send_transfer(uow, consignment_id=transfer_id, user_id=shop.owner.id)
        uow.commit()
    return transfer_id


def receive(
    shop: Store, transfer_id: uuid.UUID, lines: list[tuple[uuid.UUID, str]] | None, **kw: object
):
    with shop.uow() as uow:
        receipt = receive_transfer(
            uow,
            consignment_id=transfer_id,
            delivery_id=kw.get("delivery_id") or new_id(),  # type: ignore[arg-type]
            lines=None if lines is None else [LineInput(p, received=Decimal(q)) for p, q in lines],
            user_id=shop.owner.id,
        )
        uow.commit()
    return receipt


def status_of(shop: Store, transfer_id: uuid.UUID) -> str:
    with shop.db.read_sessions() as session:
        consignment = session.get(Consignment, transfer_id)
        assert consignment is not None
        return consignment.status


def test_sending_moves_stock_out_of_the_source_at_its_average_cost(
    shop: Store, annex: Outlet
) -> None:
    mug = make_product(shop, stock=10, supply_price="5.00")
    buy(shop, mug.id, "10", "8.00")  # 20 at an average of 6.50
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    assert level(shop, mug.id, shop.outlet.id) == (Decimal(15), Decimal("97.5"))
    assert level(shop, mug.id, annex.id) == (Decimal(0), Decimal(0))
    with shop.db.read_sessions() as session:
        assert lines_of(session, transfer_id)[mug.id].cost == Decimal("6.5")
        assert stock_in_transit(session, product_ids=[mug.id]) == {mug.id: Decimal(5)}
        assert stock_in_transit(session, product_ids=[mug.id], outlet_id=annex.id) == {
            mug.id: Decimal(5)
        }
        assert stock_in_transit(session, product_ids=[mug.id], outlet_id=shop.outlet.id) == {}
    assert status_of(shop, transfer_id) == ConsignmentStatus.SENT.value
    assert_levels_match_ledger(shop)


def test_receiving_everything_moves_it_in_at_the_cost_it_left_at(
    shop: Store, annex: Outlet
) -> None:
    mug = make_product(shop, stock=10, supply_price="5.00")
    buy(shop, mug.id, "10", "8.00")
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    receipt = receive(shop, transfer_id, None)
    assert [(r.product_id, r.quantity) for r in receipt.lines] == [(mug.id, Decimal(5))]
    assert level(shop, mug.id, annex.id) == (Decimal(5), Decimal("32.5"))
    assert level(shop, mug.id, shop.outlet.id) == (Decimal(15), Decimal("97.5"))
    assert status_of(shop, transfer_id) == ConsignmentStatus.RECEIVED.value
    with shop.db.read_sessions() as session:
        assert stock_in_transit(session, product_ids=[mug.id]) == {}
        assert differences_of(session, transfer_id) == []
    assert_levels_match_ledger(shop)


def test_a_short_receipt_records_the_loss_in_transit_with_its_value(
    shop: Store, annex: Outlet
) -> None:
    mug = make_product(shop, stock=10, supply_price="4.00")
    cup = make_product(shop, stock=10, supply_price="2.00")
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5"), (cup.id, "3")])
    receive(shop, transfer_id, [(mug.id, "4"), (cup.id, "4")])
    assert level(shop, mug.id, annex.id) == (Decimal(4), Decimal(16))
    assert level(shop, cup.id, annex.id) == (Decimal(4), Decimal(8))
    assert level(shop, mug.id, shop.outlet.id) == (Decimal(5), Decimal(20))
    with shop.db.read_sessions() as session:
        lines = lines_of(session, transfer_id)
        assert (lines[mug.id].count, lines[mug.id].received) == (Decimal(5), Decimal(4))
        found = {d.product_id: (d.quantity, d.value) for d in differences_of(session, transfer_id)}
        assert found == {mug.id: (Decimal(-1), Decimal(-4)), cup.id: (Decimal(1), Decimal(2))}
        received = [e for e in history(session, transfer_id) if e.action == "received"]
        assert len(received) == 1
        detail = json.loads(received[0].detail or "{}")
        assert [str(mug.id), "5", "4", "-1", "-4"] in detail["differences"]
    assert_levels_match_ledger(shop)


def test_receiving_the_same_delivery_twice_changes_nothing(shop: Store, annex: Outlet) -> None:
    mug = make_product(shop, stock=10)
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    delivery = new_id()
    first = receive(shop, transfer_id, [(mug.id, "4")], delivery_id=delivery)
    with shop.db.read_sessions() as session:
        movements = session.scalar(select(func.count()).select_from(InventoryMovement))
    again = receive(shop, transfer_id, [(mug.id, "4")], delivery_id=delivery)
    assert again.replayed and not first.replayed
    assert again.lines == first.lines
    assert level(shop, mug.id, annex.id)[0] == Decimal(4)
    with shop.db.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(InventoryMovement)) == movements
    # Another delivery of a received transfer is refused.
    with pytest.raises(ConsignmentStateError):
        receive(shop, transfer_id, [(mug.id, "1")])
    assert level(shop, mug.id, annex.id)[0] == Decimal(4)
    assert_levels_match_ledger(shop)


def test_cancelling_a_sent_transfer_puts_the_stock_back_at_the_source(
    shop: Store, annex: Outlet
) -> None:
    mug = make_product(shop, stock=10, supply_price="5.00")
    buy(shop, mug.id, "10", "8.00")
    before = level(shop, mug.id, shop.outlet.id)
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    with shop.uow() as uow:
        cancel_transfer(uow, consignment_id=transfer_id, user_id=shop.owner.id)
        uow.commit()
    assert level(shop, mug.id, shop.outlet.id) == before
    assert status_of(shop, transfer_id) == ConsignmentStatus.CANCELLED.value
    with shop.db.read_sessions() as session:
        assert stock_in_transit(session, product_ids=[mug.id]) == {}
    with pytest.raises(ConsignmentStateError):
        receive(shop, transfer_id, None)
    assert_levels_match_ledger(shop)


def test_cancelling_an_open_transfer_moves_no_stock(shop: Store, annex: Outlet) -> None:
    mug = make_product(shop, stock=10)
    with shop.uow() as uow:
        transfer = create_transfer(
            uow, source_outlet_id=shop.outlet.id, outlet_id=annex.id, user_id=None
        )
        change_transfer_lines(
            uow, consignment_id=transfer.id, lines=[LineInput(mug.id, count=Decimal(3))],
            user_id=None,
        )  # fmt: skip
        cancel_transfer(uow, consignment_id=transfer.id, user_id=None)
        uow.commit()
    assert level(shop, mug.id, shop.outlet.id)[0] == Decimal(10)
    with shop.db.read_sessions() as session:
        assert session.scalar(
            select(func.count()).select_from(InventoryMovement).where(
                InventoryMovement.kind == MovementKind.TRANSFER.value
            )
        ) == 0  # fmt: skip


def test_a_transfer_to_the_outlet_that_sends_it_is_refused(shop: Store) -> None:
    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        create_transfer(
            uow, source_outlet_id=shop.outlet.id, outlet_id=shop.outlet.id, user_id=None
        )
    assert refused.value.details["field"] == "outlet_id"
    with shop.uow() as uow, pytest.raises(InvalidInput):
        create_transfer(uow, source_outlet_id=shop.outlet.id, outlet_id=new_id(), user_id=None)


@pytest.mark.parametrize("typed", ["-1", "abc", "NaN"])
def test_a_bad_received_quantity_changes_nothing(shop: Store, annex: Outlet, typed: str) -> None:
    mug = make_product(shop, stock=10)
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    with shop.uow() as uow, pytest.raises(InvalidInput):
        receive_transfer(
            uow,
            consignment_id=transfer_id,
            delivery_id=new_id(),
            lines=[LineInput(mug.id, received=typed)],  # type: ignore[arg-type]
            user_id=None,
        )
    assert status_of(shop, transfer_id) == ConsignmentStatus.SENT.value
    assert level(shop, mug.id, annex.id)[0] == Decimal(0)


def test_bad_lines_are_refused_and_change_nothing(shop: Store, annex: Outlet) -> None:
    mug = make_product(shop, stock=10)
    with shop.uow() as uow:
        transfer = create_transfer(
            uow, source_outlet_id=shop.outlet.id, outlet_id=annex.id, user_id=None
        )
        transfer_id = transfer.id
        uow.commit()
    for lines in (
        [LineInput(mug.id, count=Decimal(-2))],
        [LineInput(mug.id, count=Decimal(1)), LineInput(new_id(), count=Decimal(1))],
    ):
        with shop.uow() as uow, pytest.raises(InvalidInput):
            change_transfer_lines(uow, consignment_id=transfer_id, lines=lines, user_id=None)
    with shop.db.read_sessions() as session:
        assert lines_of(session, transfer_id) == {}
    with shop.uow() as uow, pytest.raises(InvalidInput):
        send_transfer(uow, consignment_id=transfer_id, user_id=None)  # nothing to send
    # A product that was not sent cannot be received.
    sent = sent_transfer(shop, annex, [(mug.id, "1")])
    other = make_product(shop, stock=1)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        receive_transfer(
            uow, consignment_id=sent, delivery_id=new_id(),
            lines=[LineInput(other.id, received=Decimal(1))], user_id=None,
        )  # fmt: skip
    assert level(shop, other.id, annex.id)[0] == Decimal(0)


def test_a_received_transfer_can_no_longer_change(shop: Store, annex: Outlet) -> None:
    mug = make_product(shop, stock=10)
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    receive(shop, transfer_id, None)
    before = (level(shop, mug.id, shop.outlet.id), level(shop, mug.id, annex.id))
    for attempt in (
        lambda uow: change_transfer_lines(
            uow,
            consignment_id=transfer_id,
            lines=[LineInput(mug.id, count=Decimal(9))],
            user_id=None,
        ),
        lambda uow: send_transfer(uow, consignment_id=transfer_id, user_id=None),
        lambda uow: cancel_transfer(uow, consignment_id=transfer_id, user_id=None),
    ):
        with shop.uow() as uow, pytest.raises(ConsignmentStateError):
            attempt(uow)
    assert (level(shop, mug.id, shop.outlet.id), level(shop, mug.id, annex.id)) == before
    with shop.db.read_sessions() as session:
        assert lines_of(session, transfer_id)[mug.id].count == Decimal(5)
    assert_levels_match_ledger(shop)


def test_a_sent_transfer_lines_are_fixed(shop: Store, annex: Outlet) -> None:
    mug = make_product(shop, stock=10)
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    with shop.uow() as uow, pytest.raises(ConsignmentStateError):
        change_transfer_lines(
            uow, consignment_id=transfer_id, lines=[LineInput(mug.id, count=Decimal(9))],
            user_id=None,
        )  # fmt: skip


def test_stock_with_none_at_the_source_leaves_at_its_supply_price(
    shop: Store, annex: Outlet
) -> None:
    mug = make_product(shop, stock=0, supply_price="3.00")
    transfer_id = sent_transfer(shop, annex, [(mug.id, "2")])
    assert level(shop, mug.id, shop.outlet.id) == (Decimal(-2), Decimal(-6))
    receive(shop, transfer_id, None)
    assert level(shop, mug.id, annex.id) == (Decimal(2), Decimal(6))
    assert_levels_match_ledger(shop)


def test_two_receipts_of_one_transfer_at_once_receive_it_once(shop: Store, annex: Outlet) -> None:
    mug = make_product(shop, stock=10)
    transfer_id = sent_transfer(shop, annex, [(mug.id, "5")])
    results = run_together(2, lambda: receive(shop, transfer_id, None))
    assert sorted(type(r).__name__ for r in results) == ["ConsignmentStateError", "Receipt"]
    assert level(shop, mug.id, annex.id)[0] == Decimal(5)
    assert_levels_match_ledger(shop)
