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
from dataclasses import dataclass, replace
from decimal import Decimal

from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.core.money import ZERO, round_money, round_to_increment, round_unit
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
from comptoir.sales.discounts import (
    ApprovalTooSmall,
    DiscountOverLimit,
    amount_in_mode,
    beyond_limit,
    check_discount_fields,
    line_discount,
    percent_off,
    spread_sale_discount,
)
from comptoir.sales.errors import (
    ChangeWithoutCash,
    PaymentShortfall,
    PriceOverrideNotAllowed,
    UnitTaxMismatch,
    UnitTaxWithoutPrice,
)
from comptoir.sales.inputs import LineInput, PaymentInput, SaleInput, SaleRights, line_field
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
    # The line at its list price (the catalog's, or a higher one a manager set).
    list_amounts: LineAmounts | None = None
    price_set: bool = False
    discount_percent: Decimal = ZERO
    # A manager approved this line's discount (beyond the cashier's limit).
    approved_by: uuid.UUID | None = None

    @property
    def discount_total(self) -> Decimal:
        """The discount excluding tax (X-Series `discount_total`)."""
        return self.list_amounts.net - self.amounts.net if self.list_amounts else ZERO

    @property
    def unit_discount(self) -> Decimal:
        """X-Series `discount`: the unit discount excluding tax."""
        if self.list_amounts is None:
            return ZERO
        listed = self.list_amounts.unit_price_excluding_tax
        return max(listed - self.amounts.unit_price_excluding_tax, ZERO)


@dataclass(frozen=True, kw_only=True)
class PricedSale:
    lines: tuple[PricedLine, ...]
    totals: SaleAmounts
    total_cost: Decimal
    # What was tendered, then any change handed back (a negative cash amount).
    payments: tuple[tuple[PaymentType, Decimal], ...]
    # Cash rounding: what the customer pays minus the sale's total.
    rounding_adjustment: Decimal = ZERO
    # The approval this sale uses (marked used when the sale is written).
    approval_id: uuid.UUID | None = None

    @property
    def total_discount(self) -> Decimal:
        return sum((line.discount_total for line in self.lines), ZERO)


def price_sale(
    *, sale: SaleInput, context: SaleContext, rights: SaleRights, partial: bool = False
) -> PricedSale:
    """The sale's amounts and payments. A line above the catalog's price or at another tax
    needs `rights.override_prices`; a discount beyond the cashier's limit needs
    `rights.discount_over_limit` or the manager's approval the context carries. `partial`:
    payments may fall short of the total (a layby's deposit, an on-account sale)."""
    check_discount_fields(sale)
    lines = tuple(
        _price_line(index, line, context.products[line.product_id], tax, context=context)
        for index, (line, tax) in enumerate(zip(sale.lines, context.line_taxes, strict=True))
    )
    if not rights.override_prices:
        _refuse_overrides(lines, context=context)
    lines = _discount_lines(sale, lines, context=context)
    lines, approval_id = _check_discount_limit(lines, context=context, rights=rights)
    totals = total_sale(priced.amounts for priced in lines)
    adjustment = cash_rounding(
        sale.payments,
        context.payment_types,
        total=totals.gross,
        increment=context.cash_rounding_increment,
    )
    payments = settle_payments(
        sale.payments,
        context.payment_types,
        total=totals.gross + adjustment,
        currency=context.currency,
        partial=partial,
    )
    return PricedSale(
        lines=lines,
        totals=totals,
        total_cost=sum((priced.cost_total for priced in lines), ZERO),
        payments=tuple(payments),
        rounding_adjustment=adjustment,
        approval_id=approval_id,
    )


def _catalog_unit_price(product: Product, *, context: SaleContext) -> Decimal:
    return product.price_excluding_tax if context.tax_exclusive else product.price_including_tax


def _price_line(
    index: int, line: LineInput, product: Product, tax: Tax | None, *, context: SaleContext
) -> PricedLine:
    """The line at the price it is sold at, before the till's discounts (`_discount_lines`),
    and at its list price."""
    currency = context.currency
    rates = store.rates_of(tax)
    catalog = _catalog_unit_price(product, context=context)
    sold = _unit_price(index, line, product, rates, context=context)
    listed = max(sold, catalog) if line.tax is None else catalog

    def at(unit_price: Decimal) -> LineAmounts:
        return price_line(
            unit_price=unit_price,
            quantity=line.quantity,
            rates=rates,
            tax_inclusive=not context.tax_exclusive,
            currency=currency,
        )

    if line.tax is not None:
        amounts = _as_sent(index, line, tax, rates, context=context)
    else:
        amounts = at(sold)
    list_amounts = at(listed)
    if _in_mode(amounts, context) > _in_mode(list_amounts, context):
        # Sent with its tax above the catalog's price: the list price is what was sent.
        list_amounts = amounts
    return PricedLine(
        line=line,
        product=product,
        tax=tax,
        amounts=amounts,
        cost_total=round_money(product.supply_price * line.quantity, currency=currency),
        list_amounts=list_amounts,
        price_set=line.price is not None or line.discount is not None,
    )


def _in_mode(amounts: LineAmounts, context: SaleContext) -> Decimal:
    return amount_in_mode(amounts, tax_exclusive=context.tax_exclusive)


