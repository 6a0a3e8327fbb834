"""Recording a sale, step 2: price it (pure: no database, no clock).

Each line is priced by `core.tax` in the store's mode; the payments are checked against
the total and any change handed back in cash is added as a negative cash payment.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.core.money import ZERO, round_money
from comptoir.core.tax import LineAmounts, SaleAmounts, price_line, total_sale
from comptoir.sales.errors import ChangeWithoutCash, PaymentShortfall
from comptoir.sales.inputs import LineInput, PaymentInput, SaleInput
from comptoir.sales.lookup import SaleContext
from comptoir.store import service as store
from comptoir.store.models import PaymentKind, PaymentType, Tax


@dataclass(frozen=True, kw_only=True)
class PricedLine:
    line: LineInput
    product: Product
    tax: Tax | None
    amounts: LineAmounts
    cost_total: Decimal


@dataclass(frozen=True, kw_only=True)
class PricedSale:
    lines: tuple[PricedLine, ...]
    totals: SaleAmounts
    total_cost: Decimal
    # What was tendered, then any change handed back (a negative cash amount).
    payments: tuple[tuple[PaymentType, Decimal], ...]


def price_sale(*, sale: SaleInput, context: SaleContext) -> PricedSale:
    currency = context.currency
    lines = tuple(
        _price_line(line, context.products[line.product_id], tax, context=context)
        for line, tax in zip(sale.lines, context.line_taxes, strict=True)
    )
    totals = total_sale(priced.amounts for priced in lines)
    payments = settle_payments(
        sale.payments, context.payment_types, total=totals.gross, currency=currency
    )
    return PricedSale(
        lines=lines,
        totals=totals,
        total_cost=sum((priced.cost_total for priced in lines), ZERO),
        payments=tuple(payments),
    )


def _price_line(
    line: LineInput, product: Product, tax: Tax | None, *, context: SaleContext
) -> PricedLine:
    currency = context.currency
    rates = store.rates_of(tax)
    if line.price is None:
        unit = product.price_excluding_tax if context.tax_exclusive else product.price_including_tax
    elif context.tax_exclusive:
        unit = line.price
    elif line.tax is not None:
        unit = line.price + line.tax
    else:
        unit = price_line(
            unit_price=line.price,
            quantity=Decimal(1),
            rates=rates,
            tax_inclusive=False,
            currency=currency,
        ).unit_price_including_tax
    amounts = price_line(
        unit_price=unit,
        quantity=line.quantity,
        rates=rates,
        tax_inclusive=not context.tax_exclusive,
        currency=currency,
    )
    return PricedLine(
        line=line,
        product=product,
        tax=tax,
        amounts=amounts,
        cost_total=round_money(product.supply_price * line.quantity, currency=currency),
    )


def settle_payments(
    payments: Sequence[PaymentInput],
    types: dict[uuid.UUID, PaymentType],
    *,
    total: Decimal,
    currency: str,
) -> list[tuple[PaymentType, Decimal]]:
    """The payments to record: what was tendered, then any change handed back in cash."""
    settled: list[tuple[PaymentType, Decimal]] = []
    for index, payment in enumerate(payments):
        if payment.amount <= 0:
            raise InvalidInput(
                "payment amounts must be positive",
                field=f"register_sale_payments[{index}].amount",
            )
        if round_money(payment.amount, currency=currency) != payment.amount:
            raise InvalidInput(
                f"payment amounts have at most the currency's decimal places ({currency})",
                field=f"register_sale_payments[{index}].amount",
            )
        settled.append((types[payment.payment_type_id], payment.amount))
    paid = sum((amount for _, amount in settled), ZERO)
    if paid < total:
        raise PaymentShortfall(total=total, paid=paid)
    excess = paid - total
    if excess > 0:
        cash = [(t, a) for t, a in settled if t.type_id == PaymentKind.CASH]
        tendered = sum((a for _, a in cash), ZERO)
        if tendered < excess:
            raise ChangeWithoutCash(excess=excess, cash=tendered)
        settled.append((cash[-1][0], -excess))
    return settled
