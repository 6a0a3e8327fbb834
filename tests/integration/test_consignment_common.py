"""What every consignment workflow shares: its status machine, its lines, bad quantities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.core.errors import InvalidInput
from comptoir.core.ids import new_id
from comptoir.inventory.consignments.common import (
    LineInput,
    lines_of,
    quantity_of,
    remove_line,
    set_status,
    totals_of,
    upsert_lines,
)
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentStatus,
    ConsignmentType,
)
from tests.factories import Store, make_product


def _order(shop: Store) -> Consignment:
    with shop.uow() as uow:
        order = Consignment(
            type=ConsignmentType.SUPPLIER.value,
            status=ConsignmentStatus.OPEN.value,
            outlet_id=shop.outlet.id,
        )
        uow.session.add(order)
        uow.commit()
        return order


@pytest.mark.parametrize("typed", ["-1", "abc", "NaN", "Infinity", "1.000001", None, True])
def test_a_quantity_that_is_not_a_finite_non_negative_number_is_refused(typed: object) -> None:
    with pytest.raises(InvalidInput):
        quantity_of(typed)


def test_lines_accumulate_on_a_scan_and_are_replaced_when_typed(shop: Store) -> None:
    mug = make_product(shop, supply_price="2.50")
    order = _order(shop)
    with shop.uow() as uow:
        consignment = uow.session.get(Consignment, order.id)
        assert consignment is not None
        upsert_lines(uow.session, consignment, [LineInput(mug.id, count=Decimal(2))])
        upsert_lines(uow.session, consignment, [LineInput(mug.id, count=Decimal(1))],
                     accumulate=True)  # fmt: skip
        uow.commit()
    with shop.db.read_sessions() as session:
        line = lines_of(session, order.id)[mug.id]
        assert (line.count, line.cost) == (Decimal(3), Decimal("2.50"))
        totals = totals_of(session, order.id)
        assert (totals.total_sent_count, totals.total_sent_cost) == (Decimal(3), Decimal("7.50"))


def test_an_unknown_product_changes_nothing(shop: Store) -> None:
    mug = make_product(shop)
    order = _order(shop)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        consignment = uow.session.get(Consignment, order.id)
        assert consignment is not None
        upsert_lines(
            uow.session, consignment, [LineInput(mug.id, count=Decimal(1)), LineInput(new_id())]
        )
    with shop.db.read_sessions() as session:
        assert lines_of(session, order.id) == {}


def test_a_received_order_can_no_longer_change(shop: Store) -> None:
    mug = make_product(shop)
    order = _order(shop)
    with shop.uow() as uow:
        consignment = uow.session.get(Consignment, order.id)
        assert consignment is not None
        upsert_lines(uow.session, consignment, [LineInput(mug.id, count=Decimal(1))])
        set_status(uow.session, consignment, ConsignmentStatus.RECEIVED, user_id=None)
        uow.commit()
    with shop.uow() as uow:
        consignment = uow.session.get(Consignment, order.id)
        assert consignment is not None
        with pytest.raises(ConsignmentStateError):
            upsert_lines(uow.session, consignment, [LineInput(mug.id, count=Decimal(5))])
        with pytest.raises(ConsignmentStateError):
            remove_line(uow.session, consignment, mug.id)
        with pytest.raises(ConsignmentStateError):
            set_status(uow.session, consignment, ConsignmentStatus.OPEN, user_id=None)
