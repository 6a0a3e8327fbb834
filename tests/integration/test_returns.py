"""Returns and exchanges: partial returns, the guard against over-returning (also under
concurrency on PostgreSQL), refunds capped per tender, store credit, no-receipt returns."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from comptoir.core.db import Database
from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied
from comptoir.inventory.models import InventoryMovement
from comptoir.sales.models import Sale, SaleLine
from comptoir.sales.returns import RefundInput, ReturnExceedsSale, ReturnLineInput
from tests.factories import (
    Store,
    credit_of,
    ledger_of,
    make_customer,
    make_product,
    make_return,
    make_sale,
    return_lines,
    run_together,
    snapshot,
    stock_of,
)


def refunded_by_type(sale: Sale) -> dict[str, Decimal]:
    return {p.name: p.amount for p in sale.payments}


def test_a_partial_return_gives_back_its_share_of_the_line_restocks_and_refunds_the_tender(
    shop: Store,
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], total="42.00")

    back = make_return(shop, sale, return_lines(sale, (0, 1), reason="Wrong colour"))

    assert (back.status, back.state, back.return_for) == ("CLOSED", "closed", sale.id)
    (line,) = back.lines
    assert (line.quantity, line.total, line.tax_total) == (
        Decimal(-1),
        Decimal("-14.00"),
        Decimal("-2.33"),
    )
    assert (line.return_for_line_id, line.return_reason, line.is_return) == (
        sale.lines[0].id,
        "Wrong colour",
        True,
    )
    assert line.price == sale.lines[0].price  # the unit price as sold
    assert refunded_by_type(back) == {"Cash": Decimal("-14.00")}
    assert back.total_price_incl == Decimal("-14.00")
    assert stock_of(shop, mug) == Decimal(8) == ledger_of(shop, mug)
    with shop.db.read_sessions() as session:
        kinds = session.scalars(
            select(InventoryMovement.kind).where(InventoryMovement.source_id == back.id)
        ).all()
        assert kinds == ["return"]
        assert session.get(SaleLine, sale.lines[0].id).returned_quantity == 1  # type: ignore[union-attr]


def test_a_damaged_item_is_refunded_but_its_stock_does_not_come_back(shop: Store) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 2)], total="28.00")

    make_return(shop, sale, return_lines(sale, (0, 1), reason="Damaged", restock=False))

    assert stock_of(shop, mug) == Decimal(8)


def test_returning_more_than_is_left_of_a_line_is_refused_and_changes_nothing(
    shop: Store,
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], total="42.00")
    make_return(shop, sale, return_lines(sale, (0, 2)))
    before = snapshot(shop)

    with pytest.raises(ReturnExceedsSale):
        make_return(shop, sale, return_lines(sale, (0, 2)))

    assert snapshot(shop) == before
    make_return(shop, sale, return_lines(sale, (0, 1)))  # what is left still goes back


def test_a_retried_return_with_the_same_id_changes_nothing(shop: Store) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], total="42.00")
    return_id = uuid.uuid4()
    first = make_return(shop, sale, return_lines(sale, (0, 1)), id=return_id)
    before = snapshot(shop)

    again = make_return(shop, sale, return_lines(sale, (0, 1)), id=return_id)

    assert again.id == first.id
    assert snapshot(shop) == before


def test_two_registers_returning_the_same_line_at_once_exactly_one_wins(
    db: Database, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00")

    results = run_together(2, lambda: make_return(shop, sale, return_lines(sale, (0, 1))))

    won = [r for r in results if isinstance(r, Sale)]
    lost = [r for r in results if not isinstance(r, Sale)]
    assert len(won) == 1, results
    assert len(lost) == 1 and isinstance(lost[0], Conflict), results
    assert stock_of(shop, mug) == Decimal(10)
    with db.read_sessions() as session:
        assert session.get(SaleLine, sale.lines[0].id).returned_quantity == 1  # type: ignore[union-attr]


def test_refunds_go_to_the_original_tenders_and_never_exceed_what_each_paid(
    shop: Store,
) -> None:
    mug = make_product(shop, price="10.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], payments=[(shop.card, "20.00"), (shop.cash, "10.00")])

    first = make_return(shop, sale, return_lines(sale, (0, 2)))
    second = make_return(shop, sale, return_lines(sale, (0, 1)))

    assert refunded_by_type(first) == {"Card": Decimal("-20.00")}
    assert refunded_by_type(second) == {"Cash": Decimal("-10.00")}


def test_a_chosen_refund_over_what_a_tender_paid_is_refused(shop: Store) -> None:
    mug = make_product(shop, price="10.00", stock=10)
    sale = make_sale(shop, [(mug, 2)], payments=[(shop.card, "5.00"), (shop.cash, "15.00")])
    before = snapshot(shop)

    with pytest.raises(InvalidInput):
        make_return(
            shop,
            sale,
            return_lines(sale, (0, 1)),
            refunds=[RefundInput(payment_type_id=shop.card.id, amount=Decimal("10.00"))],
        )

    assert snapshot(shop) == before


def test_a_refund_to_store_credit_issues_credit_to_the_customer(shop: Store) -> None:
    mug = make_product(shop, price="10.00", stock=10)
    alice = make_customer(shop, first_name="Alice", last_name="Martin")
    sale = make_sale(shop, [(mug, 2)], total="20.00", customer_id=alice.id)

    back = make_return(shop, sale, return_lines(sale, (0, 1)), refund_to="store_credit")

    assert [(p.type_id, p.amount) for p in back.payments] == [(20, Decimal("-10.00"))]
    assert credit_of(shop, alice) == (Decimal("10.00"), Decimal("10.00"))


def test_a_return_cannot_credit_another_customer_than_the_sales(shop: Store) -> None:
    mug = make_product(shop, price="10.00", stock=10)
    alice = make_customer(shop, first_name="Alice")
    friend = make_customer(shop, first_name="Friend")
    sale = make_sale(shop, [(mug, 2)], total="20.00", customer_id=alice.id)

    with pytest.raises(InvalidInput):
        make_return(
            shop,
            sale,
            return_lines(sale, (0, 1)),
            refund_to="store_credit",
            customer_id=friend.id,
        )
    assert credit_of(shop, friend) == (Decimal(0), Decimal(0))
    assert stock_of(shop, mug) == Decimal(8)


def test_a_refund_to_store_credit_needs_a_customer(shop: Store) -> None:
    mug = make_product(shop, price="10.00", stock=10)
    sale = make_sale(shop, [(mug, 2)], total="20.00")

    with pytest.raises(InvalidInput):
        make_return(shop, sale, return_lines(sale, (0, 1)), refund_to="store_credit")


def test_a_return_without_a_receipt_needs_the_permission_and_prices_from_the_catalog(
    shop: Store,
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    lines = [ReturnLineInput(product_id=mug.id, quantity=Decimal(1), reason="Gift")]
    refunds = [RefundInput(payment_type_id=shop.cash.id, amount=Decimal("14.00"))]

    with pytest.raises(PermissionDenied):
        make_return(shop, None, lines, refunds=refunds)
    back = make_return(shop, None, lines, refunds=refunds, without_receipt=True)

    assert back.return_for is None
    assert (back.lines[0].quantity, back.lines[0].total) == (Decimal(-1), Decimal("-14.00"))
    assert refunded_by_type(back) == {"Cash": Decimal("-14.00")}
    assert stock_of(shop, mug) == Decimal(11)


def test_a_return_without_a_receipt_is_not_refunded_on_a_card(shop: Store) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    lines = [ReturnLineInput(product_id=mug.id, quantity=Decimal(1))]

    with pytest.raises(InvalidInput):
        make_return(
            shop,
            None,
            lines,
            refunds=[RefundInput(payment_type_id=shop.card.id, amount=Decimal("14.00"))],
            without_receipt=True,
        )


def test_an_exchange_returns_a_line_sells_another_and_the_customer_pays_the_difference(
    shop: Store,
) -> None:
    from comptoir.sales.inputs import LineInput, PaymentInput

    small = make_product(shop, price="10.00", stock=5)
    large = make_product(shop, price="16.00", stock=5)
    sale = make_sale(shop, [(small, 1)], total="10.00")

    swap = make_return(
        shop,
        sale,
        return_lines(sale, (0, 1)),
        new_lines=[LineInput(product_id=large.id, quantity=Decimal(1))],
        payments=[PaymentInput(payment_type_id=shop.cash.id, amount=Decimal("10.00"))],
    )

    assert sorted(line.quantity for line in swap.lines) == [Decimal(-1), Decimal(1)]
    assert swap.total_price_incl == Decimal("6.00")
    # 10.00 tendered in cash for 6.00: 4.00 handed back.
    assert [p.amount for p in swap.payments] == [Decimal("10.00"), Decimal("-4.00")]
    assert (stock_of(shop, small), stock_of(shop, large)) == (Decimal(5), Decimal(4))


def test_an_exchange_for_a_cheaper_item_refunds_the_difference(shop: Store) -> None:
    from comptoir.sales.inputs import LineInput

    large = make_product(shop, price="16.00", stock=5)
    small = make_product(shop, price="10.00", stock=5)
    sale = make_sale(shop, [(large, 1)], payments=[(shop.card, "16.00")])

    swap = make_return(
        shop,
        sale,
        return_lines(sale, (0, 1)),
        new_lines=[LineInput(product_id=small.id, quantity=Decimal(1))],
    )

    assert refunded_by_type(swap) == {"Card": Decimal("-6.00")}


def test_returning_a_composite_gives_back_its_components(shop: Store) -> None:
    from comptoir.catalog import products as catalog

    coffee = make_product(shop, price="8.00", stock=10)
    mug = make_product(shop, price="6.00", stock=5)
    with shop.uow() as uow:
        gift = catalog.create_product(
            uow,
            new=catalog.NewProduct(
                name="Gift box",
                price=Decimal("25"),
                components=[
                    catalog.NewComponent(product_id=coffee.id, quantity=Decimal(2)),
                    catalog.NewComponent(product_id=mug.id, quantity=Decimal(1)),
                ],
            ),
        )
    sale = make_sale(shop, [(gift, 2)], total="50.00")

    make_return(shop, sale, return_lines(sale, (0, 1)))

    assert (stock_of(shop, coffee), stock_of(shop, mug)) == (Decimal(8), Decimal(4))
    assert ledger_of(shop, coffee) == Decimal(8)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    price=st.decimals(min_value="0.05", max_value="99.99", places=2),
    parts=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4),
    card_share=st.integers(min_value=0, max_value=100),
)
def test_a_sale_returned_in_any_number_of_parts_sums_back_to_zero_within_each_tender(
    shop: Store, price: Decimal, parts: list[int], card_share: int
) -> None:
    quantity = sum(parts)
    item = make_product(shop, price=str(price), stock=0)
    total = price * quantity
    card = (total * card_share / 100).quantize(Decimal("0.01"))
    payments = [(t, str(a)) for t, a in ((shop.card, card), (shop.cash, total - card)) if a > 0]
    sale = make_sale(shop, [(item, quantity)], payments=payments)

    backs = [make_return(shop, sale, return_lines(sale, (0, part))) for part in parts]

    for field in ("total", "price_total", "tax_total", "cost_total"):
        returned = sum((getattr(b.lines[0], field) for b in backs), Decimal(0))
        assert returned == -getattr(sale.lines[0], field), field
    paid: dict[str, Decimal] = {}
    for p in sale.payments:
        paid[p.name] = paid.get(p.name, Decimal(0)) + p.amount
    for name, amount in paid.items():
        refunded = -sum((p.amount for b in backs for p in b.payments if p.name == name), Decimal(0))
        assert refunded == amount
    assert stock_of(shop, item) == Decimal(0)
