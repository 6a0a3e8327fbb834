"""Changing a consignment whatever its type (inventory.consignments.editing, line_editing and
stocktake_counting.forget_counts): what the API's PUT, DELETE and products routes call."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from comptoir.core.errors import InvalidInput
from comptoir.inventory.consignments import editing, line_editing, stocktakes
from comptoir.inventory.consignments.common import LineInput, lines_of
from comptoir.inventory.consignments.editing import Details, NewConsignment
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
)
from comptoir.inventory.consignments.stocktake_counting import forget_counts
from comptoir.inventory.models import InventoryLevel
from comptoir.store.models import Outlet
from tests.factories import (
    Store,
    consignments_state,
    make_outlet,
    make_product,
    make_purchase_supplier,
    stock_of,
)

S = ConsignmentStatus


def _new(shop: Store, kind: ConsignmentType, **fields: object) -> uuid.UUID:
    with shop.uow() as uow:
        made = editing.create_consignment(
            uow,
            new=NewConsignment(type=kind, outlet_id=shop.outlet.id, **fields),  # type: ignore[arg-type]
            user_id=shop.owner.id,
        )
        made_id = made.id
        uow.commit()
    return made_id


def _lines(
    shop: Store,
    consignment_id: uuid.UUID,
    lines: list[LineInput],
    *,
    accumulate: bool | None = False,
) -> None:
    with shop.uow() as uow:
        line_editing.change_lines(
            uow,
            consignment_id=consignment_id,
            lines=lines,
            accumulate=accumulate,
            delivery_id=None,
            user_id=None,
        )
        uow.commit()


def _status(
    shop: Store,
    consignment_id: uuid.UUID,
    to: ConsignmentStatus,
    delivery_id: uuid.UUID | None = None,
) -> editing.Updated:
    with shop.uow() as uow:
        updated = editing.change_status(
            uow,
            consignment_id=consignment_id,
            to=to,
            delivery_id=delivery_id or uuid.uuid4(),
            user_id=None,
        )
        uow.commit()
    return updated


def _details(shop: Store, consignment_id: uuid.UUID, **given: object) -> None:
    with shop.uow() as uow:
        editing.change_details(
            uow,
            consignment_id=consignment_id,
            details=Details(given=frozenset(given), **given),  # type: ignore[arg-type]
            user_id=None,
        )
        uow.commit()


def _row(shop: Store, consignment_id: uuid.UUID) -> Consignment:
    with shop.db.read_sessions() as session:
        row = session.get(Consignment, consignment_id)
        assert row is not None
        return row


def test_a_received_orders_fields_sent_back_unchanged_are_no_change_but_a_change_is_refused(
    shop: Store,
) -> None:
    mug = make_product(shop, stock=0)
    order_id = _new(shop, ConsignmentType.SUPPLIER, name="Note", supplier_invoice="F-1")
    _lines(shop, order_id, [LineInput(mug.id, count=Decimal(2))])
    _status(shop, order_id, S.RECEIVED)
    before = consignments_state(shop)
    _details(shop, order_id, name=" Note ", supplier_invoice="F-1", type=ConsignmentType.SUPPLIER)
    assert consignments_state(shop) == before
    with pytest.raises(ConsignmentStateError):
        _details(shop, order_id, supplier_invoice="F-2")
    assert _row(shop, order_id).supplier_invoice == "F-1"


def test_an_orders_supplier_changes_only_while_it_is_open(shop: Store) -> None:
    first, second = make_purchase_supplier(shop), make_purchase_supplier(shop)
    mug = make_product(shop)
    order_id = _new(shop, ConsignmentType.SUPPLIER, supplier_id=first.id)
    _details(shop, order_id, supplier_id=second.id)
    assert _row(shop, order_id).supplier_id == second.id
    _lines(shop, order_id, [LineInput(mug.id, count=Decimal(1))])
    _status(shop, order_id, S.SENT)
    with pytest.raises(InvalidInput):
        _details(shop, order_id, supplier_id=first.id)
    assert _row(shop, order_id).supplier_id == second.id


def test_a_return_takes_its_name_as_reason_when_none_is_given(shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    return_id = _new(shop, ConsignmentType.RETURN, supplier_id=supplier.id, name="Chipped")
    assert _row(shop, return_id).reason == "Chipped"
    with pytest.raises(InvalidInput):
        _details(shop, return_id, reason="  ")
    _details(shop, return_id, reason="Wrong item")
    assert _row(shop, return_id).reason == "Wrong item"


def test_a_status_the_workflow_allows_but_no_function_reaches_is_refused(shop: Store) -> None:
    # X-Series: an order is DISPATCHED by received quantities, not by its status alone.
    order_id = _new(shop, ConsignmentType.SUPPLIER)
    with pytest.raises(ConsignmentStateError, match="not reached this way"):
        _status(shop, order_id, S.DISPATCHED)
    assert _row(shop, order_id).status == S.OPEN.value


def test_a_transfer_received_twice_with_one_delivery_id_moves_stock_once(shop: Store) -> None:
    annex: Outlet = make_outlet(shop)
    mug = make_product(shop, stock=10)
    with shop.uow() as uow:
        made = editing.create_consignment(
            uow,
            new=NewConsignment(
                type=ConsignmentType.OUTLET, outlet_id=annex.id, source_outlet_id=shop.outlet.id
            ),
            user_id=None,
        )
        transfer_id = made.id
        uow.commit()
    _lines(shop, transfer_id, [LineInput(mug.id, count=Decimal(3))])
    _status(shop, transfer_id, S.SENT)
    delivery = uuid.uuid4()
    assert _status(shop, transfer_id, S.RECEIVED, delivery).replayed is False
    before = consignments_state(shop)
    assert _status(shop, transfer_id, S.RECEIVED, delivery).replayed is True
    assert consignments_state(shop) == before
    with shop.db.read_sessions() as session:
        arrived = session.scalar(
            select(InventoryLevel.count).where(
                InventoryLevel.product_id == mug.id, InventoryLevel.outlet_id == annex.id
            )
        )
    assert (stock_of(shop, mug), arrived) == (Decimal(7), Decimal(3))


def test_deleting_an_open_consignment_deletes_its_lines_and_a_sent_one_is_refused(
    shop: Store,
) -> None:
    mug = make_product(shop)
    order_id = _new(shop, ConsignmentType.SUPPLIER)
    _lines(shop, order_id, [LineInput(mug.id, count=Decimal(2))])
    with shop.uow() as uow:
        editing.delete_consignment(uow, consignment_id=order_id, user_id=None)
        uow.commit()
    with shop.db.read_sessions() as session:
        line = session.query(ConsignmentProduct).filter_by(consignment_id=order_id).one()
        assert line.deleted_at is not None
    sent_id = _new(shop, ConsignmentType.SUPPLIER)
    _lines(shop, sent_id, [LineInput(mug.id, count=Decimal(2))])
    _status(shop, sent_id, S.SENT)
    with shop.uow() as uow, pytest.raises(ConsignmentStateError):
        editing.delete_consignment(uow, consignment_id=sent_id, user_id=None)
    assert _row(shop, sent_id).deleted_at is None


def test_a_count_sent_as_a_total_replaces_what_was_counted(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    count_id = _new(shop, ConsignmentType.STOCKTAKE, name="All")
    with shop.uow() as uow, pytest.raises(ConsignmentStateError, match="not in progress"):
        forget_counts(uow, consignment_id=count_id, product_ids=[mug.id])  # not started
    _status(shop, count_id, S.STOCKTAKE_IN_PROGRESS)
    _lines(shop, count_id, [LineInput(mug.id, received=Decimal(4))], accumulate=None)
    _lines(shop, count_id, [LineInput(mug.id, received=Decimal(3))], accumulate=None)
    _lines(shop, count_id, [LineInput(mug.id, received=Decimal(6))], accumulate=False)
    with shop.db.read_sessions() as session:
        assert lines_of(session, count_id)[mug.id].received == Decimal(6)
    with shop.uow() as uow:
        stocktakes.apply_stocktake(uow, consignment_id=count_id, uncounted="keep", user_id=None)
        uow.commit()
    assert stock_of(shop, mug) == Decimal(6)


def test_an_orders_received_quantity_sent_as_a_total_receives_the_difference(
    shop: Store,
) -> None:
    mug = make_product(shop, stock=0)
    order_id = _new(shop, ConsignmentType.SUPPLIER)
    _lines(shop, order_id, [LineInput(mug.id, count=Decimal(10))])
    _lines(shop, order_id, [LineInput(mug.id, received=Decimal(4))])
    _lines(shop, order_id, [LineInput(mug.id, received=Decimal(6))])
    _lines(shop, order_id, [LineInput(mug.id, received=Decimal(6))])  # the same total again
    assert stock_of(shop, mug) == Decimal(6)
    assert _row(shop, order_id).status == S.DISPATCHED.value
    with shop.uow() as uow, pytest.raises(InvalidInput, match="not taken back"):
        line_editing.change_lines(
            uow,
            consignment_id=order_id,
            delivery_id=None,
            user_id=None,
            lines=[LineInput(mug.id, received=Decimal(5))],
            accumulate=False,
        )
    assert stock_of(shop, mug) == Decimal(6)
