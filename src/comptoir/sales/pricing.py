"""Recording a sale, step 2: price it (pure: no database, no clock).

Each line is priced by `core.tax` in the store's mode: from the catalog price, or from the
unit price the register sent (excluding tax, as X-Series sends it). A line sent with its
unit tax keeps that tax when it is what the line's rate gives, and is refused otherwise.
The payments are checked against the total; change handed back in cash is added as a
negative cash payment.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.core.money import ZERO, round_money, round_unit
from comptoir.core.tax import (
    LineAmounts,
    Rate,
    SaleAmounts,
    combined_rate,
    price_including_tax,
    price_line,
    price_line_as_sent,
    total_sale,
    unit_tax_matches,
)
from comptoir.sales.errors import (
    ChangeWithoutCash,
    PaymentShortfall,
    PriceOverrideNotAllowed,
    UnitTaxMismatch,
    UnitTaxWithoutPrice,
)
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


def price_sale(
    *, sale: SaleInput, context: SaleContext, may_override: bool, partial: bool = False
) -> PricedSale:
    """The sale's amounts and payments. A line at another price or tax than the catalog's
    needs `may_override` (the seller's `sales:price_override`), else nothing is recorded."""
    currency = context.currency
    lines = tuple(
        _price_line(index, line, context.products[line.product_id], tax, context=context)
        for index, (line, tax) in enumerate(zip(sale.lines, context.line_taxes, strict=True))
    )
    if not may_override:
        _refuse_overrides(lines, context=context)
    totals = total_sale(priced.amounts for priced in lines)
    payments = settle_payments(
        sale.payments,
        context.payment_types,
        total=totals.gross,
        currency=currency,
        partial=partial,
    )
    return PricedSale(
        lines=lines,
        totals=totals,
        total_cost=sum((priced.cost_total for priced in lines), ZERO),
        payments=tuple(payments),
    )


def _price_line(
    index: int, line: LineInput, product: Product, tax: Tax | None, *, context: SaleContext
) -> PricedLine:
    currency = context.currency
    rates = store.rates_of(tax)
    if line.tax is not None:
        amounts = _as_sent(index, line, tax, rates, context=context)
    else:
        amounts = price_line(
            unit_price=_unit_price(line, product, rates, context=context),
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


def _refuse_overrides(lines: Sequence[PricedLine], *, context: SaleContext) -> None:
    """A register (or a client) may send a line's price and tax; a cashier's must be the
    catalog's, to the cent, or a token would sell at any price or at a reduced VAT rate."""
    for index, (priced, catalog_tax_id) in enumerate(
        zip(lines, context.catalog_tax_ids, strict=True)
    ):
        line, product = priced.line, priced.product
        if line.tax_id is not None and line.tax_id != catalog_tax_id:
            raise PriceOverrideNotAllowed(index=index)
        if line.price is None:
            continue
        if context.tax_exclusive:
            sold, listed = priced.amounts.unit_price_excluding_tax, product.price_excluding_tax
        else:
            sold, listed = priced.amounts.unit_price_including_tax, product.price_including_tax
        currency = context.currency
        if round_money(sold, currency=currency) != round_money(listed, currency=currency):
            raise PriceOverrideNotAllowed(index=index)


def _unit_price(
    line: LineInput, product: Product, rates: Sequence[Rate], *, context: SaleContext
) -> Decimal:
    """The unit price in the store's mode (with tax in a tax-inclusive store): the catalog's,
    or the one sent, which X-Series sends excluding tax."""
    if line.price is None:
        return product.price_excluding_tax if context.tax_exclusive else product.price_including_tax
    if context.tax_exclusive:
        return line.price
    return price_including_tax(line.price, rates)


def _as_sent(
    index: int, line: LineInput, tax: Tax | None, rates: Sequence[Rate], *, context: SaleContext
) -> LineAmounts:
    """A line sent with its unit tax keeps it, and its price, exactly, when that tax is what
    the line's rate gives on the price; otherwise the sale is refused, never repriced."""
    assert line.tax is not None
    if line.price is None:
        raise UnitTaxWithoutPrice(index=index)
    if not unit_tax_matches(
        unit_price_excluding_tax=line.price,
        unit_tax=line.tax,
        rates=rates,
        currency=context.currency,
    ):
        raise UnitTaxMismatch(
            index=index,
            price=line.price,
            tax=line.tax,
            expected=round_unit(line.price * combined_rate(rates)),
            tax_id=tax.id if tax else None,
            tax_name=tax.name if tax else None,
        )
    return price_line_as_sent(
        unit_price_excluding_tax=line.price,
        unit_tax=line.tax,
        quantity=line.quantity,
        rates=rates,
        tax_inclusive=not context.tax_exclusive,
        currency=context.currency,
    )


def settle_payments(
    payments: Sequence[PaymentInput],
    types: dict[uuid.UUID, PaymentType],
    *,
    total: Decimal,
    currency: str,
    partial: bool = False,
) -> list[tuple[PaymentType, Decimal]]:
    """The payments to record: what was tendered, then any change handed back in cash.
    `partial`: less than the total is accepted (a layby's deposit, an on-account sale)."""
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
    if paid < total and not partial:
        raise PaymentShortfall(total=total, paid=paid)
    excess = paid - total
    if excess > 0:
        cash = [(t, a) for t, a in settled if t.type_id == PaymentKind.CASH]
        tendered = sum((a for _, a in cash), ZERO)
        if tendered < excess:
            raise ChangeWithoutCash(excess=excess, cash=tendered)
        settled.append((cash[-1][0], -excess))
    return settled