def _discount_lines(
    sale: SaleInput, lines: Sequence[PricedLine], *, context: SaleContext
) -> tuple[PricedLine, ...]:
    """Each line's own discount, then its share of the sale's, taken off its total before
    its tax is computed."""
    currency = context.currency
    own = [
        line_discount(
            priced.line, index=index, before=_in_mode(priced.amounts, context), currency=currency
        )
        for index, priced in enumerate(lines)
    ]
    shares = spread_sale_discount(
        sale,
        line_amounts=[
            _in_mode(priced.amounts, context) - mine
            for priced, mine in zip(lines, own, strict=True)
        ],
        currency=currency,
    )
    discounted = []
    for priced, mine, share in zip(lines, own, shares, strict=True):
        amounts = priced.amounts
        if mine + share:
            amounts = price_line(
                unit_price=_in_mode_unit(amounts, context),
                quantity=priced.line.quantity,
                rates=store.rates_of(priced.tax),
                tax_inclusive=not context.tax_exclusive,
                currency=currency,
                discount=mine + share,
            )
        assert priced.list_amounts is not None
        percent = percent_off(
            listed=_in_mode(priced.list_amounts, context), sold=_in_mode(amounts, context)
        )
        discounted.append(replace(priced, amounts=amounts, discount_percent=percent))
    return tuple(discounted)


def _in_mode_unit(amounts: LineAmounts, context: SaleContext) -> Decimal:
    if context.tax_exclusive:
        return amounts.unit_price_excluding_tax
    return amounts.unit_price_including_tax


def _check_discount_limit(
    lines: Sequence[PricedLine], *, context: SaleContext, rights: SaleRights
) -> tuple[tuple[PricedLine, ...], uuid.UUID | None]:
    """Lines discounted beyond the cashier's limit need the permission (the seller then
    approves them) or the manager's approval, large enough; the sale uses that approval."""
    limit = context.discount_limit
    beyond = [
        index
        for index, priced in enumerate(lines)
        if priced.list_amounts is not None
        and beyond_limit(
            listed=_in_mode(priced.list_amounts, context),
            sold=_in_mode(priced.amounts, context),
            limit=limit,
        )
    ]
    if not beyond:
        return tuple(lines), None
    approval = context.approval
    if rights.discount_over_limit:
        approver, approval_id = context.seller_id, None
    elif approval is None:
        worst = max(beyond, key=lambda i: lines[i].discount_percent)
        raise DiscountOverLimit(index=worst, percent=lines[worst].discount_percent, limit=limit)
    else:
        for index in beyond:
            if lines[index].discount_percent > approval.max_percent:
                raise ApprovalTooSmall(
                    index=index,
                    percent=lines[index].discount_percent,
                    approved=approval.max_percent,
                )
        approver, approval_id = approval.approver_id, approval.id
    approved = tuple(
        replace(priced, approved_by=approver) if index in beyond else priced
        for index, priced in enumerate(lines)
    )
    return approved, approval_id


def _refuse_overrides(lines: Sequence[PricedLine], *, context: SaleContext) -> None:
    """A register (or a client) may send a line's price and tax; a cashier's may not be
    above the catalog's (below it is a discount, `_check_discount_limit`), nor at another
    tax, or a token would sell at a reduced VAT rate."""
    for index, (priced, catalog_tax_id) in enumerate(
        zip(lines, context.catalog_tax_ids, strict=True)
    ):
        line, product = priced.line, priced.product
        if line.tax_id is not None and line.tax_id != catalog_tax_id:
            raise PriceOverrideNotAllowed(index=index)
        if line.price is None:
            continue
        sold = _in_mode_unit(priced.amounts, context)
        listed = _catalog_unit_price(product, context=context)
        currency = context.currency
        if round_money(sold, currency=currency) > round_money(listed, currency=currency):
            raise PriceOverrideNotAllowed(index=index)


def _unit_price(
    index: int, line: LineInput, product: Product, rates: Sequence[Rate], *, context: SaleContext
) -> Decimal:
    """The unit price in the store's mode (with tax in a tax-inclusive store): the catalog's,
    or the one sent, which X-Series sends excluding tax."""
    price = line.price
    if price is None and line.discount is not None:
        price = product.price_excluding_tax - line.discount
        if price < 0:
            raise InvalidInput(
                "a unit discount cannot be more than the price",
                field=line_field(index, "discount"),
            )
    if price is None:
        return _catalog_unit_price(product, context=context)
    if context.tax_exclusive:
        return price
    return price_including_tax(price, rates)


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


def cash_rounding(
    payments: Sequence[PaymentInput],
    types: dict[uuid.UUID, PaymentType],
    *,
    total: Decimal,
    increment: Decimal | None,
) -> Decimal:
    """The cash rounding line: with a store increment (0.05) and cash among the payments,
    what is left to pay in cash once the other tenders are counted is rounded to it. Cards
    pay to the cent; a sale with no cash is not rounded."""
    if not increment:
        return ZERO
    cash = [p for p in payments if types[p.payment_type_id].type_id == PaymentKind.CASH]
    if not cash:
        return ZERO
    other = sum(
        (p.amount for p in payments if types[p.payment_type_id].type_id != PaymentKind.CASH),
        ZERO,
    )
    due_in_cash = total - other
    if due_in_cash <= 0:
        return ZERO
    return round_to_increment(due_in_cash, increment=increment) - due_in_cash
