"""An integrated payment type's totals at its provider, for a register's closure: what the
register's terminal took and gave back while the session was open. A provider that cannot
be reached (or answers nonsense) is no reason to keep a register open: the caller is told
why, and counts from the recorded payments instead."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.payments.provider import ProviderRefused, ProviderUnreachable, TerminalTotals
from comptoir.payments.service import provider_for


@dataclass(frozen=True, kw_only=True)
class TotalsAnswer:
    totals: TerminalTotals | None  # None: the provider gave none
    reason: str | None = None  # why it gave none (for the logs and the API, not translated)


def provider_totals(
    session: Session,
    *,
    provider: str,
    payment_type_id: uuid.UUID,
    terminal_id: str,
    start: datetime,
    end: datetime,
) -> TotalsAnswer:
    """Ask the payment type's provider for the terminal's totals between `start` and `end`
    (naive datetimes are UTC, as the database stores them)."""
    try:
        adapter = provider_for(session, name=provider, payment_type_id=payment_type_id)
        totals = adapter.terminal_totals(
            terminal_id=terminal_id, start=_aware(start), end=_aware(end)
        )
    except (ProviderUnreachable, ProviderRefused, InvalidInput) as exc:
        return TotalsAnswer(totals=None, reason=str(exc)[:300])
    return TotalsAnswer(totals=totals)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)
