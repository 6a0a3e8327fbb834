"""The payloads of the register chains' entries: pure functions of what a use case wrote
(plain dicts of ids and amounts, never a name, an email or a note someone typed: DESIGN.md
rule 11), in the shared schema the closings and the verifier sum without knowing the kind
(`totals` by VAT rate, `payments`, `cash`, `ticket`). Which kinds count in the sales figures,
and when: docs/fiscal-records.md.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from comptoir.fiscal.models import FiscalEntry
from comptoir.sales.lifecycle import (
    CLOSED,
    LAYBY,
    LAYBY_CLOSED,
    ONACCOUNT,
    ONACCOUNT_CLOSED,
)
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.store.models import PaymentKind

SCHEMA = 1
CENT = Decimal("0.01")

SALE = "sale"
RETURN = "return"
VOID = "void"
LAYBY_KIND = "layby"
LAYBY_PAYMENT = "layby.payment"
ACCOUNT_PAYMENT = "account.payment"
REPRINT = "receipt.reprint"
CASH_MOVEMENT = "cash.movement"
REGISTER_OPEN = "register.open"
REGISTER_CLOSURE = "register.closure"
# The kinds whose entry is the customer's receipt: the receipt shows that entry's stamp.
RECEIPT_KINDS = (SALE, RETURN, LAYBY_KIND)
# Statuses whose sale figures are in the journal (see docs/fiscal-records.md): a void of a
# sale in one of these negates its figures; an open layby's are not counted yet.
COUNTED_STATUSES = frozenset({CLOSED, ONACCOUNT, ONACCOUNT_CLOSED, LAYBY_CLOSED})


class CashMovement(Protocol):
    """registers' cash movement (sales may not import registers, even through fiscal)."""

    id: uuid.UUID
    session_id: uuid.UUID
    register_id: uuid.UUID
    kind: str
    amount: Decimal
    user_id: uuid.UUID


class ClosureCount(Protocol):
    payment_type_id: uuid.UUID
    type_id: int
    expected: Decimal
    counted: Decimal
    difference: Decimal


class RegisterSession(Protocol):
    """registers' session: opened, and closed with its counts."""

    id: uuid.UUID
    register_id: uuid.UUID
    sequence: int
    opened_at: datetime
    opened_by: uuid.UUID
    opening_float: Decimal
    closed_by: uuid.UUID | None
    closure_figures: dict[str, Any] | None

    @property
    def counts(self) -> Sequence[ClosureCount]: ...


# Amounts ---------------------------------------------------------------------------------


def amount(value: Decimal) -> str:
    """A signed amount with 2 decimals, as every payload writes it (never "-0.00")."""
    quantized = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return format(quantized if quantized != 0 else CENT * 0, "f")


def rate_percent(rate: Decimal) -> str:
    """A tax rate (a fraction: 0.055) as the payload's percent with 2 decimals ("5.50")."""
    return amount(Decimal(rate) * 100)


def payment_kind(type_id: int) -> str:
    try:
        return PaymentKind(type_id).name
    except ValueError:
        return str(type_id)


def totals_of(lines: Iterable[SaleLine], *, sign: int = 1) -> dict[str, Any]:
    """The lines' totals incl. and excl. tax and their tax, in all and by rate (`sign` -1:
    negated, as a void writes what it cancels)."""
    by_rate: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for line in lines:
        sums = by_rate[rate_percent(line.tax_rate)]
        sums[0] += line.total
        sums[1] += line.price_total
        sums[2] += line.tax_total
    rows = [
        {
            "rate": rate,
            "incl": amount(sign * incl),
            "excl": amount(sign * excl),
            "tax": amount(sign * tax),
        }
        for rate, (incl, excl, tax) in sorted(by_rate.items())
    ]
    total = [sum((s[i] for s in by_rate.values()), Decimal(0)) for i in range(3)]
    return {
        "incl": amount(sign * total[0]),
        "excl": amount(sign * total[1]),
        "tax": amount(sign * total[2]),
        "by_rate": rows,
    }


