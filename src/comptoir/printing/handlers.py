"""Delivering print jobs and drawer kicks (outbox handlers, after the sale's commit).

A print job renders the sale's receipt for the register's printer kind and sends it. If the
printer cannot be reached, its state records the error and the handler raises: the outbox
keeps the job and retries it with back-off, so a receipt is printed once the printer is back
(at least once: a printer that printed but whose answer was lost prints it again). A drawer
kick is attempted once: opening the drawer minutes later would surprise everyone.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from comptoir.core import i18n
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.outbox import subscribe
from comptoir.printing.config import wake_waiting_jobs
from comptoir.printing.escpos_bytes import drawer_kick_bytes, escpos_bytes
from comptoir.printing.jobs import DRAWER_KICK_TOPIC, PRINT_RECEIPT_TOPIC
from comptoir.printing.layout import lay_out
from comptoir.printing.models import Printer
from comptoir.printing.receipt import build_receipt
from comptoir.printing.receipt_mail import install_email_handler
from comptoir.printing.star_line import star_drawer_kick_bytes, star_line_bytes
from comptoir.printing.transport import PrinterUnavailable, send_to_printer
from comptoir.store import service as store

log = logging.getLogger(__name__)

# A cash sale's job printed later than this no longer opens the drawer.
DRAWER_KICK_FRESHNESS = timedelta(minutes=2)


def receipt_bytes(
    session: Session, *, sale_id: uuid.UUID, kind: str, kick: bool, duplicate: int | None = None
) -> bytes:
    """The receipt of a sale in the printer's language, in the store's locale (`duplicate`:
    the fiscal journal's number of this reprint)."""
    i18n.set_locale(store.get_retailer(session).locale)
    doc = build_receipt(session, sale_id=sale_id, duplicate=duplicate)
    rows = lay_out(doc)
    kick = kick and doc.paid_in_cash
    if kind == "star_line":
        return star_line_bytes(rows, kick_drawer=kick)
    return escpos_bytes(rows, paper_width=doc.texts.paper_width, kick_drawer=kick)


def record_outcome(db: Database, *, register_id: uuid.UUID, error: str | None) -> None:
    now = utcnow()
    values: dict[str, Any] = (
        {"last_success_at": now, "last_error": None}
        if error is None
        else {"last_error_at": now, "last_error": error[:1000]}
    )
    with db.write_sessions() as session, session.begin():
        session.execute(update(Printer).where(Printer.register_id == register_id).values(**values))
        if error is None:  # the printer answers: receipts waiting for it print now
            wake_waiting_jobs(session, register_id=register_id)


def _fresh(queued_at: object) -> bool:
    if not isinstance(queued_at, str):
        return False
    return utcnow() - datetime.fromisoformat(queued_at) <= DRAWER_KICK_FRESHNESS


def print_receipt(db: Database, payload: dict[str, Any]) -> None:
    register_id = uuid.UUID(str(payload["register_id"]))
    with db.read_sessions() as session:
        printer = session.get(Printer, register_id)
        if printer is None or not printer.enabled:
            return  # configured away since: nothing to print on
        host, port, kind = printer.host, printer.port, printer.kind
        kick = not payload.get("reprint") and _fresh(payload.get("queued_at"))
        duplicate = payload.get("duplicate")
        data = receipt_bytes(
            session,
            sale_id=uuid.UUID(str(payload["sale_id"])),
            kind=kind,
            kick=kick,
            duplicate=int(duplicate) if duplicate is not None else None,
        )
    try:
        send_to_printer(host=host, port=port, data=data, confirm=kind != "star_line")
    except PrinterUnavailable as exc:
        record_outcome(db, register_id=register_id, error=str(exc))
        raise
    record_outcome(db, register_id=register_id, error=None)


def kick_drawer(db: Database, payload: dict[str, Any]) -> None:
    register_id = uuid.UUID(str(payload["register_id"]))
    with db.read_sessions() as session:
        printer = session.get(Printer, register_id)
        if printer is None or not printer.enabled:
            return
        host, port, kind = printer.host, printer.port, printer.kind
    data = star_drawer_kick_bytes() if kind == "star_line" else drawer_kick_bytes()
    try:
        send_to_printer(host=host, port=port, data=data, confirm=kind != "star_line")
    except PrinterUnavailable as exc:
        log.warning("drawer kick for register %s failed: %s", register_id, exc)
        record_outcome(db, register_id=register_id, error=str(exc))
        return
    record_outcome(db, register_id=register_id, error=None)


def install_handlers(db: Database) -> None:
    """Subscribe the print, drawer and receipt email handlers, bound to `db` (the app and
    `comptoir worker` call this)."""
    subscribe(PRINT_RECEIPT_TOPIC)(lambda payload: print_receipt(db, payload))
    subscribe(DRAWER_KICK_TOPIC)(lambda payload: kick_drawer(db, payload))
    install_email_handler(db)
