"""Average cost (AVCO): stock arrives at its unit cost, leaves at the level's average cost,
and a level's value is always the sum of its movements' values."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind
from comptoir.inventory.service import StockChange, move_stock
from tests.factories import Store, make_product, make_sale


def _level(shop: Store, product_id: object) -> tuple[Decimal, Decimal, Decimal]:
    with shop.db.read_sessions() as session:
        count, value = session.execute(
            select(InventoryLevel.count, InventoryLevel.value).where(
                InventoryLevel.product_id == product_id,
                InventoryLevel.outlet_id == shop.outlet.id,
            )
        ).one()
        layers = session.scalar(
            select(func.coalesce(func.sum(InventoryMovement.value), 0)).where(
                InventoryMovement.product_id == product_id,
                InventoryMovement.outlet_id == shop.outlet.id,
            )
        )
    return count, value, Decimal(layers)


def _receive(shop: Store, product_id: object, quantity: str, cost: str) -> None:
    with shop.uow() as uow:
        move_stock(
            uow.session,
            changes=[StockChange(product_id, shop.outlet.id, Decimal(quantity), Decimal(cost))],  # type: ignore[arg-type]
            kind=MovementKind.RECEIVE,
        )
        uow.commit()


def test_stock_received_at_two_costs_leaves_at_their_weighted_average(shop: Store) -> None:
    mug = make_product(shop, stock=0, supply_price="2.00")
    _receive(shop, mug.id, "10", "2.00")
    _receive(shop, mug.id, "10", "4.00")
    assert _level(shop, mug.id)[:2] == (Decimal("20"), Decimal("60.00000"))

    make_sale(shop, [(mug, 5)], total="60.00")

    count, value, layers = _level(shop, mug.id)
    assert (count, value) == (Decimal("15"), Decimal("45.00000"))  # 5 left at 3.00 each
    assert layers == value


def test_the_last_units_take_the_value_left_so_an_empty_level_is_worth_nothing(
    shop: Store,
) -> None:
    tea = make_product(shop, stock=0, supply_price="1.00")
    _receive(shop, tea.id, "3", "10.00")
    _receive(shop, tea.id, "1", "0.01")  # average 7.5025, not a round number
    with shop.uow() as uow:
        move_stock(
            uow.session,
            changes=[StockChange(tea.id, shop.outlet.id, Decimal(-1)) for _ in range(4)],
            kind=MovementKind.MANUAL,
        )
        uow.commit()
    assert _level(shop, tea.id) == (Decimal(0), Decimal(0), Decimal(0))


def test_stock_leaving_an_empty_level_is_valued_at_the_given_unit_cost(shop: Store) -> None:
    pen = make_product(shop, stock=0, supply_price="1.50")
    make_sale(shop, [(pen, 2)], total="24.00")
    count, value, layers = _level(shop, pen.id)
    assert count == Decimal(-2)
    assert value == layers == Decimal("-3.00000")  # the sale line's cost, 1.50


# A level below zero (prop, issue 13: the property test's finding) ---------------------------


def test_stock_arriving_at_a_level_below_zero_brings_it_back_to_zero_worth_nothing(
    shop: Store,
) -> None:
    # Two sold with none in stock leave at the supply price (5.00): the level is worth -10.
    pen = make_product(shop, stock=0, supply_price="5.00")
    make_sale(shop, [(pen, 2)], total="24.00")
    _receive(shop, pen.id, "2", "4.00")  # they cost 4.00 each when they came
    assert _level(shop, pen.id) == (Decimal(0), Decimal(0), Decimal(0))


def test_stock_arriving_past_zero_is_worth_its_unit_cost_never_a_negative_average(
    shop: Store,
) -> None:
    pen = make_product(shop, stock=0, supply_price="5.00")
    make_sale(shop, [(pen, 5)], total="60.00")  # -5 units, worth -25.00
    _receive(shop, pen.id, "6", "0.30")
    count, value, layers = _level(shop, pen.id)
    # Not -25.00 + 1.80: the one unit on hand is worth what it cost.
    assert (count, value, layers) == (Decimal(1), Decimal("0.30000"), Decimal("0.30000"))


def test_stock_arriving_that_leaves_the_level_below_zero_keeps_its_average(shop: Store) -> None:
    pen = make_product(shop, stock=0, supply_price="5.00")
    make_sale(shop, [(pen, 5)], total="60.00")  # -5 units, worth -25.00
    _receive(shop, pen.id, "2", "4.00")
    assert _level(shop, pen.id) == (Decimal(-3), Decimal("-15.00000"), Decimal("-15.00000"))
