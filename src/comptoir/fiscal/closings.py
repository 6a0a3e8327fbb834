"""Daily, monthly and annual closings of a register's chain, with perpetual totals.

`close_open_day` is called by the journal when a register's first entry of a later
business day arrives (and by `comptoir fiscal close` for idle registers), inside that
transaction, before the new entry takes its sequence number. It appends, each signed and
chained like any entry:

- `closing.daily` for the chain's open day: the entries since the previous closing
  (`first_sequence`..`last_sequence`), only when there are some;
- `closing.monthly` when the next day is in a later month: the daily closings since the
  previous monthly one;
- `closing.annual` when the next day is in a later fiscal year (the store's
  `fiscal_year_start_month`): the monthly closings since the previous annual one.

Each states its period's totals incl./excl. tax by VAT rate, payments by type and ticket
count, and the perpetual grand totals since the register's first entry: the previous
closing of the same level's, plus the period's. The arithmetic is `fiscal/totals.py`,
shared with the verifier. Closings are found through a partial index on the closing rows
(`ix_fiscal_entry_closings`), so a roll reads the day's entries and a few closings only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from comptoir.fiscal.models import CLOSINGS_PREDICATE, FiscalChain, FiscalEntry
from comptoir.fiscal.totals import (
    PeriodTotals,
    amount,
    perpetual_absolute_after,
    perpetual_after,
)

DAILY = "closing.daily"
MONTHLY = "closing.monthly"
ANNUAL = "closing.annual"
CLOSING_KINDS = (ANNUAL, DAILY, MONTHLY)
SCHEMA = 1
_BATCH = 500


@dataclass(frozen=True)
class PastClosing:
    sequence: int
    payload: dict[str, Any]


def is_closing(kind: str) -> bool:
    return kind in CLOSING_KINDS


def fiscal_year_start(day: date, start_month: int) -> int:
    """The calendar year in which the fiscal year holding `day` starts."""
    return day.year if day.month >= start_month else day.year - 1


def fiscal_year_label(start_year: int, start_month: int) -> str:
    """ "2026" for a calendar fiscal year; "2026-2027" for one that starts in another month."""
    return str(start_year) if start_month == 1 else f"{start_year}-{start_year + 1}"


def fiscal_year_start_month(session: Session) -> int:
    """The store's setting (1-12, January when the store is not set up)."""
    from comptoir.store.models import Retailer

    month = session.scalar(select(Retailer.fiscal_year_start_month).limit(1))
    return int(month) if month else 1


def close_open_day(session: Session, *, chain: FiscalChain, next_day: date) -> list[FiscalEntry]:
    """Append the closings that end with `chain.open_day` (daily; monthly and annual when
    `next_day` starts a new month or fiscal year). The chain's row is locked by the caller.

    A level is closed only when it covers something: a day without entries has no daily
    closing, and a month whose days were all rolled up already has no second monthly one
    (so an idle register closed by `comptoir fiscal close` is never closed twice).
    """
    if chain.open_day is None:
        return []
    open_day = date.fromisoformat(chain.open_day)
    appended: list[FiscalEntry] = []
    daily = _close_day(session, chain, open_day)
    if daily is not None:
        appended.append(daily)
    if (next_day.year, next_day.month) > (open_day.year, open_day.month):
        monthly = _roll_up(session, chain, level=MONTHLY, covers=DAILY, period=_month_of)
        if monthly is not None:
            appended.append(monthly)
        start_month = fiscal_year_start_month(session)
        if fiscal_year_start(next_day, start_month) > fiscal_year_start(open_day, start_month):

            def year_of(covered: PastClosing) -> str:
                month = date.fromisoformat(f"{covered.payload['period']}-01")
                return fiscal_year_label(fiscal_year_start(month, start_month), start_month)

            annual = _roll_up(session, chain, level=ANNUAL, covers=MONTHLY, period=year_of)
            if annual is not None:
                appended.append(annual)
    return appended


def _month_of(covered: PastClosing) -> str:
    return str(covered.payload["period"])[:7]


