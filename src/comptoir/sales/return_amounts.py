"""Returns, the pure part: what a returned quantity is worth and where its refund goes.

No database, no clock. A part of a line is valued by cumulative rounding: returning units
`before..after` of a line of `quantity` is worth round(total * after / quantity) -
round(total * before / quantity), so a line returned in any number of parts gives back
exactly what it cost, never a cent more or less.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.money import ZERO, allocate, currency_quantum, round_money
from comptoir.sales.models import SaleLine


def share_of(
    total: Decimal, *, before: Decimal, after: Decimal, quantity: Decimal, currency: str
) -> Decimal:
    """What units `before..after` of a line of `quantity` units are worth of `total`."""
    upto = round_money(total * after / quantity, currency=currency)
    until = round_money(total * before / quantity, currency=currency)
    return upto - until


def return_line(
    original: SaleLine,
    *,
    line_id: uuid.UUID,
    sale_id: uuid.UUID,
    sequence: int,
    before: Decimal,
    quantity: Decimal,
    reason: str | None,
    restock: bool,
    currency: str,
) -> SaleLine:
    """The negative line giving back `quantity` of `original`, of which `before` units had
    already been returned: the original's unit prices, taxes and discounts, pro rata."""
    after = before + quantity

    def part(total: Decimal) -> Decimal:
        return -share_of(
            total, before=before, after=after, quantity=original.quantity, currency=currency
        )

    gross, tax = part(original.total), part(original.tax_total)
    return SaleLine(
        id=line_id,
        sale_id=sale_id,
        sequence=sequence,
        product_id=original.product_id,
        name=original.name,
        sku=original.sku,
        handle=original.handle,
        quantity=-quantity,
        price=original.price,
        price_including_tax=original.price_including_tax,
        tax=original.tax,
        tax_id=original.tax_id,
        tax_name=original.tax_name,
        tax_rate=original.tax_rate,
        tax_components=_components(original.tax_components, tax, currency=currency),
        price_total=gross - tax,
        tax_total=tax,
        total=gross,
        cost=original.cost,
        cost_total=part(original.cost_total),
        is_return=True,
        list_price=original.list_price,
        discount=original.discount,
        discount_total=part(original.discount_total),
        discount_percent=original.discount_percent,
        discount_by=original.discount_by,
        discount_approved_by=original.discount_approved_by,
        price_set=original.price_set,
        return_for_line_id=original.id,
        return_reason=reason,
        restock=restock,
    )


def _components(
    components: Sequence[Mapping[str, Any]], tax: Decimal, *, currency: str
) -> list[dict[str, Any]]:
    """The line's tax by rate, `tax` spread over the original's rates exactly."""
    if not components:
        return []
    parts = allocate(
        tax,
        [Decimal(c["total_tax"]) for c in components],
        quantum=currency_quantum(currency),
    )
    return [{**c, "total_tax": str(amount)} for c, amount in zip(components, parts, strict=True)]


@dataclass(frozen=True, kw_only=True)
class TenderCap:
    """What one payment type of the original sale may still refund."""

    payment_type_id: uuid.UUID
    paid: Decimal
    refunded: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.paid - self.refunded, ZERO)


class RefundOverTender(InvalidInput):
    def __init__(self, *, payment_type_id: uuid.UUID, amount: Decimal, left: Decimal) -> None:
        super().__init__(
            N_("a refund cannot give back more on a tender than it paid on the original sale"),
            field="refunds",
            payment_type_id=str(payment_type_id),
            amount=str(amount),
            left=str(left),
        )


class RefundMismatch(InvalidInput):
    def __init__(self, *, due: Decimal, refunded: Decimal) -> None:
        super().__init__(
            N_("the refunds must add up to what the return gives back"),
            field="refunds",
            due=str(due),
            refunded=str(refunded),
        )


def tender_caps(
    *,
    paid: Sequence[tuple[uuid.UUID, Decimal]],
    refunded: Sequence[tuple[uuid.UUID, Decimal]],
) -> list[TenderCap]:
    """Per payment type of the original, in the order first paid: what it paid (change
    deducted) and what earlier returns refunded to it."""
    paid_by: dict[uuid.UUID, Decimal] = {}
    for type_id, amount in paid:
        paid_by[type_id] = paid_by.get(type_id, ZERO) + amount
    refunded_by: dict[uuid.UUID, Decimal] = {}
    for type_id, amount in refunded:
        refunded_by[type_id] = refunded_by.get(type_id, ZERO) + amount
    return [
        TenderCap(payment_type_id=t, paid=amount, refunded=refunded_by.get(t, ZERO))
        for t, amount in paid_by.items()
    ]


def refund_to_tenders(due: Decimal, caps: Sequence[TenderCap]) -> list[tuple[uuid.UUID, Decimal]]:
    """`due` refunded to the original tenders, each up to what it has left, in the order
    they were paid. Raises RefundMismatch when the tenders cannot take it all."""
    refunds: list[tuple[uuid.UUID, Decimal]] = []
    remaining = due
    for cap in caps:
        if remaining <= 0:
            break
        amount = min(cap.left, remaining)
        if amount > 0:
            refunds.append((cap.payment_type_id, amount))
            remaining -= amount
    if remaining > 0:
        raise RefundMismatch(due=due, refunded=due - remaining)
    return refunds


def check_chosen_refunds(
    refunds: Sequence[tuple[uuid.UUID, Decimal]],
    *,
    due: Decimal,
    caps: Sequence[TenderCap] | None,
    currency: str,
) -> None:
    """Refunds chosen by the cashier: positive, in cents, adding up to `due`, each within
    what its tender has left (`caps` None: a return without receipt, no original tenders)."""
    total = ZERO
    by_type: dict[uuid.UUID, Decimal] = {}
    for type_id, amount in refunds:
        if amount <= 0 or round_money(amount, currency=currency) != amount:
            raise InvalidInput("refund amounts are positive amounts in cents", field="refunds")
        total += amount
        by_type[type_id] = by_type.get(type_id, ZERO) + amount
    if total != due:
        raise RefundMismatch(due=due, refunded=total)
    if caps is None:
        return
    left = {cap.payment_type_id: cap.left for cap in caps}
    for type_id, amount in by_type.items():
        if amount > left.get(type_id, ZERO):
            raise RefundOverTender(
                payment_type_id=type_id, amount=amount, left=left.get(type_id, ZERO)
            )
