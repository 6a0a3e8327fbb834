"""The fiscal payloads' amounts: by VAT rate, signed, two decimals; payments netted per type."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from comptoir.fiscal.payloads import amount, payments_of, rate_percent, totals_of
from comptoir.sales.models import SaleLine, SalePayment
from comptoir.store.models import PaymentKind

CASH, CARD = uuid.UUID(int=2), uuid.UUID(int=1)


def line(rate: str, incl: str, excl: str) -> SaleLine:
    return SaleLine(
        tax_rate=Decimal(rate),
        total=Decimal(incl),
        price_total=Decimal(excl),
        tax_total=Decimal(incl) - Decimal(excl),
    )


def payment(type_id: uuid.UUID, kind: PaymentKind, value: str) -> SalePayment:
    return SalePayment(payment_type_id=type_id, type_id=kind, amount=Decimal(value))


def test_rates_are_percents_with_two_decimals() -> None:
    assert [rate_percent(Decimal(r)) for r in ("0.2", "0.055", "0", "0.021")] == [
        "20.00",
        "5.50",
        "0.00",
        "2.10",
    ]
    assert amount(Decimal("-3")) == "-3.00"
    assert amount(-Decimal("0.00")) == "0.00"


def test_totals_are_summed_by_rate_and_sorted_by_rate() -> None:
    lines = [line("0.2", "12.00", "10.00"), line("0.055", "3.00", "2.84"), line("0.2", "6", "5")]
    assert totals_of(lines) == {
        "incl": "21.00",
        "excl": "17.84",
        "tax": "3.16",
        "by_rate": [
            {"rate": "20.00", "incl": "18.00", "excl": "15.00", "tax": "3.00"},
            {"rate": "5.50", "incl": "3.00", "excl": "2.84", "tax": "0.16"},
        ],
    }
    assert totals_of(lines, sign=-1)["by_rate"][1] == {
        "rate": "5.50",
        "incl": "-3.00",
        "excl": "-2.84",
        "tax": "-0.16",
    }


def test_change_is_netted_into_cash_and_types_are_sorted_by_id() -> None:
    paid = [
        payment(CASH, PaymentKind.CASH, "20.00"),
        payment(CARD, PaymentKind.CARD_EXTERNAL, "5.00"),
        payment(CASH, PaymentKind.CASH, "-1.10"),
    ]
    assert payments_of(paid) == [
        {"payment_type_id": str(CARD), "kind": "CARD_EXTERNAL", "amount": "5.00"},
        {"payment_type_id": str(CASH), "kind": "CASH", "amount": "18.90"},
    ]
    assert payments_of([payment(CASH, PaymentKind.CASH, "2"), payment(CASH, 1, "-2")]) == []


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["0", "0.021", "0.055", "0.1", "0.2"]),
            st.decimals(min_value=-500, max_value=500, places=2),
            st.decimals(min_value=0, max_value=100, places=2),
        ),
        max_size=8,
    )
)
def test_the_rates_add_up_to_the_totals(rows: list[tuple[str, Decimal, Decimal]]) -> None:
    lines = [line(rate, str(incl), str(incl - tax)) for rate, incl, tax in rows]
    totals = totals_of(lines)
    for key in ("incl", "excl", "tax"):
        assert sum(Decimal(r[key]) for r in totals["by_rate"]) == Decimal(totals[key])
    assert Decimal(totals["excl"]) + Decimal(totals["tax"]) == Decimal(totals["incl"])
