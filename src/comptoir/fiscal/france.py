"""France (CGI art. 286 I-3° bis, BOI-TVA-DECLA-30-10-30): the first `FiscalBackend`.

It wraps what the fiscal package does: `journal.append_entry` per register chain, the JET
(fiscal/events.py), closings by business day, month and fiscal year (fiscal/closings.py)
and the verifier (fiscal/verify.py), with archives read by fiscal/archive.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from comptoir.fiscal import events
from comptoir.fiscal import verify as fiscal_verify
from comptoir.fiscal.journal import append_entry
from comptoir.fiscal.models import FiscalEntry, register_chain
from comptoir.fiscal.verify_archive import verify_archive
from comptoir.fiscal.verify_database import verify_database


class France:
    country = "FR"
    record_kinds = (
        "sale",
        "return",
        "void",
        "layby",
        "layby.payment",
        "account.payment",
        "receipt.reprint",
        "cash.movement",
        "register.open",
        "register.closure",
    )
    closing_levels = ("daily", "monthly", "annual")

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
    ) -> FiscalEntry:
        return append_entry(
            session,
            chain=register_chain(register_id),
            kind=kind,
            payload=payload,
            register_id=register_id,
            subject_id=subject_id,
            business_day=business_day,
            time_zone=time_zone,
        )

    def record_event(
        self, session: Session, *, kind: str, payload: Mapping[str, Any]
    ) -> FiscalEntry:
        return events.record_event(session, kind=kind, payload=payload)

    def verify(
        self, connection: Connection, *, pinned: Mapping[str, str] | None = None
    ) -> fiscal_verify.Report:
        return verify_database(connection, pinned=pinned)

    def verify_archive(
        self, path: Path, *, pinned: Mapping[str, str] | None = None
    ) -> fiscal_verify.Report:
        from comptoir.fiscal.archive import read_archive  # helper C's format

        return verify_archive(read_archive(path), pinned=pinned)


FRANCE = France()
