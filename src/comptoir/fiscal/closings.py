"""Daily, monthly and annual closings of a register's chain, with perpetual totals.

`close_open_day` is called by the journal when a register's first entry of a later
business day arrives (and by `comptoir fiscal close` for idle registers), inside that
transaction, before the new entry takes its sequence number.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from comptoir.fiscal.models import FiscalChain


def close_open_day(session: Session, *, chain: FiscalChain, next_day: date) -> None:
    """Append the closings that end with `chain.open_day` (daily; monthly and annual when
    `next_day` starts a new month or fiscal year). The chain's row is locked by the caller.

    Issue 12 in progress: the closings' payloads and their perpetual totals come next.
    """
