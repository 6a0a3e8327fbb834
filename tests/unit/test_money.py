"""core/money.py: Decimal amounts, rounding at the currency's minor unit, exact splitting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import (
    InvalidAmount,
    allocate,
    currency_quantum,
    parse_amount,
    round_money,
    round_unit,
)

CENT = Decimal("0.01")


@pytest.mark.parametrize(
    ("currency", "quantum"),
    [
        ("EUR", Decimal("0.01")),
        ("USD", Decimal("0.01")),
        ("JPY", Decimal(1)),
        ("KWD", Decimal("0.001")),
    ],
)
def test_the_minor_unit_of_a_currency_comes_from_its_digits(
    currency: str, quantum: Decimal
) -> None:
    assert currency_quantum(currency) == quantum


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("EUR", "2.345", "2.35"),
        ("EUR", "2.665", "2.67"),  # banker's rounding would give 2.66
        ("EUR", "0.125", "0.13"),  # banker's rounding would give 0.12
        ("EUR", "2.3449999", "2.34"),
        ("EUR", "-2.345", "-2.35"),  # half away from zero, symmetric for refunds
        ("EUR", "7", "7.00"),
        ("JPY", "1234.5", "1235"),
        ("JPY", "1234.49", "1234"),
        ("JPY", "2.5", "3"),
        ("KWD", "1.2345", "1.235"),
        ("KWD", "1.2344", "1.234"),
        ("KWD", "0.0005", "0.001"),
    ],
)
def test_totals_round_half_up_to_the_minor_unit_of_the_currency(
    currency: str, amount: str, expected: str
) -> None:
    rounded = round_money(Decimal(amount), currency=currency)
    assert rounded == Decimal(expected)
    # The result carries exactly the currency's digits: "7.00", not "7".
    assert str(rounded) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("8.436018957", "8.43602"),
        ("1.234565", "1.23457"),
        ("12", "12.00000"),
        ("0.000004", "0.00000"),
    ],
)
def test_unit_prices_keep_five_decimal_places_rounded_half_up(amount: str, expected: str) -> None:
    assert str(round_unit(Decimal(amount))) == expected


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("12.50", Decimal("12.50")),
        ("  12.50 ", Decimal("12.50")),
        ("1 234.5", Decimal("1234.5")),
        ("-3", Decimal(-3)),
        ("0.00001", Decimal("0.00001")),
        (12, Decimal(12)),
        (0, Decimal(0)),
        (Decimal("1.10"), Decimal("1.10")),
        (0.1, Decimal("0.1")),
        (1.15, Decimal("1.15")),
        (8.9, Decimal("8.9")),
        (1e-7, Decimal("1E-7")),
    ],
)
def test_amounts_are_parsed_exactly_from_text_integers_decimals_and_floats(
    given_value: Any, expected: Decimal
) -> None:
    parsed = parse_amount(given_value)
    assert isinstance(parsed, Decimal)
    assert parsed == expected


def test_a_float_is_read_through_its_shortest_text_never_its_binary_approximation() -> None:
    assert parse_amount(0.1) == Decimal("0.1")
    assert parse_amount(0.1) != Decimal.from_float(0.1)  # 0.1000000000000000055511151231257827...
    assert parse_amount(0.1) + parse_amount(0.2) == Decimal("0.3")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_parses_to_the_decimal_of_its_repr(value: float) -> None:
    parsed = parse_amount(value)
    assert parsed == Decimal(repr(value))
    assert float(parsed) == value


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_any_finite_decimal_written_as_text_parses_back_to_itself(value: Decimal) -> None:
    assert parse_amount(str(value)) == value
    assert parse_amount(value) == value


@pytest.mark.parametrize(
    "bad",
    [
        True,
        False,
        None,
        "",
        "   ",
        "abc",
        "12abc",
        "1,5",
        "1.2.3",
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-inf",
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        b"12",
        [12],
        {"amount": 12},
    ],
    ids=repr,
)
def test_anything_but_a_finite_number_is_refused_as_an_amount(bad: Any) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(bad)


def test_an_invalid_amount_is_a_value_error() -> None:
    # Callers that validate input catch ValueError (Pydantic turns it into a 422).
    assert issubclass(InvalidAmount, ValueError)


# allocate ---------------------------------------------------------------------------------

totals = st.decimals(min_value=-1_000_000, max_value=1_000_000, places=2)
weights = st.lists(st.decimals(min_value=0, max_value=10_000, places=3), min_size=1, max_size=12)


@given(total=totals, parts_weights=weights)
def test_allocated_parts_always_sum_exactly_to_the_total(
    total: Decimal, parts_weights: list[Decimal]
) -> None:
    parts = allocate(total, parts_weights, quantum=CENT)
    assert len(parts) == len(parts_weights)
    assert sum(parts, Decimal(0)) == total
    # Every part is a whole number of cents: nothing is lost to sub-cent fractions.
    assert all(part == part.quantize(CENT) for part in parts)


@given(total=totals, parts_weights=weights)
def test_each_part_but_the_last_weighted_one_is_its_rounded_share(
    total: Decimal, parts_weights: list[Decimal]
) -> None:
    parts = allocate(total, parts_weights, quantum=CENT)
    weight_sum = sum(parts_weights, Decimal(0))
    if weight_sum == 0:
        return
    last = max(i for i, w in enumerate(parts_weights) if w != 0)
    for i, (part, weight) in enumerate(zip(parts, parts_weights, strict=True)):
        if weight == 0:
            assert part == 0
        elif i != last:
            assert part == (total * weight / weight_sum).quantize(CENT, rounding=ROUND_HALF_UP)


def test_the_last_part_takes_the_rounding_remainder() -> None:
    assert allocate(Decimal("10.00"), [Decimal(1)] * 3, quantum=CENT) == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
    ]


def test_the_remainder_goes_to_the_last_part_with_a_weight_not_to_a_zero_weight_part() -> None:
    parts = allocate(
        Decimal("10.00"), [Decimal(1), Decimal(1), Decimal(1), Decimal(0)], quantum=CENT
    )
    assert parts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34"), Decimal(0)]


def test_a_discount_spread_over_lines_in_proportion_to_their_totals() -> None:
    # 5.00 off a 12.00 + 7.50 + 0.99 basket.
    parts = allocate(
        Decimal("5.00"), [Decimal("12.00"), Decimal("7.50"), Decimal("0.99")], quantum=CENT
    )
    assert parts == [Decimal("2.93"), Decimal("1.83"), Decimal("0.24")]
    assert sum(parts) == Decimal("5.00")


def test_with_all_weights_zero_the_last_part_takes_the_whole_total() -> None:
    assert allocate(Decimal("5.00"), [Decimal(0)] * 3, quantum=CENT) == [
        Decimal(0),
        Decimal(0),
        Decimal("5.00"),
    ]


def test_allocating_over_no_parts_gives_no_parts() -> None:
    assert allocate(Decimal("5.00"), [], quantum=CENT) == []


def test_allocation_rounds_to_the_quantum_given() -> None:
    yen = allocate(Decimal(100), [Decimal(1)] * 3, quantum=Decimal(1))
    assert yen == [Decimal(33), Decimal(33), Decimal(34)]
    dinar = allocate(Decimal("1.000"), [Decimal(1)] * 3, quantum=Decimal("0.001"))
    assert dinar == [Decimal("0.333"), Decimal("0.333"), Decimal("0.334")]
