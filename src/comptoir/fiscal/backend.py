"""What a country's fiscal rules provide, so that another country is a new module.

France (fiscal/france.py) is the first implementation: a signed, chained journal per
register, daily/monthly/annual closings with perpetual totals, a zip archive, and the
verifier of fiscal/verify.py. A German TSE backend would be another module implementing
the same small protocol: its records go to a certified security module instead of (or
besides) the journal, its closings are the TSE's, its export is the DSFinV-K.

Kept small on purpose: it names the seams the application calls, nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from comptoir.fiscal.verify import Report


class FiscalBackend(Protocol):
    """A country's fiscal rules for a point of sale."""

    #: ISO 3166 country code ("FR").
    country: str
    #: The entry kinds that carry money (their payload's "totals"/"payments"/"ticket").
    record_kinds: Sequence[str]
    #: The closing levels, shortest period first ("daily", "monthly", "annual").
    closing_levels: Sequence[str]

    def record(
        self,
        session: Session,
        *,
        kind: str,
        payload: Mapping[str, Any],
        register_id: uuid.UUID,
        subject_id: uuid.UUID | None,
        business_day: date,
        time_zone: str,
    ) -> Any:
        """Record a fiscal event of a register in the caller's transaction."""
        ...

    def record_event(self, session: Session, *, kind: str, payload: Mapping[str, Any]) -> Any:
        """Record a technical event (start, settings, rights...)."""
        ...

    def verify(self, connection: Connection, *, pinned: Mapping[str, str] | None) -> Report:
        """Check the records; the first problem found."""
        ...

    def verify_archive(self, path: Path, *, pinned: Mapping[str, str] | None) -> Report:
        """Check an exported archive the same way."""
        ...