def payments_of(payments: Iterable[SalePayment]) -> list[dict[str, str]]:
    """Money taken (+) or given back (-) per payment type; change is netted into cash."""
    net: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    kinds: dict[uuid.UUID, int] = {}
    for payment in payments:
        net[payment.payment_type_id] += payment.amount
        kinds.setdefault(payment.payment_type_id, payment.type_id)
    return [
        {
            "payment_type_id": str(type_id),
            "kind": payment_kind(kinds[type_id]),
            "amount": amount(total),
        }
        for type_id, total in sorted(net.items(), key=lambda item: str(item[0]))
        if total != 0
    ]


def _lines_of(sale: Sale) -> list[dict[str, str]]:
    return [
        {
            "line_id": str(line.id),
            "product_id": str(line.product_id),
            "quantity": format(line.quantity.normalize(), "f"),
            "rate": rate_percent(line.tax_rate),
            "incl": amount(line.total),
            "excl": amount(line.price_total),
            "tax": amount(line.tax_total),
        }
        for line in sale.lines
    ]


def _sale_ids(sale: Sale) -> dict[str, Any]:
    ids: dict[str, Any] = {
        "sale_id": str(sale.id),
        "invoice_number": sale.invoice_number,
        "invoice_sequence": sale.invoice_sequence,
        "currency": sale.currency,
        "user_id": str(sale.user_id),
    }
    if sale.customer_id is not None:
        ids["customer_id"] = str(sale.customer_id)
    return ids


# Payloads (pure) -------------------------------------------------------------------------


def sale_payload(sale: Sale) -> dict[str, Any]:
    """A completed sale (CLOSED), or an on-account one (its figures count when the goods
    leave; its later payments are `account.payment`s), or a layby paid in full at once."""
    payload = {
        "schema": SCHEMA,
        **_sale_ids(sale),
        "status": sale.status,
        "register_session_id": _text(sale.register_session_id),
        "lines": _lines_of(sale),
        "totals": totals_of(sale.lines),
        "payments": payments_of(sale.payments),
        "ticket": True,
    }
    if sale.rounding_adjustment:
        payload["rounding"] = amount(sale.rounding_adjustment)
    return payload


def return_payload(sale: Sale) -> dict[str, Any]:
    """A return or an exchange: its lines' figures (negative for what comes back) and the
    money refunded (-) or paid (+)."""
    payload = sale_payload(sale)
    payload["return_for"] = _text(sale.return_for)
    return payload


def layby_opened_payload(sale: Sale) -> dict[str, Any]:
    """A layby set aside: no sales figures yet (the goods stay until completion), its
    deposit as payments taken."""
    return {
        "schema": SCHEMA,
        **_sale_ids(sale),
        "event": "open",
        "status": sale.status,
        "register_session_id": _text(sale.register_session_id),
        "lines": _lines_of(sale),
        "due": amount(sale.total_price_incl),
        "payments": payments_of(sale.payments),
    }


def sale_payment_payload(sale: Sale, payment: SalePayment) -> dict[str, Any]:
    """A later payment on a layby or an on-account sale. The payment that completes a
    layby carries the layby's sales figures and is its ticket."""
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "sale_id": str(sale.id),
        "invoice_number": sale.invoice_number,
        "payment_id": str(payment.id),
        "register_session_id": _text(payment.register_session_id),
        "status": sale.status,
        "paid": amount(sale.total_payment),
        "due": amount(sale.total_price_incl),
        "payments": payments_of([payment]),
    }
    if sale.customer_id is not None:
        payload["customer_id"] = str(sale.customer_id)
    if sale.status == LAYBY_CLOSED:
        payload.update(
            event="complete",
            lines=_lines_of(sale),
            totals=totals_of(sale.lines),
            ticket=True,
            user_id=str(sale.user_id),
            invoice_sequence=sale.invoice_sequence,
            currency=sale.currency,
        )
    return payload


