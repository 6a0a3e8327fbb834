"""Stock counts: what a partial count covers, counts adding up, sales during the count,
uncounted lines, the ledger after applying, bad input."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from comptoir.catalog.models import Brand, Product, ProductTag, Tag
from comptoir.core.errors import InvalidInput
from comptoir.inventory.consignments import stocktakes
from comptoir.inventory.consignments.common import lines_of
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import Consignment, ConsignmentStatus
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from tests.conftest import BACKEND
from tests.factories import (
    Store,
    ledger_of,
    make_product,
    make_sale,
    run_together,
    stock_of,
)


def _brand(shop: Store, name: str, *products: Product) -> uuid.UUID:
    with shop.uow() as uow:
        brand = Brand(name=name)
        uow.session.add(brand)
        uow.session.flush()
        for product in products:
            uow.session.execute(
                update(Product).where(Product.id == product.id).values(brand_id=brand.id)
            )
        uow.commit()
        return brand.id


def _started(shop: Store, filters: stocktakes.StocktakeFilters | None = None) -> uuid.UUID:
    with shop.uow() as uow:
        count = stocktakes.create_stocktake(
            uow, outlet_id=shop.outlet.id, name="Count", filters=filters, user_id=shop.owner.id
        )
        uow.commit()
    with shop.uow() as uow:
        stocktakes.start_stocktake(uow, consignment_id=count.id, user_id=shop.owner.id)
        uow.commit()
    return count.id


def _count(shop: Store, count_id: uuid.UUID, *pairs: tuple[Product, object], **kw: object) -> None:
    with shop.uow() as uow:
        stocktakes.count_products(
            uow,
            consignment_id=count_id,
            counts=[(p.id, q) for p, q in pairs],
            user_id=shop.owner.id,
            **kw,  # type: ignore[arg-type]
        )
        uow.commit()


def _apply(shop: Store, count_id: uuid.UUID, uncounted: str = "keep") -> stocktakes.Applied:
    with shop.uow() as uow:
        applied = stocktakes.apply_stocktake(
            uow, consignment_id=count_id, uncounted=uncounted, user_id=shop.owner.id
        )
        uow.commit()
        return applied


def _level_matches_ledger(shop: Store, product: Product) -> None:
    with shop.db.read_sessions() as session:
        level = session.execute(
            select(InventoryLevel.count, InventoryLevel.value).where(
                InventoryLevel.product_id == product.id,
                InventoryLevel.outlet_id == shop.outlet.id,
            )
        ).one()
        total = session.scalar(
            select(func.coalesce(func.sum(InventoryMovement.value), 0)).where(
                InventoryMovement.product_id == product.id,
                InventoryMovement.outlet_id == shop.outlet.id,
            )
        )
    assert level.count == ledger_of(shop, product)
    assert level.value == Decimal(total)


def test_a_partial_count_by_brand_lists_exactly_that_brands_products(shop: Store) -> None:
    mine = [make_product(shop, stock=3), make_product(shop, stock=0)]
    other = make_product(shop, stock=5)
    loose = make_product(shop, stock=1)
    brand = _brand(shop, "Acme", *mine)
    _brand(shop, "Other", other)
    count_id = _started(shop, stocktakes.StocktakeFilters(brand_ids=(brand,)))
    with shop.db.read_sessions() as session:
        lines = lines_of(session, count_id)
        consignment = session.get(Consignment, count_id)
        assert consignment is not None
        assert consignment.status == ConsignmentStatus.STOCKTAKE_IN_PROGRESS.value
        assert consignment.counting_started_at is not None
    assert set(lines) == {p.id for p in mine}
    assert {p: (line.expected, line.is_included) for p, line in lines.items()} == {
        mine[0].id: (Decimal(3), True),
        mine[1].id: (Decimal(0), True),
    }
    assert loose.id not in lines


def test_a_full_count_lists_every_stocked_product(shop: Store) -> None:
    products = [make_product(shop, stock=i) for i in range(4)]
    service = make_product(shop, has_inventory=False)
    count_id = _started(shop)
    with shop.db.read_sessions() as session:
        lines = lines_of(session, count_id)
    assert set(lines) == {p.id for p in products}
    assert service.id not in lines
    versions = [line.version for line in lines.values()]
    assert len(set(versions)) == len(versions)


def test_counts_add_up_and_a_retried_batch_changes_nothing(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    count_id = _started(shop)
    batch = uuid.uuid4()
    _count(shop, count_id, (mug, 3), delivery_id=batch)
    _count(shop, count_id, (mug, 3), delivery_id=batch)
    _count(shop, count_id, (mug, "4.5"))
    with shop.db.read_sessions() as session:
        assert lines_of(session, count_id)[mug.id].received == Decimal("7.5")


def test_a_product_scanned_outside_the_list_joins_it_at_its_level(shop: Store) -> None:
    mine = make_product(shop, stock=2)
    stray = make_product(shop, stock=6)
    brand = _brand(shop, "Acme", mine)
    count_id = _started(shop, stocktakes.StocktakeFilters(brand_ids=(brand,)))
    _count(shop, count_id, (stray, 5))
    with shop.db.read_sessions() as session:
        line = lines_of(session, count_id)[stray.id]
    assert (line.expected, line.received, line.is_included) == (Decimal(6), Decimal(5), False)


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_people_counting_at_once_add_up(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    bowl = make_product(shop, stock=10)
    count_id = _started(shop)
    results = run_together(
        4, lambda: _count(shop, count_id, (mug, 1), (bowl, 2), delivery_id=uuid.uuid4())
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    with shop.db.read_sessions() as session:
        lines = lines_of(session, count_id)
    assert (lines[mug.id].received, lines[bowl.id].received) == (Decimal(4), Decimal(8))


def test_a_sale_after_the_product_was_counted_is_not_adjusted_away(shop: Store) -> None:
    mug = make_product(shop, stock=10, price="10.00")
    count_id = _started(shop)
    _count(shop, count_id, (mug, 10))  # counted on the shelf, then 2 are sold
    make_sale(shop, [(mug, 2)], total="20.00")
    assert stock_of(shop, mug) == Decimal(8)
    applied = _apply(shop, count_id)
    assert applied.adjusted == 0
    assert stock_of(shop, mug) == Decimal(8)
    _level_matches_ledger(shop, mug)


def test_a_sale_before_the_product_was_counted_is_not_adjusted_twice(shop: Store) -> None:
    mug = make_product(shop, stock=10, price="10.00")
    count_id = _started(shop)
    make_sale(shop, [(mug, 2)], total="20.00")
    _count(shop, count_id, (mug, 7))  # 8 left on the shelf, one missing
    with shop.db.read_sessions() as session:
        review = stocktakes.review_stocktake(session, consignment_id=count_id)
    (line,) = review.lines
    assert (line.expected, line.counted, line.difference) == (Decimal(8), Decimal(7), Decimal(-1))
    _apply(shop, count_id)
    assert stock_of(shop, mug) == Decimal(7)
    _level_matches_ledger(shop, mug)


def test_uncounted_lines_are_zeroed_or_kept_as_chosen(shop: Store) -> None:
    counted, zeroed = make_product(shop, stock=4), make_product(shop, stock=3)
    count_id = _started(shop)
    _count(shop, count_id, (counted, 4))
    _apply(shop, count_id, uncounted="zero")
    assert (stock_of(shop, counted), stock_of(shop, zeroed)) == (Decimal(4), Decimal(0))
    _level_matches_ledger(shop, zeroed)

    kept = make_product(shop, stock=3)
    second = _started(shop)
    _count(shop, second, (counted, 4))
    _apply(shop, second, uncounted="keep")
    assert stock_of(shop, kept) == Decimal(3)


def test_applying_writes_stocktake_movements_valued_at_the_average_cost(shop: Store) -> None:
    mug = make_product(shop, stock=10, supply_price="2.00")
    bowl = make_product(shop, stock=5, supply_price="3.00")
    count_id = _started(shop)
    _count(shop, count_id, (mug, 12), (bowl, 4))
    with shop.db.read_sessions() as session:
        review = stocktakes.review_stocktake(session, consignment_id=count_id)
    assert (review.total_count_gain, review.total_cost_gain) == (Decimal(2), Decimal("4.00"))
    assert (review.total_count_loss, review.total_cost_loss) == (Decimal(-1), Decimal("-3.00"))
    applied = _apply(shop, count_id)
    assert applied.adjusted == 2
    with shop.db.read_sessions() as session:
        moves = session.execute(
            select(
                InventoryMovement.product_id, InventoryMovement.quantity, InventoryMovement.value
            ).where(InventoryMovement.kind == "stocktake", InventoryMovement.source_id == count_id)
        ).all()
        consignment = session.get(Consignment, count_id)
        assert consignment is not None
        assert consignment.status == ConsignmentStatus.STOCKTAKE_COMPLETE.value
        assert consignment.uncounted == "keep"
    assert sorted((q, v) for _, q, v in moves) == [
        (Decimal(-1), Decimal("-3.00")),
        (Decimal(2), Decimal("4.00")),
    ]
    for product in (mug, bowl):
        _level_matches_ledger(shop, product)
    assert (stock_of(shop, mug), stock_of(shop, bowl)) == (Decimal(12), Decimal(4))


def test_applying_twice_is_refused_and_moves_nothing_more(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    count_id = _started(shop)
    _count(shop, count_id, (mug, 7))
    _apply(shop, count_id)
    with pytest.raises(ConsignmentStateError):
        _apply(shop, count_id)
    assert stock_of(shop, mug) == Decimal(7)
    with pytest.raises(ConsignmentStateError):
        _count(shop, count_id, (mug, 1))


@pytest.mark.parametrize("typed", ["-1", "abc", "NaN", "1.0000001", None])
def test_a_bad_quantity_is_refused_and_changes_nothing(shop: Store, typed: object) -> None:
    mug = make_product(shop, stock=10)
    bowl = make_product(shop, stock=10)
    count_id = _started(shop)
    with pytest.raises(InvalidInput):
        _count(shop, count_id, (bowl, 2), (mug, typed))
    with shop.db.read_sessions() as session:
        assert all(line.received is None for line in lines_of(session, count_id).values())


def test_an_unknown_product_is_refused_and_changes_nothing(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    count_id = _started(shop)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        stocktakes.count_products(
            uow,
            consignment_id=count_id,
            counts=[(mug.id, 1), (uuid.uuid4(), 1)],
            user_id=None,
        )
    with shop.db.read_sessions() as session:
        assert lines_of(session, count_id)[mug.id].received is None


def test_a_scheduled_or_cancelled_count_cannot_be_counted_or_applied(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    with shop.uow() as uow:
        count = stocktakes.create_stocktake(
            uow, outlet_id=shop.outlet.id, name="Later", user_id=None
        )
        uow.commit()
    with pytest.raises(ConsignmentStateError):
        _count(shop, count.id, (mug, 1))
    with pytest.raises(ConsignmentStateError):
        _apply(shop, count.id)
    with shop.uow() as uow:
        stocktakes.cancel_stocktake(uow, consignment_id=count.id, user_id=None)
        uow.commit()
    with pytest.raises(ConsignmentStateError):
        _count(shop, count.id, (mug, 1))
    assert stock_of(shop, mug) == Decimal(10)


def test_a_bad_uncounted_choice_and_unknown_filters_are_refused(shop: Store) -> None:
    count_id = _started(shop)
    with pytest.raises(InvalidInput):
        _apply(shop, count_id, uncounted="maybe")
    with shop.uow() as uow, pytest.raises(InvalidInput):
        stocktakes.create_stocktake(
            uow,
            outlet_id=shop.outlet.id,
            name="Bad",
            filters=stocktakes.StocktakeFilters(brand_ids=(uuid.uuid4(),)),
            user_id=None,
        )


def test_a_partial_count_by_tag_or_hand_picked_leaves_out_inactive_products(shop: Store) -> None:
    tagged, picked, inactive = (make_product(shop, stock=1) for _ in range(3))
    make_product(shop, stock=1)  # neither tagged nor picked
    with shop.uow() as uow:
        tag = Tag(name="Fragile")
        uow.session.add(tag)
        uow.session.flush()
        for product in (tagged, inactive):
            uow.session.add(ProductTag(product_id=product.id, tag_id=tag.id))
        uow.session.execute(update(Product).where(Product.id == inactive.id).values(active=False))
        uow.commit()
        tag_id = tag.id
    count_id = _started(
        shop, stocktakes.StocktakeFilters(tag_ids=(tag_id,), product_ids=(picked.id,))
    )
    with shop.db.read_sessions() as session:
        assert set(lines_of(session, count_id)) == {tagged.id, picked.id}


def test_a_retried_batch_answers_what_the_first_one_did(shop: Store) -> None:
    mug = make_product(shop, stock=10)
    count_id = _started(shop)
    batch = uuid.uuid4()
    answers = []
    for _ in range(2):
        with shop.uow() as uow:
            answers.append(
                stocktakes.count_products(
                    uow,
                    consignment_id=count_id,
                    counts=[(mug.id, "2")],
                    user_id=None,
                    delivery_id=batch,
                )
            )
            uow.commit()
    assert [a.replayed for a in answers] == [False, True]
    assert answers[1].lines[0].quantity == Decimal(2)


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL")
def test_counting_while_selling_keeps_every_level_equal_to_its_ledger(shop: Store) -> None:
    mug = make_product(shop, stock=20, price="10.00")
    count_id = _started(shop)
    jobs = iter(["count", "sell", "count", "sell"])
    lock = threading.Lock()

    def work() -> None:
        with lock:
            job = next(jobs)
        if job == "count":
            _count(shop, count_id, (mug, 5), delivery_id=uuid.uuid4())
        else:
            make_sale(shop, [(mug, 1)], total="10.00")

    results = run_together(4, work)
    assert not [r for r in results if isinstance(r, BaseException)]
    with shop.db.read_sessions() as session:
        line = lines_of(session, count_id)[mug.id]
    assert line.received == Decimal(10)
    _apply(shop, count_id)
    # Whatever the order, the adjustment is counted - (level at the first count).
    assert stock_of(shop, mug) == Decimal(18) + (Decimal(10) - (line.expected or 0))
    _level_matches_ledger(shop, mug)
