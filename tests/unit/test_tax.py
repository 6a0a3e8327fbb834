"""core/tax.py: line and sale amounts in tax-inclusive and tax-exclusive stores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.core.money import round_money, round_unit
from comptoir.core.tax import (
    LineAmounts,
    Rate,
    price_excluding_tax,
    price_including_tax,
    price_line,
    price_line_as_sent,
    total_sale,
    unit_tax_matches,
)

VAT_20 = (Rate(id="vat20", name="VAT 20%", rate=Decimal("0.2")),)
VAT_5_5 = (Rate(id="vat55", name="VAT 5.5%", rate=Decimal("0.055")),)
# Quebec: GST 5% and QST 9.975% on the same line.
GST_QST = (
    Rate(id="gst", name="GST", rate=Decimal("0.05")),
    Rate(id="qst", name="QST", rate=Decimal("0.09975")),
)

unit_prices = st.decimals(min_value=0, max_value=10_000, places=5)
quantities = st.one_of(
    st.integers(min_value=1, max_value=1000).map(Decimal),
    st.decimals(min_value=1, max_value=1000, places=3),
)
rate_lists = st.lists(
    st.decimals(min_value=0, max_value=Decimal("0.3"), places=5), min_size=1, max_size=3
).map(
    lambda values: tuple(Rate(id=f"r{i}", name=f"Rate {i}", rate=v) for i, v in enumerate(values))
)
currencies = st.sampled_from(["EUR", "JPY", "KWD"])
store_kinds = st.booleans()  # tax_inclusive


def line(
    unit: str, quantity: str, rates: tuple[Rate, ...], *, inclusive: bool, currency: str = "EUR"
) -> LineAmounts:
    return price_line(
        unit_price=Decimal(unit),
        quantity=Decimal(quantity),
        rates=rates,
        tax_inclusive=inclusive,
        currency=currency,
    )


def is_rounded(amount: Decimal, currency: str) -> bool:
    return amount == round_money(amount, currency=currency)


# Properties -------------------------------------------------------------------------------


@given(
    unit=unit_prices,
    quantity=quantities,
    rates=rate_lists,
    inclusive=store_kinds,
    currency=currencies,
)
def test_a_line_net_plus_its_tax_is_its_gross_exactly(
    unit: Decimal, quantity: Decimal, rates: tuple[Rate, ...], inclusive: bool, currency: str
) -> None:
    amounts = price_line(
        unit_price=unit, quantity=quantity, rates=rates, tax_inclusive=inclusive, currency=currency
    )
    assert amounts.net + amounts.tax == amounts.gross
    assert all(is_rounded(a, currency) for a in (amounts.net, amounts.tax, amounts.gross))
    assert amounts.unit_price_including_tax - amounts.unit_price_excluding_tax == amounts.unit_tax
    assert 0 <= amounts.tax <= amounts.gross


@given(
    unit=unit_prices,
    quantity=quantities,
    rates=rate_lists,
    inclusive=store_kinds,
    currency=currencies,
)
def test_the_tax_components_of_a_line_sum_to_its_tax(
    unit: Decimal, quantity: Decimal, rates: tuple[Rate, ...], inclusive: bool, currency: str
) -> None:
    amounts = price_line(
        unit_price=unit, quantity=quantity, rates=rates, tax_inclusive=inclusive, currency=currency
    )
    assert [c.rate_id for c in amounts.components] == [r.id for r in rates]
    assert sum((c.amount for c in amounts.components), Decimal(0)) == amounts.tax
    assert all(is_rounded(c.amount, currency) for c in amounts.components)


@given(unit=unit_prices, quantity=quantities, rates=rate_lists, currency=currencies)
def test_in_a_tax_inclusive_store_the_customer_pays_the_shelf_price_times_the_quantity(
    unit: Decimal, quantity: Decimal, rates: tuple[Rate, ...], currency: str
) -> None:
    amounts = price_line(
        unit_price=unit, quantity=quantity, rates=rates, tax_inclusive=True, currency=currency
    )
    assert amounts.unit_price_including_tax == unit
    assert amounts.gross == round_money(unit * quantity, currency=currency)
    total_rate = sum((r.rate for r in rates), Decimal(0))
    assert amounts.tax == round_money(
        amounts.gross * total_rate / (1 + total_rate), currency=currency
    )


@given(unit=unit_prices, quantity=quantities, rates=rate_lists, currency=currencies)
def test_in_a_tax_exclusive_store_the_net_is_the_unit_price_times_the_quantity(
    unit: Decimal, quantity: Decimal, rates: tuple[Rate, ...], currency: str
) -> None:
    amounts = price_line(
        unit_price=unit, quantity=quantity, rates=rates, tax_inclusive=False, currency=currency
    )
    assert amounts.unit_price_excluding_tax == unit
    assert amounts.net == round_money(unit * quantity, currency=currency)
    total_rate = sum((r.rate for r in rates), Decimal(0))
    assert amounts.tax == round_money(amounts.net * total_rate, currency=currency)


@given(
    lines=st.lists(st.tuples(unit_prices, quantities, rate_lists), min_size=1, max_size=8),
    inclusive=store_kinds,
    currency=currencies,
)
def test_a_sale_total_is_the_sum_of_its_line_nets_plus_the_sum_of_its_line_taxes(
    lines: list[tuple[Decimal, Decimal, tuple[Rate, ...]]], inclusive: bool, currency: str
) -> None:
    priced = [
        price_line(
            unit_price=unit,
            quantity=quantity,
            rates=rates,
            tax_inclusive=inclusive,
            currency=currency,
        )
        for unit, quantity, rates in lines
    ]
    sale = total_sale(priced)
    nets = sum((p.net for p in priced), Decimal(0))
    taxes = sum((p.tax for p in priced), Decimal(0))
    assert sale.net == nets
    assert sale.tax == taxes
    assert sale.gross == nets + taxes
    assert sale.gross == sum((p.gross for p in priced), Decimal(0))
    assert sum((c.amount for c in sale.components), Decimal(0)) == sale.tax
    assert len({c.rate_id for c in sale.components}) == len(sale.components)


@given(unit=unit_prices, rates=rate_lists)
def test_unit_prices_derived_through_a_tax_keep_five_decimal_places(
    unit: Decimal, rates: tuple[Rate, ...]
) -> None:
    excl = price_excluding_tax(unit, rates)
    incl = price_including_tax(unit, rates)
    assert excl == excl.quantize(Decimal("0.00001"))
    assert incl == incl.quantize(Decimal("0.00001"))
    # Going back and forth drifts by at most the rounding of one step.
    assert abs(price_including_tax(excl, rates) - unit) <= Decimal("0.00001") * 2


# Known values -----------------------------------------------------------------------------


def test_coffee_at_8_90_with_5_5_percent_vat_included() -> None:
    amounts = line("8.90", "1", VAT_5_5, inclusive=True)
    assert amounts.gross == Decimal("8.90")
    assert amounts.tax == Decimal("0.46")  # 8.90 * 0.055 / 1.055 = 0.46398...
    assert amounts.net == Decimal("8.44")
    assert amounts.unit_price_excluding_tax == Decimal("8.43602")
    assert amounts.unit_tax == Decimal("0.46398")
    assert [(c.rate_id, c.amount) for c in amounts.components] == [("vat55", Decimal("0.46"))]


def test_tax_included_in_a_line_rounds_half_up() -> None:
    # 3 x 0.97 = 2.91; tax = 2.91 / 6 = 0.485 exactly, which rounds up to 0.49.
    amounts = line("0.97", "3", VAT_20, inclusive=True)
    assert (amounts.gross, amounts.tax, amounts.net) == (
        Decimal("2.91"),
        Decimal("0.49"),
        Decimal("2.42"),
    )


def test_tax_is_rounded_per_line_and_the_sale_adds_the_rounded_lines() -> None:
    # Three separate lines of 0.97: each carries 0.16 of tax (0.1616...), so the sale carries
    # 0.48, not the 0.49 that rounding the 2.91 total once would give; the customer still
    # pays 2.91 and the receipt's lines add up to its totals.
    lines = [line("0.97", "1", VAT_20, inclusive=True) for _ in range(3)]
    assert all(amounts.tax == Decimal("0.16") for amounts in lines)
    sale = total_sale(lines)
    assert (sale.gross, sale.tax, sale.net) == (Decimal("2.91"), Decimal("0.48"), Decimal("2.43"))


def test_tax_added_on_top_in_a_tax_exclusive_store() -> None:
    amounts = line("10.00", "3", VAT_20, inclusive=False)
    assert (amounts.net, amounts.tax, amounts.gross) == (
        Decimal("30.00"),
        Decimal("6.00"),
        Decimal("36.00"),
    )
    assert amounts.unit_price_including_tax == Decimal("12.00000")
    assert amounts.unit_tax == Decimal("2.00000")


def test_tax_on_top_rounds_the_net_first_then_the_tax() -> None:
    # 7 x 0.99 = 6.93; 6.93 * 0.055 = 0.38115 -> 0.38.
    amounts = line("0.99", "7", VAT_5_5, inclusive=False)
    assert (amounts.net, amounts.tax, amounts.gross) == (
        Decimal("6.93"),
        Decimal("0.38"),
        Decimal("7.31"),
    )


def test_a_fractional_quantity_is_priced_and_rounded_once() -> None:
    # 0.375 kg at 24.90 a kg: 9.3375 -> 9.34 paid.
    amounts = line("24.90", "0.375", VAT_5_5, inclusive=True)
    assert amounts.gross == Decimal("9.34")
    assert amounts.tax == Decimal("0.49")  # 9.34 * 0.055 / 1.055 = 0.48692...
    assert amounts.net == Decimal("8.85")


def test_two_rates_on_one_line_are_split_in_proportion_and_sum_to_the_line_tax() -> None:
    amounts = line("10.00", "1", GST_QST, inclusive=False)
    assert amounts.tax == Decimal("1.50")  # 10.00 * 0.14975 = 1.4975 -> 1.50
    assert [(c.rate_id, c.amount) for c in amounts.components] == [
        ("gst", Decimal("0.50")),
        ("qst", Decimal("1.00")),
    ]
    sale = total_sale([amounts, line("4.00", "1", GST_QST, inclusive=False)])
    assert {c.rate_id: c.amount for c in sale.components} == {
        "gst": Decimal("0.70"),
        "qst": Decimal("1.40"),
    }
    assert sale.tax == Decimal("2.10")


def test_a_line_without_tax_has_no_tax_and_no_components() -> None:
    for inclusive in (True, False):
        amounts = line("4.20", "2", (), inclusive=inclusive)
        assert (amounts.net, amounts.tax, amounts.gross) == (Decimal("8.40"), 0, Decimal("8.40"))
        assert amounts.components == ()


@pytest.mark.parametrize(
    ("currency", "unit", "inclusive", "net", "tax", "gross"),
    [
        # Yen have no minor unit: 1080 yen with 8% consumption tax included.
        ("JPY", "1080", True, "1000", "80", "1080"),
        ("JPY", "999", False, "999", "80", "1079"),  # 79.92 -> 80
        # Kuwaiti dinars have three: 3 x 1.250 with 5% on top = 0.1875 -> 0.188.
        ("KWD", "1.250", False, "3.750", "0.188", "3.938"),
    ],
)
def test_amounts_round_to_the_currency_of_the_store(
    currency: str, unit: str, inclusive: bool, net: str, tax: str, gross: str
) -> None:
    rate = (
        Rate(id="t", name="Tax", rate=Decimal("0.08") if currency == "JPY" else Decimal("0.05")),
    )
    quantity = "3" if currency == "KWD" else "1"
    amounts = line(unit, quantity, rate, inclusive=inclusive, currency=currency)
    assert (str(amounts.net), str(amounts.tax), str(amounts.gross)) == (net, tax, gross)


# A line sent with its unit tax (0.9 `price` and `tax`) ------------------------------------


@given(
    unit=unit_prices,
    quantity=quantities,
    rates=rate_lists,
    inclusive=store_kinds,
    currency=currencies,
    to_the_cent=st.booleans(),
)
def test_a_unit_tax_rounded_from_the_rates_matches_them_and_is_kept_exactly(
    unit: Decimal,
    quantity: Decimal,
    rates: tuple[Rate, ...],
    inclusive: bool,
    currency: str,
    to_the_cent: bool,
) -> None:
    exact = unit * sum((r.rate for r in rates), Decimal(0))
    # A register keeps the unit tax to 5 places, or rounds it to the currency's minor unit.
    sent = round_money(exact, currency=currency) if to_the_cent else round_unit(exact)
    assert unit_tax_matches(
        unit_price_excluding_tax=unit, unit_tax=sent, rates=rates, currency=currency
    )
    amounts = price_line_as_sent(
        unit_price_excluding_tax=unit,
        unit_tax=sent,
        quantity=quantity,
        rates=rates,
        tax_inclusive=inclusive,
        currency=currency,
    )
    assert (amounts.unit_price_excluding_tax, amounts.unit_tax) == (unit, sent)
    assert amounts.unit_price_including_tax == unit + sent
    assert amounts.tax == round_money(sent * quantity, currency=currency)
    assert amounts.net + amounts.tax == amounts.gross
    assert sum((c.amount for c in amounts.components), Decimal(0)) == amounts.tax
    assert all(is_rounded(a, currency) for a in (amounts.net, amounts.tax, amounts.gross))


@pytest.mark.parametrize(
    ("price", "tax", "rates", "currency", "matches"),
    [
        ("10", "2", VAT_20, "EUR", True),
        ("10", "2.005", VAT_20, "EUR", True),  # half a cent off: a rounding
        ("10", "1.995", VAT_20, "EUR", True),
        ("10", "2.00501", VAT_20, "EUR", False),
        ("10", "1.99499", VAT_20, "EUR", False),
        ("10", "0.55", VAT_20, "EUR", False),  # 5.5%'s tax sent as 20%
        ("8.43602", "0.46398", VAT_5_5, "EUR", True),
        ("10", "1.50", GST_QST, "EUR", True),  # 1.4975 -> 1.50
        ("1000", "80.4", (Rate(id="c", name="JCT", rate=Decimal("0.08")),), "JPY", True),
        ("1000", "81", (Rate(id="c", name="JCT", rate=Decimal("0.08")),), "JPY", False),
        ("4.20", "0", (), "EUR", True),
        ("4.20", "0.001", (), "EUR", False),  # nothing to carry a tax on an untaxed line
    ],
)
def test_a_unit_tax_matches_its_rates_within_half_the_currencys_minor_unit(
    price: str, tax: str, rates: tuple[Rate, ...], currency: str, matches: bool
) -> None:
    assert (
        unit_tax_matches(
            unit_price_excluding_tax=Decimal(price),
            unit_tax=Decimal(tax),
            rates=rates,
            currency=currency,
        )
        is matches
    )


def test_a_line_sent_with_its_tax_totals_the_tax_times_the_quantity_in_both_store_modes() -> None:
    # 0.99 + 0.20 (20% rounded to the cent by the register), 10 of them.
    for inclusive in (True, False):
        amounts = price_line_as_sent(
            unit_price_excluding_tax=Decimal("0.99"),
            unit_tax=Decimal("0.20"),
            quantity=Decimal(10),
            rates=VAT_20,
            tax_inclusive=inclusive,
            currency="EUR",
        )
        assert (amounts.net, amounts.tax, amounts.gross) == (
            Decimal("9.90"),
            Decimal("2.00"),
            Decimal("11.90"),
        )
