"""Discounts and cash rounding are exact: a sale discount spread over lines gives back
exactly the discount, to the cent, never more than a line is worth; rounding to an
increment lands on a multiple of it, within half of it."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import allocate, round_to_increment
from comptoir.sales.discounts import beyond_limit, percent_off

CENT = Decimal("0.01")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)


@given(lines=st.lists(amounts, min_size=1, max_size=30), data=st.data())
def test_a_sale_discount_spreads_exactly_over_the_lines(
    lines: list[Decimal], data: st.DataObject
) -> None:
    total = sum(lines, Decimal(0))
    discount = data.draw(st.decimals(min_value=Decimal(0), max_value=total, places=2))

    shares = allocate(discount, lines, quantum=CENT)

    assert sum(shares, Decimal(0)) == discount
    assert all(share == share.quantize(CENT) for share in shares)
    # Every share but the last is its line's part, rounded: off by at most half a cent.
    for share, line in zip(shares[:-1], lines[:-1], strict=True):
        assert abs(share - discount * line / total) <= CENT / 2


def test_the_last_line_takes_the_remainder() -> None:
    assert allocate(Decimal("5.00"), [Decimal("8.90"), Decimal("6.20")], quantum=CENT) == [
        Decimal("2.95"),
        Decimal("2.05"),
    ]
    assert allocate(Decimal("0.10"), [Decimal(1)] * 3, quantum=CENT) == [
        Decimal("0.03"),
        Decimal("0.03"),
        Decimal("0.04"),
    ]


@given(amount=st.decimals(min_value=Decimal("-9999.99"), max_value=Decimal("9999.99"), places=2))
def test_rounding_to_an_increment_lands_on_it_within_half(amount: Decimal) -> None:
    increment = Decimal("0.05")
    rounded = round_to_increment(amount, increment=increment)
    assert rounded % increment == 0
    assert abs(rounded - amount) <= increment / 2


def test_cash_rounding_examples() -> None:
    cases = {"8.92": "8.90", "8.93": "8.95", "8.925": "8.95", "8.97": "8.95", "8.98": "9.00"}
    for amount, expected in cases.items():
        assert round_to_increment(Decimal(amount), increment=Decimal("0.05")) == Decimal(expected)
    assert round_to_increment(Decimal("12.49"), increment=Decimal("0.10")) == Decimal("12.50")


def test_the_limit_is_checked_on_the_exact_discount_not_its_rounded_percent() -> None:
    assert not beyond_limit(listed=Decimal("8.90"), sold=Decimal("8.01"), limit=Decimal(10))
    assert beyond_limit(listed=Decimal("10000.00"), sold=Decimal("8999.99"), limit=Decimal(10))
    assert percent_off(listed=Decimal("10000.00"), sold=Decimal("8999.99")) == Decimal("10.00")