def _close_day(session: Session, chain: FiscalChain, day: date) -> FiscalEntry | None:
    last_closing = last_closing_of(session, chain.id, CLOSING_KINDS)
    first = (last_closing.sequence if last_closing else 0) + 1
    last = _head_sequence(session, chain.id)
    if last < first:
        return None
    sums = PeriodTotals()
    for kind, payload in _entries(session, chain.id, first, last):
        if not is_closing(kind):
            sums.add_entry(json.loads(payload))
    previous = last_closing_of(session, chain.id, (DAILY,))
    before = previous.payload if previous else {}
    period = day.isoformat()
    return _append_closing(
        session,
        chain,
        level="daily",
        period=period,
        first=first,
        last=last,
        sums=sums,
        perpetual=perpetual_after(before.get("perpetual"), sums.totals),
        perpetual_absolute=perpetual_absolute_after(
            before.get("perpetual_absolute"), sums.absolute_incl
        ),
    )


def _roll_up(
    session: Session,
    chain: FiscalChain,
    *,
    level: str,
    covers: str,
    period: Any,
) -> FiscalEntry | None:
    previous = last_closing_of(session, chain.id, (level,))
    covered = list(closings_after(session, chain.id, covers, previous.sequence if previous else 0))
    if not covered:
        return None
    sums = PeriodTotals()
    for closing in covered:
        sums.add_closing(closing.payload)
    before = previous.payload if previous else {}
    # The sum of absolute values at the period's end is its last covered closing's (each
    # closing's is since the register's first entry); the period's share is the difference.
    before_absolute = amount((before.get("perpetual_absolute") or {}).get("incl", "0"))
    end_absolute = amount(covered[-1].payload["perpetual_absolute"]["incl"])
    return _append_closing(
        session,
        chain,
        level=level.partition(".")[2],
        period=period(covered[-1]),
        first=covered[0].sequence,
        last=covered[-1].sequence,
        sums=sums,
        perpetual=perpetual_after(before.get("perpetual"), sums.totals),
        perpetual_absolute=perpetual_absolute_after(
            before.get("perpetual_absolute"), end_absolute - before_absolute
        ),
    )


def _append_closing(
    session: Session,
    chain: FiscalChain,
    *,
    level: str,
    period: str,
    first: int,
    last: int,
    sums: PeriodTotals,
    perpetual: dict[str, Any],
    perpetual_absolute: dict[str, str],
) -> FiscalEntry:
    from comptoir.fiscal.journal import append_entry

    payload = {
        "schema": SCHEMA,
        "level": level,
        "period": period,
        "register_id": str(chain.register_id) if chain.register_id else None,
        "time_zone": chain.time_zone,
        "first_sequence": first,
        "last_sequence": last,
        "totals": sums.totals.to_payload(),
        "payments": sums.payments.to_payload(),
        "tickets": sums.tickets,
        "perpetual": perpetual,
        "perpetual_absolute": perpetual_absolute,
    }
    return append_entry(
        session,
        chain=chain.id,
        kind=f"closing.{level}",
        payload=payload,
        register_id=chain.register_id,
        period=period,
    )


# Reading the chain ---------------------------------------------------------------------


def last_closing_of(session: Session, chain: str, kinds: Sequence[str]) -> PastClosing | None:
    """The chain's latest closing of one of `kinds`, through the closings' partial index."""
    row = session.execute(
        select(FiscalEntry.sequence, FiscalEntry.payload)
        .where(FiscalEntry.chain == chain, text(CLOSINGS_PREDICATE), FiscalEntry.kind.in_(kinds))
        .order_by(FiscalEntry.sequence.desc())
        .limit(1)
    ).first()
    return PastClosing(int(row[0]), json.loads(row[1])) if row else None


def closings_after(session: Session, chain: str, kind: str, after: int) -> Iterator[PastClosing]:
    """The chain's closings of `kind` after sequence `after`, in order."""
    rows = session.execute(
        select(FiscalEntry.sequence, FiscalEntry.payload)
        .where(
            FiscalEntry.chain == chain,
            text(CLOSINGS_PREDICATE),
            FiscalEntry.kind == kind,
            FiscalEntry.sequence > after,
        )
        .order_by(FiscalEntry.sequence)
    )
    for sequence, payload in rows:
        yield PastClosing(int(sequence), json.loads(payload))


