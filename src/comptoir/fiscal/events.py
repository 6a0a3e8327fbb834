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
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from comptoir import __version__
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.fiscal.journal import _INFO_KEY as SIGNING_INFO_KEY
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


# Values safe and useful to record as they are (never free text typed by people).
_PLAIN = (bool, int, Decimal, uuid.UUID)
_NAMED_SETTINGS = frozenset({"currency", "time_zone", "locale", "country"})


def _can_sign(session: Session, kind: str) -> bool:
    """Service hooks record only when a key is loaded: without one, the change is still
    made (refusing a settings change would not protect a sale) and logged; a start without a
    key is itself recorded once a key is back (`server_started`)."""
    if session.info.get(SIGNING_INFO_KEY) is None:
        log.error("fiscal journal: no signing key; %s not recorded", kind)
        return False
    return True


def settings_changed(session: Session, obj: Any, *, kind: str = SETTINGS) -> None:
    """A settings object (the retailer, an outlet, a register...) was created or changed in
    this transaction: its table, id, the fields changed and, for figures, flags and codes,
    their new values. Free text (names, addresses) is named, not copied."""
    if not _can_sign(session, kind):
        return
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        name = attribute.key
        if name in ("version", "updated_at", "created_at"):
            continue
        history = state.attrs[name].history
        if state.pending or history.has_changes():
            value = getattr(obj, name)
            plain = value is None or isinstance(value, _PLAIN) or name in _NAMED_SETTINGS
            changed[name] = value if plain else "(changed)"
    if not changed and not state.pending:
        return
    record_event(
        session,
        kind=kind,
        payload={
            "object": state.mapper.local_table.name,
            "id": getattr(obj, "id", None),
            "action": "create" if state.pending else "update",
            "changes": changed,
        },
        subject_id=getattr(obj, "id", None),
    )


def tax_changed(session: Session, tax: Any) -> None:
    """A tax (its rates) created or changed: the rates are fiscal, so they are recorded."""
    if not _can_sign(session, TAX):
        return
    record_event(
        session,
        kind=TAX,
        payload={
            "tax_id": tax.id,
            "rates": sorted(
                ({"rate_id": str(rate.id), "rate": rate.rate} for rate in tax.rates),
                key=lambda row: row["rate_id"],
            ),
        },
        subject_id=tax.id,
    )


# Security events that change who may do what.
_RIGHTS = frozenset(
    {
        "role_changed",
        "user_created",
        "user_deactivated",
        "user_reactivated",
        "token_created",
        "token_revoked",
    }
)


def security_event(
    session: Session,
    *,
    action: str,
    user_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    details: Mapping[str, Any],
) -> None:
    """From the accounts' security log: record the events that change a user's rights."""
    if action not in _RIGHTS or not _can_sign(session, RIGHTS):
        return
    kept = {key: details[key] for key in ("role", "old", "new") if key in details}
    record_event(
        session,
        kind=RIGHTS,
        payload={"action": action, "user_id": user_id, "by": actor_id, **kept},
        subject_id=user_id,
    )


def data_imported(
    session: Session, *, what: str, rows: int, import_id: uuid.UUID | None = None
) -> None:
    """An import wrote its rows in this transaction."""
    if not _can_sign(session, IMPORT):
        return
    record_event(
        session,
        kind=IMPORT,
        payload={"import": what, "rows": rows, "import_id": import_id},
        subject_id=import_id,
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
