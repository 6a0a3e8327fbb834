"""The arithmetic of closings: summing the money fields of journal payloads.

Entries that carry money hold the generic keys of the payload schema (docs/fiscal.md):
"totals" ({"incl", "excl", "tax", "by_rate": [{"rate", "incl", "excl", "tax"}]}),
"payments" ([{"payment_type_id", "kind", "amount"}]) and "ticket" (true for a receipt).
A closing sums them without knowing the entry's kind; the verifier sums them again and
compares. Both use this module, so they cannot disagree on the arithmetic.

Amounts are strings with 2 decimals in payloads and `Decimal` here. Pure functions and a
small mutable accumulator (a million entries are summed without a new object per entry).
Comparisons are by value: a rate or payment type whose sum is zero is the same as one
that is absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The payload keys a closing sums.
TOTALS = "totals"
PAYMENTS = "payments"
TICKET = "ticket"


def amount(text: Any) -> Decimal:
    """A payload amount (a string such as "-8.90") as a Decimal."""
    if type(text) is str:  # the usual case, first: a million entries are summed
        return Decimal(text)
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValueError(f"{text!r} is not an amount")
    return Decimal(text)


def money_text(value: Decimal) -> str:
    """A Decimal as a payload amount: 2 decimals, signed, never "-0.00"."""
    quantized = value.quantize(CENT)
    if quantized == 0:
        quantized = ZERO
    return format(quantized, "f")


@dataclass
class RateTotals:
    incl: Decimal = ZERO
    excl: Decimal = ZERO
    tax: Decimal = ZERO

    def is_zero(self) -> bool:
        return self.incl == 0 and self.excl == 0 and self.tax == 0


@dataclass
class Totals:
    """Totals incl. and excl. tax, tax, and the same by VAT rate (rate: "20.00")."""

    incl: Decimal = ZERO
    excl: Decimal = ZERO
    tax: Decimal = ZERO
    by_rate: dict[str, RateTotals] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any] | None) -> Totals:
        totals = cls()
        if data:
            totals.add_payload(data)
        return totals

    def add_payload(self, data: Mapping[str, Any], *, sign: int = 1) -> None:
        """Add a payload's "totals" (or subtract it with sign=-1)."""
        # The verifier runs this for a million entries: locals, no multiplication by +1.
        get = data.get
        negative = sign < 0
        incl, excl, tax = (
            amount(get("incl", "0")),
            amount(get("excl", "0")),
            amount(get("tax", "0")),
        )
        if negative:
            incl, excl, tax = -incl, -excl, -tax
        self.incl += incl
        self.excl += excl
        self.tax += tax
        by_rate = self.by_rate
        for row in get("by_rate") or ():
            rate = rate_text(row["rate"])
            bucket = by_rate.get(rate)
            if bucket is None:
                bucket = by_rate[rate] = RateTotals()
            row_get = row.get
            incl = amount(row_get("incl", "0"))
            excl = amount(row_get("excl", "0"))
            tax = amount(row_get("tax", "0"))
            if negative:
                incl, excl, tax = -incl, -excl, -tax
            bucket.incl += incl
            bucket.excl += excl
            bucket.tax += tax

    def add(self, other: Totals) -> None:
        self.incl += other.incl
        self.excl += other.excl
        self.tax += other.tax
        for rate, row in other.by_rate.items():
            bucket = self.by_rate.get(rate)
            if bucket is None:
                bucket = self.by_rate[rate] = RateTotals()
            bucket.incl += row.incl
            bucket.excl += row.excl
            bucket.tax += row.tax

    def copy(self) -> Totals:
        return Totals(
            self.incl,
            self.excl,
            self.tax,
            {rate: RateTotals(r.incl, r.excl, r.tax) for rate, r in self.by_rate.items()},
        )

    def to_payload(self) -> dict[str, Any]:
        """The payload form: amounts as strings, by_rate sorted by rate, zero rates left out."""
        return {
            "incl": money_text(self.incl),
            "excl": money_text(self.excl),
            "tax": money_text(self.tax),
            "by_rate": [
                {
                    "rate": rate,
                    "incl": money_text(row.incl),
                    "excl": money_text(row.excl),
                    "tax": money_text(row.tax),
                }
                for rate, row in sorted(self.by_rate.items())
                if not row.is_zero()
            ],
        }

    def same_as(self, other: Totals) -> bool:
        """Equal by value (a zero rate equals an absent one)."""
        return self.to_payload() == other.to_payload()


