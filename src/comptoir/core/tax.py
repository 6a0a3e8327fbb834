"""Line and sale amounts for tax-inclusive and tax-exclusive stores (pure).

Tax-inclusive store: the shelf price includes tax. The line total is rounded first and the
tax is extracted from it, so the customer pays exactly the shelf price times the quantity.
Tax-exclusive store: the net line total is rounded first and tax is added on top.
Either way, per line, net + tax == gross exactly, and so the sale total is the sum of the
line nets plus the sum of the line taxes, to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from comptoir.core.money import ZERO, allocate, currency_quantum, round_money, round_unit


@dataclass(frozen=True, slots=True)
class Rate:
    """One component of a tax, such as a 20% VAT rate. `rate` is a fraction: 0.2 = 20%."""

    id: str
    name: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class TaxComponent:
    rate_id: str
    name: str
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LineAmounts:
    unit_price_excluding_tax: Decimal
    unit_price_including_tax: Decimal
    unit_tax: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal
    components: tuple[TaxComponent, ...]


@dataclass(frozen=True, slots=True)
class SaleAmounts:
    net: Decimal
    tax: Decimal
    gross: Decimal
    components: tuple[TaxComponent, ...]


def combined_rate(rates: Sequence[Rate]) -> Decimal:
    return sum((r.rate for r in rates), ZERO)


def price_excluding_tax(price_including_tax: Decimal, rates: Sequence[Rate]) -> Decimal:
    return round_unit(price_including_tax / (1 + combined_rate(rates)))


def price_including_tax(price_excluding_tax: Decimal, rates: Sequence[Rate]) -> Decimal:
    return round_unit(price_excluding_tax * (1 + combined_rate(rates)))


def _split_tax(tax: Decimal, rates: Sequence[Rate], currency: str) -> tuple[TaxComponent, ...]:
    parts = allocate(tax, [r.rate for r in rates], quantum=currency_quantum(currency))
    return tuple(
        TaxComponent(rate_id=r.id, name=r.name, rate=r.rate, amount=part)
        for r, part in zip(rates, parts, strict=True)
    )


def price_line(
    *,
    unit_price: Decimal,
    quantity: Decimal,
    rates: Sequence[Rate],
    tax_inclusive: bool,
    currency: str,
    discount: Decimal = ZERO,
) -> LineAmounts:
    """Amounts of one sale line.

    `unit_price` is tax-inclusive when `tax_inclusive` is true, otherwise tax-exclusive.
    `discount` is taken off the line's total in the same mode (already rounded to the
    currency) before the tax is computed: tax is due on the discounted price. The unit
    prices of a discounted line are then its totals divided by the quantity (5 places).
    """
    total_rate = combined_rate(rates)
    if tax_inclusive:
        unit_incl = round_unit(unit_price)
        unit_excl = price_excluding_tax(unit_incl, rates)
        gross = round_money(unit_incl * quantity, currency=currency) - discount
        tax = round_money(gross * total_rate / (1 + total_rate), currency=currency)
        net = gross - tax
        if discount:
            unit_incl = round_unit(gross / quantity)
            unit_excl = price_excluding_tax(unit_incl, rates)
    else:
        unit_excl = round_unit(unit_price)
        unit_incl = price_including_tax(unit_excl, rates)
        net = round_money(unit_excl * quantity, currency=currency) - discount
        tax = round_money(net * total_rate, currency=currency)
        gross = net + tax
        if discount:
            unit_excl = round_unit(net / quantity)
            unit_incl = price_including_tax(unit_excl, rates)
    return LineAmounts(
        unit_price_excluding_tax=unit_excl,
        unit_price_including_tax=unit_incl,
        unit_tax=unit_incl - unit_excl,
        net=net,
        tax=tax,
        gross=gross,
        components=_split_tax(tax, rates, currency) if rates else (),
    )


def unit_tax_matches(
    *, unit_price_excluding_tax: Decimal, unit_tax: Decimal, rates: Sequence[Rate], currency: str
) -> bool:
    """Whether a unit tax a register computed is what `rates` give on the unit price.

    It may differ from the exact amount by up to half the currency's minor unit: a register
    may keep the unit tax to 5 places or round it to the cent, both are that rate's tax.
    """
    if not rates:
        # Nothing to split a tax over: an untaxed line carries none.
        return unit_tax == 0
    exact = unit_price_excluding_tax * combined_rate(rates)
    return abs(unit_tax - exact) * 2 <= currency_quantum(currency)


def price_line_as_sent(
    *,
    unit_price_excluding_tax: Decimal,
    unit_tax: Decimal,
    quantity: Decimal,
    rates: Sequence[Rate],
    tax_inclusive: bool,
    currency: str,
) -> LineAmounts:
    """Amounts of a line whose register sent its unit price excluding tax and its unit tax.

    Both are kept exactly (X-Series 0.9: `tax_total` is `tax * quantity`), rounded to the
    currency once per line. In a tax-inclusive store the customer pays the unit price with
    tax times the quantity, and the net is what remains once the tax is taken out of it.
    """
    unit_excl = round_unit(unit_price_excluding_tax)
    unit_tax = round_unit(unit_tax)
    unit_incl = unit_excl + unit_tax
    tax = round_money(unit_tax * quantity, currency=currency)
    if tax_inclusive:
        gross = round_money(unit_incl * quantity, currency=currency)
        net = gross - tax
    else:
        net = round_money(unit_excl * quantity, currency=currency)
        gross = net + tax
    return LineAmounts(
        unit_price_excluding_tax=unit_excl,
        unit_price_including_tax=unit_incl,
        unit_tax=unit_tax,
        net=net,
        tax=tax,
        gross=gross,
        components=_split_tax(tax, rates, currency) if rates else (),
    )


def summarise_by_rate(components: Iterable[TaxComponent]) -> tuple[TaxComponent, ...]:
    """The tax of a sale by rate: the lines' components added up per rate, each rate where
    it first appears. The one breakdown the receipt, the API and the sell screen show
    (`static/js/money.js` does the same; a test runs both on the same cases)."""
    by_rate: dict[str, TaxComponent] = {}
    for c in components:
        seen = by_rate.get(c.rate_id)
        amount = c.amount + (seen.amount if seen else ZERO)
        by_rate[c.rate_id] = TaxComponent(c.rate_id, c.name, c.rate, amount)
    return tuple(by_rate.values())


def total_sale(lines: Iterable[LineAmounts]) -> SaleAmounts:
    lines = tuple(lines)
    net = sum((line.net for line in lines), ZERO)
    tax = sum((line.tax for line in lines), ZERO)
    return SaleAmounts(
        net=net,
        tax=tax,
        gross=net + tax,
        components=summarise_by_rate(c for line in lines for c in line.components),
    )
