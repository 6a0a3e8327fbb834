"""Discounts at the till, recorded as discounts (pure: no database, no clock).

A line is first priced at its list price (the catalog's, or a higher price a manager set)
and then at the price it is sold at. What the customer is given off is a discount in the
store's mode (with tax in a tax-inclusive store, without otherwise), rounded to the cent:
- a price typed below the list price (X-Series `price`, or `discount` per unit),
- a line discount, a percent or an amount off the line,
- a share of a whole-sale discount, spread over the lines in proportion to what each
  costs after its own discount with `core.money.allocate` (the last line takes the rest).
The tax is computed on the discounted line (`core.tax.price_line`). A cashier may give up
to the store's `cashier_discount_limit` percent of any line's list amount; beyond it the
sale needs `sales:discount_over_limit` or a manager's approval (`approvals.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from comptoir.core.errors import InvalidInput, PermissionDenied
from comptoir.core.money import ZERO, allocate, currency_quantum, round_money, round_unit
from comptoir.core.tax import LineAmounts
from comptoir.sales.inputs import LineInput, SaleInput, line_field

HUNDRED = Decimal(100)
PERCENT_QUANTUM = Decimal("0.01")


def amount_in_mode(amounts: LineAmounts, *, tax_exclusive: bool) -> Decimal:
    """What a line costs in the store's mode: its net in a tax-exclusive store, else gross."""
    return amounts.net if tax_exclusive else amounts.gross


def _check_percent(percent: Decimal, *, field: str) -> None:
    if not ZERO <= percent <= HUNDRED:
        raise InvalidInput("a discount percent is between 0 and 100", field=field)


def _check_amount(amount: Decimal, *, field: str, currency: str, most: Decimal) -> None:
    if amount < 0:
        raise InvalidInput("a discount cannot be negative", field=field)
    if round_money(amount, currency=currency) != amount:
        raise InvalidInput(
            f"a discount amount has at most the currency's decimal places ({currency})",
            field=field,
        )
    if amount > most:
        raise InvalidInput(
            "a discount cannot be more than what it is taken off",
            field=field,
            discount=str(amount),
            most=str(most),
        )


def check_discount_fields(sale: SaleInput) -> None:
    """At most one way of discounting a line, and of discounting the sale."""
    for index, line in enumerate(sale.lines):
        given = [
            name
            for name in ("price", "discount", "discount_percent", "discount_amount")
            if getattr(line, name) is not None
        ]
        if len(given) > 1 and not (given == ["price", "discount"]):
            raise InvalidInput(
                f"a line is discounted one way: {' or '.join(given)}, not both",
                field=line_field(index, given[-1]),
            )
        if line.tax is not None and (line.discount_percent or line.discount_amount):
            raise InvalidInput(
                "a line sent with its unit tax is sold at the price sent: send that price",
                field=line_field(index, "discount_percent"),
            )
        if line.discount is not None and line.discount < 0:
            raise InvalidInput("a discount cannot be negative", field=line_field(index, "discount"))
    if sale.discount_percent is not None and sale.discount_amount is not None:
        raise InvalidInput(
            "a sale is discounted by a percent or an amount, not both", field="discount_amount"
        )
    if (sale.discount_percent or sale.discount_amount) and any(
        line.tax is not None for line in sale.lines
    ):
        raise InvalidInput(
            "a sale discount is spread over lines priced here: send the lines without their"
            " unit tax",
            field="discount_amount",
        )


def line_discount(line: LineInput, *, index: int, before: Decimal, currency: str) -> Decimal:
    """The line's own discount off `before` (the line at its price, store's mode)."""
    if line.discount_percent is not None:
        field = line_field(index, "discount_percent")
        _check_percent(line.discount_percent, field=field)
        return round_money(before * line.discount_percent / HUNDRED, currency=currency)
    if line.discount_amount is not None:
        _check_amount(
            line.discount_amount,
            field=line_field(index, "discount_amount"),
            currency=currency,
            most=before,
        )
        return line.discount_amount
    return ZERO


def spread_sale_discount(
    sale: SaleInput, *, line_amounts: Sequence[Decimal], currency: str
) -> list[Decimal]:
    """Each line's share of the whole-sale discount, in proportion to `line_amounts` (each
    line after its own discount); the shares add up to the sale discount exactly."""
    total = sum(line_amounts, ZERO)
    if sale.discount_percent is not None:
        _check_percent(sale.discount_percent, field="discount_percent")
        discount = round_money(total * sale.discount_percent / HUNDRED, currency=currency)
    elif sale.discount_amount is not None:
        _check_amount(sale.discount_amount, field="discount_amount", currency=currency, most=total)
        discount = sale.discount_amount
    else:
        discount = ZERO
    if not discount:
        return [ZERO] * len(line_amounts)
    return allocate(discount, line_amounts, quantum=currency_quantum(currency))


def percent_off(*, listed: Decimal, sold: Decimal) -> Decimal:
    """The discount as a percent of the list amount, to 2 places (0 for a free line list)."""
    if listed <= 0:
        return ZERO
    return ((listed - sold) * HUNDRED / listed).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)


def beyond_limit(*, listed: Decimal, sold: Decimal, limit: Decimal) -> bool:
    """Whether what is given off `listed` is more than `limit` percent of it (exactly, not
    on the rounded percent: 10.004 % is beyond a 10 % limit)."""
    return (listed - sold) * HUNDRED > limit * listed


class DiscountOverLimit(PermissionDenied):
    """A discount beyond the cashier's limit, without approval nor the permission."""

    def __init__(self, *, index: int, percent: Decimal, limit: Decimal) -> None:
        super().__init__(
            f"a discount of {percent} % is beyond the cashier's limit of {limit} %: it needs a"
            " manager's approval (discount_approval_id) or the sales:discount_over_limit"
            " permission",
            field=line_field(index, "discount"),
            percent=str(percent),
            limit=str(limit),
        )


class ApprovalTooSmall(PermissionDenied):
    def __init__(self, *, index: int, percent: Decimal, approved: Decimal) -> None:
        super().__init__(
            f"the manager approved a discount of up to {approved} %, not {percent} %",
            field=line_field(index, "discount"),
            percent=str(percent),
            approved=str(approved),
        )


def discount_shown(
    *,
    list_price: Decimal | None,
    tax_rate: Decimal,
    quantity: Decimal,
    sold: Decimal,
    tax_exclusive: bool,
    currency: str,
) -> Decimal:
    """A recorded line's discount in the store's mode, for a receipt: with tax in a
    tax-inclusive store (the list price with tax, times the quantity, less what was paid),
    excluding tax otherwise. `sold` is the line's total in the same mode."""
    if list_price is None:
        return ZERO
    unit = list_price if tax_exclusive else round_unit(list_price * (1 + tax_rate))
    return max(round_money(unit * quantity, currency=currency) - sold, ZERO)