def sale_payment_kind(sale: Sale) -> str:
    if sale.status == LAYBY_CLOSED:
        return LAYBY_KIND
    return LAYBY_PAYMENT if sale.status == LAYBY else ACCOUNT_PAYMENT


def void_payload(
    sale: Sale, *, voided_status: str, payments: Sequence[SalePayment]
) -> dict[str, Any]:
    """A void: the negation of the figures of what it voids (when they were counted) and the
    money given back (`payments`, the void's own). A layby voided while open is its
    cancellation: its deposits given back (or kept, or turned into store credit, by the
    store's rule), and no figures, since none were counted."""
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        **_sale_ids(sale),
        "voided_status": voided_status,
        "payments": payments_of(payments),
    }
    if sale.return_for is not None:
        payload["return_for"] = str(sale.return_for)
    if voided_status in COUNTED_STATUSES:
        payload["totals"] = totals_of(sale.lines, sign=-1)
    else:
        payload["event"] = "cancel"
    return payload


def void_kind(voided_status: str) -> str:
    return VOID if voided_status in COUNTED_STATUSES else LAYBY_KIND


def account_payment_payload(
    *,
    customer_id: uuid.UUID,
    payment_type_id: uuid.UUID,
    type_id: int,
    paid: Decimal,
    client_id: str,
) -> dict[str, Any]:
    """A payment of a customer's balance that no open sale takes (a balance brought in)."""
    return {
        "schema": SCHEMA,
        "customer_id": str(customer_id),
        "client_id": client_id,
        "payments": [
            {
                "payment_type_id": str(payment_type_id),
                "kind": payment_kind(type_id),
                "amount": amount(paid),
            }
        ],
    }


def reprint_payload(sale: Sale, *, duplicate: int, original: FiscalEntry | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "sale_id": str(sale.id),
        "invoice_number": sale.invoice_number,
        "duplicate": duplicate,
        "original_sequence": original.sequence if original else None,
        "original_signature": original.signature if original else None,
    }


def cash_movement_payload(movement: CashMovement) -> dict[str, Any]:
    """Cash put in or taken out: its signed effect on the drawer (its note is free text
    someone typed: left out)."""
    sign = -1 if movement.kind.endswith("_OUT") else 1  # CASH_OUT, PETTY_CASH_OUT
    return {
        "schema": SCHEMA,
        "cash_movement_id": str(movement.id),
        "register_session_id": str(movement.session_id),
        "movement": movement.kind,
        "cash": amount(sign * movement.amount),
        "user_id": str(movement.user_id),
    }


def register_open_payload(opened: RegisterSession) -> dict[str, Any]:
    # The float is in the drawer already: not a cash movement ("cash") of the day.
    return {
        "schema": SCHEMA,
        "register_session_id": str(opened.id),
        "session_sequence": opened.sequence,
        "opening_float": amount(opened.opening_float),
        "user_id": str(opened.opened_by),
    }


def register_closure_payload(closed: RegisterSession) -> dict[str, Any]:
    """A closure's counts against what was expected per payment type (no notes)."""
    figures = closed.closure_figures or {}
    return {
        "schema": SCHEMA,
        "register_session_id": str(closed.id),
        "session_sequence": closed.sequence,
        "opened_at": closed.opened_at.isoformat(),
        "opening_float": amount(closed.opening_float),
        "cash_expected": amount(Decimal(str(figures.get("cash_expected", "0")))),
        "counts": [
            {
                "payment_type_id": str(c.payment_type_id),
                "kind": payment_kind(c.type_id),
                "expected": amount(c.expected),
                "counted": amount(c.counted),
                "difference": amount(c.difference),
            }
            for c in sorted(closed.counts, key=lambda c: str(c.payment_type_id))
        ],
        "user_id": _text(closed.closed_by),
    }


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)
