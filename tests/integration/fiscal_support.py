"""Journal entries crafted with the payload schema (docs/fiscal.md), for the closings and
archive tests: a sale, a return, a cash movement, appended as the recording hooks do."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from comptoir.core.db import Database
from comptoir.fiscal.journal import append_entry
from comptoir.fiscal.models import FiscalEntry, register_chain

CASH_TYPE = "00000000-0000-4000-8000-000000000001"
CARD_TYPE = "00000000-0000-4000-8000-000000000003"
CENT = Decimal("0.01")


def split(incl: Decimal, rate: str) -> dict[str, str]:
    """An amount incl. tax split at `rate` percent, as a sale line's tax would be."""
    excl = (incl / (1 + Decimal(rate) / 100)).quantize(CENT)
    return {"rate": rate, "incl": f"{incl:.2f}", "excl": f"{excl:.2f}", "tax": f"{incl - excl:.2f}"}


def money_payload(
    lines: list[tuple[str, str]], *, payment: str = CASH_TYPE, ticket: bool = True
) -> dict[str, Any]:
    """A sale (positive amounts) or a return (negative): lines of (amount incl., rate)."""
    by_rate: dict[str, dict[str, Decimal]] = {}
    for incl, rate in lines:
        row = split(Decimal(incl), rate)
        bucket = by_rate.setdefault(
            rate, {"incl": Decimal(0), "excl": Decimal(0), "tax": Decimal(0)}
        )
        for name in ("incl", "excl", "tax"):
            bucket[name] += Decimal(row[name])
    rows = [
        {"rate": rate, **{name: f"{value:.2f}" for name, value in sums.items()}}
        for rate, sums in sorted(by_rate.items())
    ]
    total = {
        name: f"{sum((Decimal(row[name]) for row in rows), Decimal(0)):.2f}"
        for name in ("incl", "excl", "tax")
    }
    kind = "CASH" if payment == CASH_TYPE else "CARD_EXTERNAL"
    return {
        "schema": 1,
        "totals": {**total, "by_rate": rows},
        "payments": [{"payment_type_id": payment, "kind": kind, "amount": total["incl"]}],
        "ticket": ticket,
    }


@dataclass
class Till:
    """One register's chain, fed day by day in an outlet's time zone."""

    db: Database
    time_zone: str = "Europe/Paris"
    register_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def chain(self) -> str:
        return register_chain(self.register_id)

    def append(
        self,
        day: date,
        kind: str,
        payload: dict[str, Any],
        *,
        recorded_at: datetime | None = None,
    ) -> FiscalEntry:
        with self.db.unit_of_work() as uow:
            entry = append_entry(
                uow.session,
                chain=self.chain,
                kind=kind,
                payload=payload,
                register_id=self.register_id,
                subject_id=uuid.uuid4(),
                business_day=day,
                time_zone=self.time_zone,
                recorded_at=recorded_at,
            )
            uow.commit()
        return entry

    def sale(self, day: date, *lines: tuple[str, str], **options: Any) -> FiscalEntry:
        return self.append(day, "sale", money_payload(list(lines), **options))

    def entries(self, kind: str | None = None) -> list[FiscalEntry]:
        with self.db.read_sessions() as session:
            query = select(FiscalEntry).where(FiscalEntry.chain == self.chain)
            if kind is not None:
                query = query.where(FiscalEntry.kind == kind)
            return list(session.scalars(query.order_by(FiscalEntry.sequence)))

    def closings(self, level: str) -> list[dict[str, Any]]:
        return [json.loads(entry.payload) for entry in self.entries(f"closing.{level}")]
