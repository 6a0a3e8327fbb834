"""Notes and coins a drawer is counted in, per currency, and what a count adds up to."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_

_EURO = ("500", "200", "100", "50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05")
_EURO_CENTS = ("0.02", "0.01")
DENOMINATIONS: dict[str, tuple[Decimal, ...]] = {
    "EUR": tuple(Decimal(d) for d in (*_EURO, *_EURO_CENTS)),
    "USD": tuple(
        Decimal(d) for d in ("100", "50", "20", "10", "5", "2", "1", "0.25", "0.10", "0.05", "0.01")
    ),
    "GBP": tuple(
        Decimal(d)
        for d in ("50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05", "0.02", "0.01")
    ),
}


def denominations_of(currency: str) -> tuple[Decimal, ...]:
    """The currency's notes and coins, largest first (the euro's for an unknown currency)."""
    return DENOMINATIONS.get(currency, DENOMINATIONS["EUR"])


def total_of_counts(
    counts: Mapping[str, int], *, currency: str, field: str
) -> tuple[Decimal, dict[str, int]]:
    """What a count by denomination adds up to, and the count normalised ("20.00": 3);
    an unknown denomination or a negative count is refused."""
    known = {d.quantize(Decimal("0.01")): d for d in denominations_of(currency)}
    normalised: dict[str, int] = {}
    total = Decimal(0)
    for key, number in counts.items():
        try:
            value = Decimal(str(key)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise InvalidInput(N_("unknown note or coin"), field=field, value=str(key)) from None
        if value not in known:
            raise InvalidInput(N_("unknown note or coin"), field=field, value=str(key))
        if not isinstance(number, int) or number < 0:
            raise InvalidInput(N_("a count is a whole number, zero or more"), field=field)
        if number:
            normalised[str(value)] = normalised.get(str(value), 0) + number
            total += value * number
    return total, normalised