def _entries(session: Session, chain: str, first: int, last: int) -> Iterator[tuple[str, str]]:
    """(kind, payload) of the chain's entries `first`..`last`, read by sequence ranges of
    the unique (chain, sequence) index: memory does not grow with the day."""
    start = first
    while start <= last:
        end = min(last, start + _BATCH - 1)
        rows = session.execute(
            select(FiscalEntry.kind, FiscalEntry.payload)
            .where(
                FiscalEntry.chain == chain,
                FiscalEntry.sequence >= start,
                FiscalEntry.sequence <= end,
            )
            .order_by(FiscalEntry.sequence)
        ).all()
        for kind, payload in rows:
            yield str(kind), str(payload)
        start = end + 1


def _head_sequence(session: Session, chain: str) -> int:
    return int(
        session.scalar(select(FiscalChain.last_sequence).where(FiscalChain.id == chain)) or 0
    )


# Idle registers --------------------------------------------------------------------------


def today_by_zone(zones: Sequence[str | None], now: datetime) -> dict[str, date]:
    """The local date of `now` in each time zone (an unknown or missing zone: UTC)."""
    days: dict[str, date] = {}
    for zone in zones:
        name = zone or "UTC"
        try:
            tz = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        days[name] = now.astimezone(tz).date()
    return days


def chain_zones(session: Session) -> list[str | None]:
    """The time zones of the register chains that have an open day."""
    return list(
        session.scalars(
            select(FiscalChain.time_zone).where(FiscalChain.open_day.is_not(None)).distinct()
        )
    )


def due_chains(session: Session, *, today_by_zone: Mapping[str, date]) -> list[str]:
    """The chains whose open day is before today in their own time zone."""
    rows = session.execute(
        select(FiscalChain.id, FiscalChain.open_day, FiscalChain.time_zone)
        .where(FiscalChain.open_day.is_not(None))
        .order_by(FiscalChain.id)
    ).all()
    return [
        chain_id
        for chain_id, open_day, zone in rows
        if (today := today_by_zone.get(zone or "UTC")) is not None and open_day < today.isoformat()
    ]


def close_due_days(
    session: Session,
    *,
    today_by_zone: Mapping[str, date],
    chains: Sequence[str] | None = None,
) -> list[FiscalEntry]:
    """Close the open day of every chain (or of `chains`) whose day is over in its time
    zone, as its next day's first entry would: the chain then opens today, so that day is
    never closed twice. The caller commits (the CLI does one chain per transaction)."""
    appended: list[FiscalEntry] = []
    for chain_id in (
        chains if chains is not None else due_chains(session, today_by_zone=today_by_zone)
    ):
        head = session.scalars(
            select(FiscalChain)
            .where(FiscalChain.id == chain_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if head is None or head.open_day is None:
            continue
        today = today_by_zone.get(head.time_zone or "UTC")
        if today is None or head.open_day >= today.isoformat():
            continue  # another process closed it since, or its day is not over
        appended.extend(close_open_day(session, chain=head, next_day=today))
        head.open_day = today.isoformat()
        session.flush()
    return appended


def set_fiscal_year_start_month(session: Session, month: int) -> None:
    """Change the store's fiscal year start month (1-12); the change is a JET event."""
    from comptoir.core.errors import InvalidInput
    from comptoir.core.i18n import N_
    from comptoir.fiscal.events import settings_changed
    from comptoir.store.models import Retailer

    if not 1 <= month <= 12:
        raise InvalidInput(N_("Choose a month."), field="fiscal_year_start_month")
    retailer = session.scalars(select(Retailer).limit(1)).one()
    previous = retailer.fiscal_year_start_month
    if previous == month:
        return
    retailer.fiscal_year_start_month = month
    settings_changed(session, retailer)  # the technical events journal's settings entry
