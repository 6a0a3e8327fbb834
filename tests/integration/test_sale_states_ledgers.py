"""Property: whatever sequence of sales, parks, laybys, on-account sales, payments, voids and
returns (to the tenders or to store credit, restocked or damaged) a shop goes through, each
customer's account balance and store credit equal the sum of their ledgers and each
product's stock equals the sum of its stock ledger."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from comptoir.core.errors import DomainError
from comptoir.customers import account
from comptoir.customers import service as customers
from comptoir.sales import service as sales
from comptoir.sales.account import pay_sale
from comptoir.sales.inputs import SaleRights
from comptoir.sales.models import Sale, SaleLine
from comptoir.sales.voiding import void_sale
from tests.factories import (
    Store,
    account_ledger_of,
    credit_of,
    ledger_of,
    make_customer,
    make_product,
    make_return,
    return_lines,
    sale_input,
    stock_of,
)

STEP = st.tuples(
    st.sampled_from(
        ["CLOSED", "SAVED", "CONTINUE", "LAYBY", "ONACCOUNT", "PAY", "VOID", "RETURN", "CREDIT"]
    ),
    st.integers(min_value=1, max_value=3),  # quantity
    st.integers(min_value=0, max_value=9),  # which earlier sale / how much paid
)
RIGHTS = SaleRights(exceed_account_limit=True)


def _record(
    shop: Store,
    customer_id: uuid.UUID,
    status: str,
    product: Any,
    qty: int,
    paid: int,
    sale_id: uuid.UUID | None = None,
) -> uuid.UUID:
    total = Decimal(10) * qty
    amount = min(Decimal(paid), total) if status != "CLOSED" else total
    payments = [(shop.cash, str(amount))] if amount > 0 and status != "SAVED" else []
    wanted = dataclasses.replace(
        sale_input(shop, [(product, qty)], payments=payments, sale_id=sale_id or uuid.uuid4()),
        status=status,
        customer_id=customer_id,
    )
    with shop.uow() as uow:
        sale, _ = sales.record_sale(
            uow,
            sale=wanted,
            user_id=shop.owner.id,
            find_customer=customers.get_customer,
            rights=RIGHTS,
            ledger=account.LEDGER,
        )
        return sale.id


def _apply(
    shop: Store,
    step: tuple[str, int, int],
    product: Any,
    customer_id: uuid.UUID,
    made: list[uuid.UUID],
) -> None:
    kind, qty, pick = step
    target = made[pick % len(made)] if made else None
    if kind in ("CLOSED", "SAVED", "LAYBY", "ONACCOUNT"):
        made.append(_record(shop, customer_id, kind, product, qty, pick))
    elif kind == "CONTINUE" and target is not None:
        _record(shop, customer_id, "CLOSED", product, qty, pick, sale_id=target)
    elif kind == "PAY" and target is not None:
        with shop.uow() as uow:
            pay_sale(
                uow,
                sale_id=target,
                payment_id=uuid.uuid4(),
                payment_type_id=shop.card.id,
                amount=Decimal(pick + 1),
                register_id=None,
                user_id=shop.owner.id,
                ledger=account.LEDGER,
            )
    elif kind in ("RETURN", "CREDIT") and target is not None:
        with shop.db.read_sessions() as session:
            sold = session.get(Sale, target)
            assert sold is not None
            session.expunge(sold)
        back = make_return(
            shop,
            sold,
            return_lines(sold, (0, 1), restock=qty != 3),
            refund_to="store_credit" if kind == "CREDIT" else "tenders",
            customer_id=customer_id,
        )
        made.append(back.id)  # a later VOID may undo the return
    elif kind == "VOID" and target is not None:
        with shop.uow() as uow:
            void_sale(
                uow,
                sale_id=target,
                user_id=shop.owner.id,
                may_void_completed=True,
                ledger=account.LEDGER,
            )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=8))
def test_balances_and_stock_equal_their_ledgers_after_any_sequence(
    shop: Store, steps: list[tuple[str, int, int]]
) -> None:
    product = make_product(shop, price="10.00", stock=50)
    customer = make_customer(shop, first_name="Prop", on_account_limit="1000")
    made: list[uuid.UUID] = []
    for step in steps:
        # A refused step (a closed sale paid again, a void of a void...) changes nothing.
        with contextlib.suppress(DomainError):
            _apply(shop, step, product, customer.id, made)
        balance, ledger = account_ledger_of(shop, customer.id)
        assert balance == ledger
        credit, credit_ledger = credit_of(shop, customer)
        assert credit == credit_ledger >= 0
        assert stock_of(shop, product) == ledger_of(shop, product)
        assert _returned_quantities_match_live_returns(shop)


def _returned_quantities_match_live_returns(shop: Store) -> bool:
    """Each sold line's returned quantity is what its returns not voided gave back."""
    with shop.db.read_sessions() as session:
        given_back: dict[uuid.UUID, Decimal] = {}
        for line, status in session.execute(
            select(SaleLine, Sale.status)
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(SaleLine.return_for_line_id.is_not(None))
        ).all():
            if status != "VOIDED":
                key = line.return_for_line_id
                given_back[key] = given_back.get(key, Decimal(0)) - line.quantity
        sold = session.scalars(select(SaleLine).where(SaleLine.quantity > 0)).all()
        return all(line.returned_quantity == given_back.get(line.id, 0) for line in sold)
