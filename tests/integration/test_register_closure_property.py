"""Property: whatever a session sells, gives back and moves, its closure says
expected cash = float + cash taken - cash given back + cash in - cash out (petty cash
likewise), and its totals are the sum of its own sales, nothing else."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from comptoir.registers import service as registers
from comptoir.registers.models import MOVEMENT_SIGN, MovementKind, RegisterSession
from comptoir.sales.models import Sale, SalePayment
from comptoir.store.models import Register
from tests.factories import (
    Store,
    close_till,
    make_product,
    make_return,
    make_sale,
    open_till,
    return_lines,
)

operation = st.one_of(
    st.tuples(st.just("cash"), st.integers(1, 3), st.integers(0, 20)),
    st.tuples(st.just("card"), st.integers(1, 3), st.just(0)),
    st.tuples(st.just("split"), st.integers(1, 3), st.just(0)),
    st.tuples(st.just("return"), st.integers(0, 10), st.just(0)),
    st.tuples(st.sampled_from([k.value for k in MovementKind]), st.integers(1, 50), st.just(0)),
)


def run(shop: Store, product: Any, op: tuple[str, int, int], sold: list[Sale]) -> None:
    kind, number, extra = op
    price = Decimal("3.50") * number
    if kind == "cash":
        sold.append(
            make_sale(shop, [(product, number)], payments=[(shop.cash, str(price + extra))])
        )
    elif kind == "card":
        sold.append(make_sale(shop, [(product, number)], payments=[(shop.card, str(price))]))
    elif kind == "split":
        sold.append(
            make_sale(
                shop, [(product, number)], payments=[(shop.cash, "1"), (shop.card, str(price - 1))]
            )
        )
    elif kind == "return":
        if sold:
            sale = sold.pop(number % len(sold))
            make_return(shop, sale, return_lines(sale, (0, 1)))
    else:
        with shop.uow() as uow:
            registers.record_cash_movement(
                uow,
                register_id=shop.register.id,
                kind=kind,
                amount=Decimal(number),
                note=None,
                user_id=shop.owner.id,
                client_id=uuid.uuid4().hex,
            )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    opening=st.integers(0, 300),
    operations=st.lists(operation, max_size=8),
)
def test_expected_cash_and_totals_follow_from_the_sessions_own_sales_and_movements(
    shop: Store, opening: int, operations: list[tuple[str, int, int]]
) -> None:
    product = make_product(shop, price="3.50", stock=1000)
    with shop.db.read_sessions() as session:  # each example is one session of its own
        if session.get(Register, shop.register.id).open_session_id:  # type: ignore[union-attr]
            close_till(shop)
    session_id = open_till(
        shop.db, register_id=shop.register.id, user_id=shop.owner.id, opening_float=str(opening)
    )
    sold: list[Sale] = []
    for op in operations:
        run(shop, product, op, sold)
    closure = close_till(shop)
    assert closure.id == session_id

    with shop.db.read_sessions() as session:
        figures = session.get(RegisterSession, session_id).closure_figures  # type: ignore[union-attr]
        amounts = session.scalars(
            select(SalePayment.amount).where(
                SalePayment.register_session_id == session_id,
                SalePayment.payment_type_id == shop.cash.id,
            )
        ).all()
        totals = session.scalars(
            select(Sale.total_price_incl).where(Sale.register_session_id == session_id)
        ).all()
    taken = sum((a for a in amounts if a > 0), Decimal(0))
    given_back = -sum((a for a in amounts if a < 0), Decimal(0))
    moved = sum(
        (
            MOVEMENT_SIGN[MovementKind(kind)] * Decimal(n)
            for kind, n, _ in operations
            if kind in MovementKind.__members__
        ),
        Decimal(0),
    )
    assert Decimal(figures["cash_expected"]) == opening + taken - given_back + moved
    total = Decimal(figures["sales"]["total"]) + Decimal(figures["returns"]["total"])
    assert total == sum(totals, Decimal(0))
    count = figures["sales"]["count"] + figures["returns"]["count"]
    assert count == len(totals)
