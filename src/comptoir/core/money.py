"""Money is Decimal, rounded at documented points only (DESIGN.md rule 1).

- Unit prices keep 5 decimal places: an ex-tax price derived from a tax-inclusive one is
  rarely round, and rounding it to cents would change the tax-inclusive total.
- Totals round to the currency's minor unit (from Babel) with ROUND_HALF_UP.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision

UNIT_PLACES = 5
UNIT_QUANTUM = Decimal(1).scaleb(-UNIT_PLACES)
ZERO = Decimal(0)


class InvalidAmount(ValueError):
    """A value that is not a finite decimal number."""


@lru_cache(maxsize=64)
def currency_quantum(currency: str) -> Decimal:
    """The smallest unit of a currency: 0.01 for EUR, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount: Decimal, *, currency: str) -> Decimal:
    return amount.quantize(currency_quantum(currency), rounding=ROUND_HALF_UP)


def round_unit(amount: Decimal) -> Decimal:
    return amount.quantize(UNIT_QUANTUM, rounding=ROUND_HALF_UP)


def parse_amount(value: object) -> Decimal:
    """A Decimal from user or API input; floats go through their shortest text form.

    JSON numbers arrive as Python floats; `str(0.1)` is "0.1", so the amount the client wrote
    is kept, never the binary approximation.
    """
    if isinstance(value, bool):
        raise InvalidAmount(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        if not text:
            raise InvalidAmount("empty amount")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise InvalidAmount(f"not a number: {value!r}") from exc
    else:
        raise InvalidAmount(f"not a number: {value!r}")
    if not result.is_finite():
        raise InvalidAmount(f"not a finite number: {value!r}")
    return result


def allocate(total: Decimal, weights: Sequence[Decimal], *, quantum: Decimal) -> list[Decimal]:
    """Split `total` in proportion to `weights`; the parts sum to `total` exactly.

    Each part is rounded to `quantum`; the last non-zero-weight part takes the remainder, so
    a discount or a tax spread over lines never gains or loses a cent.
    """
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        parts = [ZERO] * len(weights)
        parts[-1] = total
        return parts
    last = max(i for i, w in enumerate(weights) if w != 0)
    parts = []
    running = ZERO
    for i, weight in enumerate(weights):
        if i == last:
            parts.append(ZERO)
            continue
        part = (total * weight / weight_sum).quantize(quantum, rounding=ROUND_HALF_UP)
        parts.append(part)
        running += part
    parts[last] = total - running
    return parts


def round_to_increment(amount: Decimal, *, increment: Decimal) -> Decimal:
    """`amount` rounded to the nearest multiple of `increment`, halves away from zero: the
    cash rounding of a store without small coins (0.05: 8.92 -> 8.90, 8.93 -> 8.95)."""
    if increment <= 0:
        raise ValueError("a rounding increment is positive")
    steps = (amount / increment).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    places = min(_exponent(amount), _exponent(increment.normalize()))
    return (steps * increment).quantize(Decimal(1).scaleb(places))


def _exponent(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
