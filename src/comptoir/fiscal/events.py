"""The technical events journal (JET): what happens to the system rather than to sales.

One chain for the store (`EVENTS_CHAIN`), signed and chained like a register's. Payloads
hold ids and codes, never names or emails. Each hook elsewhere is a single call into this
module: `record_event` inside the caller's transaction (settings, taxes, rights, imports),
or `server_started` / `server_stopped` around the app's life, in their own transactions.

Recording a start also notes what could not be signed before it: a start without a key
(nothing can be signed then, so it is written to a small file beside the keys and recorded
as `event.sign_failure` once a key is back) and a clock that went backwards since the last
event (`event.clock_jump`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir import __version__
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.fiscal.journal import append_entry, has_signing_key
from comptoir.fiscal.models import EVENTS_CHAIN, FiscalEntry

log = logging.getLogger(__name__)

# Beside the keys: events that happened while nothing could sign them.
UNSIGNED_FILE = "unsigned-events.jsonl"

START = "event.start"
STOP = "event.stop"
SETTINGS = "event.settings"
TAX = "event.tax"
RIGHTS = "event.rights"
IMPORT = "event.import"
ARCHIVE = "event.archive"
CLOCK_JUMP = "event.clock_jump"
SIGN_FAILURE = "event.sign_failure"
KEY_ROTATION = "event.key_rotation"


def record_event(
    session: Session,
    *,
    kind: str,
    payload: Mapping[str, Any],
    subject_id: uuid.UUID | None = None,
) -> FiscalEntry:
    """Append a JET entry in the caller's transaction (`kind` "event.<what>")."""
    return append_entry(
        session,
        chain=EVENTS_CHAIN,
        kind=kind,
        payload={"schema": 1, **payload},
        subject_id=subject_id,
    )


def settings_changed(
    session: Session, *, what: str, subject_id: uuid.UUID, fields: list[str]
) -> None:
    """A store setting changed (`what`: "retailer", "outlet", "register"...): which fields."""
    record_event(
        session,
        kind=SETTINGS,
        payload={"object": what, "id": subject_id, "fields": sorted(fields)},
        subject_id=subject_id,
    )


def tax_changed(session: Session, *, tax_id: uuid.UUID, action: str, fields: list[str]) -> None:
    record_event(
        session,
        kind=TAX,
        payload={"tax_id": tax_id, "action": action, "fields": sorted(fields)},
        subject_id=tax_id,
    )


def rights_changed(
    session: Session,
    *,
    action: str,
    user_id: uuid.UUID | None = None,
    role_id: uuid.UUID | None = None,
    by_user_id: uuid.UUID | None = None,
) -> None:
    """A user's role or a role's permissions changed: ids only."""
    record_event(
        session,
        kind=RIGHTS,
        payload={"action": action, "user_id": user_id, "role_id": role_id, "by": by_user_id},
        subject_id=user_id or role_id,
    )


def import_completed(
    session: Session, *, what: str, rows: int, job_id: uuid.UUID | None = None
) -> None:
    record_event(
        session,
        kind=IMPORT,
        payload={"import": what, "rows": rows, "job_id": job_id},
        subject_id=job_id,
    )


def server_started(database: Database, key_dir: Path) -> None:
    """At the app's start: the unsigned events noted while there was no key, a clock jump,
    then the start itself. Never stops the server from starting."""
    try:
        if not has_signing_key(database):
            log.error("fiscal journal: no signing key; sales are refused until `comptoir init`")
            _note_unsigned(key_dir, {"event": "start_without_key", "at": utcnow().isoformat()})
            return
        with database.unit_of_work() as uow:
            _record_unsigned(uow.session, key_dir)
            _record_clock_jump(uow.session)
            record_event(uow.session, kind=START, payload={"version": __version__})
            uow.commit()
        (key_dir / UNSIGNED_FILE).unlink(missing_ok=True)
    except Exception as error:  # pragma: no cover - logged, the server still starts
        log.exception("fiscal journal: the start could not be recorded")
        _note_unsigned(
            key_dir,
            {"event": "sign_failure", "at": utcnow().isoformat(), "error": type(error).__name__},
        )


def server_stopped(database: Database) -> None:
    if not has_signing_key(database):
        return
    try:
        with database.unit_of_work() as uow:
            record_event(uow.session, kind=STOP, payload={"version": __version__})
            uow.commit()
    except Exception:  # pragma: no cover - a stop must not fail
        log.exception("fiscal journal: the stop could not be recorded")


def _note_unsigned(key_dir: Path, event: Mapping[str, Any]) -> None:
    try:
        key_dir.mkdir(parents=True, exist_ok=True)
        with (key_dir / UNSIGNED_FILE).open("a", encoding="utf-8") as file:
            file.write(json.dumps(event, sort_keys=True) + "\n")
    except OSError:  # pragma: no cover - nowhere to write: the log has it
        log.exception("fiscal journal: could not note an unsigned event")


def _record_unsigned(session: Session, key_dir: Path) -> None:
    path = key_dir / UNSIGNED_FILE
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            noted = json.loads(line)
        except ValueError:
            continue
        record_event(
            session,
            kind=SIGN_FAILURE,
            payload={
                "what": str(noted.get("event")),
                "at": str(noted.get("at")),
                "error": noted.get("error"),
            },
        )


def _record_clock_jump(session: Session) -> None:
    """The clock is earlier than the last event: it was set back while the server was off."""
    last = session.scalars(
        select(FiscalEntry.recorded_at)
        .where(FiscalEntry.chain == EVENTS_CHAIN)
        .order_by(FiscalEntry.sequence.desc())
        .limit(1)
    ).first()
    now = utcnow()
    if last is not None and last > now:
        clock_jumped(session, last_recorded_at=last, now=now)


def clock_jumped(session: Session, *, last_recorded_at: datetime, now: datetime) -> None:
    record_event(
        session,
        kind=CLOCK_JUMP,
        payload={"last_recorded_at": last_recorded_at, "now": now},
    )