def rate_text(rate: Any) -> str:
    """A VAT rate as the payload writes it: percent with 2 decimals ("5.50")."""
    if type(rate) is str:
        known = _RATE_TEXTS.get(rate)
        if known is None:
            known = format(amount(rate).quantize(CENT), "f")
            if len(_RATE_TEXTS) < 1_000:  # a store has a handful of rates
                _RATE_TEXTS[rate] = known
        return known
    return format(amount(rate).quantize(CENT), "f")


_RATE_TEXTS: dict[str, str] = {}


def add_totals(*totals: Mapping[str, Any] | None) -> dict[str, Any]:
    """The sum of payload "totals" objects, in payload form."""
    result = Totals()
    for data in totals:
        if data:
            result.add_payload(data)
    return result.to_payload()


def sum_by_rate(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals of lines given as {"rate", "incl", "excl", "tax"} rows (e.g. a sale's lines),
    grouped by rate, in payload form."""
    result = Totals()
    for row in rows:
        result.add_payload(
            {
                "incl": row["incl"],
                "excl": row["excl"],
                "tax": row["tax"],
                "by_rate": [row],
            }
        )
    return result.to_payload()


@dataclass
class Payments:
    """Money taken (+) or given back (-) by payment type: id -> [kind, amount]."""

    by_type: dict[str, list[Any]] = field(default_factory=dict)

    def add_payload(self, rows: Iterable[Mapping[str, Any]] | None) -> None:
        for row in rows or ():
            type_id = str(row["payment_type_id"])
            bucket = self.by_type.get(type_id)
            if bucket is None:
                self.by_type[type_id] = [row.get("kind"), amount(row["amount"])]
            else:
                bucket[1] += amount(row["amount"])

    def add(self, other: Payments) -> None:
        for type_id, (kind, value) in other.by_type.items():
            bucket = self.by_type.get(type_id)
            if bucket is None:
                self.by_type[type_id] = [kind, value]
            else:
                bucket[1] += value

    def to_payload(self) -> list[dict[str, Any]]:
        """Sorted by payment type id, zero sums left out."""
        return [
            {"payment_type_id": type_id, "kind": kind, "amount": money_text(value)}
            for type_id, (kind, value) in sorted(self.by_type.items())
            if value != 0
        ]

    def same_as(self, other: Payments) -> bool:
        return self.to_payload() == other.to_payload()


@dataclass
class PeriodTotals:
    """What a closing sums over its period: totals, payments, tickets, and the sum of the
    absolute values of each entry's total incl. tax (for "perpetual_absolute")."""

    totals: Totals = field(default_factory=Totals)
    payments: Payments = field(default_factory=Payments)
    tickets: int = 0
    absolute_incl: Decimal = ZERO

    def add_entry(self, payload: Mapping[str, Any]) -> None:
        """Add an ordinary entry's money fields (any kind; those without money add nothing)."""
        totals = payload.get(TOTALS)
        if totals:
            self.totals.add_payload(totals)
            self.absolute_incl += abs(amount(totals.get("incl", "0")))
        payments = payload.get(PAYMENTS)
        if payments:
            self.payments.add_payload(payments)
        if payload.get(TICKET) is True:
            self.tickets += 1

    def add_closing(self, payload: Mapping[str, Any]) -> None:
        """Add a closing's period figures (a monthly closing sums its dailies' payloads)."""
        self.totals.add_payload(payload.get(TOTALS) or {})
        self.payments.add_payload(payload.get(PAYMENTS))
        self.tickets += int(payload.get("tickets") or 0)

    def differences(self, closing: Mapping[str, Any]) -> list[str]:
        """What a closing payload states differently from these sums ([] when it agrees)."""
        problems = []
        if not Totals.from_payload(closing.get(TOTALS)).same_as(self.totals):
            problems.append("totals")
        stated = Payments()
        stated.add_payload(closing.get(PAYMENTS))
        if not stated.same_as(self.payments):
            problems.append("payments")
        if int(closing.get("tickets") or 0) != self.tickets:
            problems.append("tickets")
        return problems


def perpetual_after(previous: Mapping[str, Any] | None, period: Totals) -> dict[str, Any]:
    """A closing's perpetual totals: the previous closing's perpetual plus the period's."""
    result = Totals.from_payload(previous)
    result.add(period)
    return result.to_payload()


def perpetual_absolute_after(
    previous: Mapping[str, Any] | None, period_absolute: Decimal
) -> dict[str, str]:
    """The previous "perpetual_absolute" plus the period's sum of absolute totals incl."""
    before = amount((previous or {}).get("incl", "0"))
    return {"incl": money_text(before + period_absolute)}
