"""Configuring receipts and printers (setup:write): an outlet's receipt template with its
logo, a register's printer, and what the sell screen shows of the printer's state."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.outbox import LEASE, OutboxMessage
from comptoir.core.uow import UnitOfWork
from comptoir.printing.jobs import PRINT_RECEIPT_TOPIC
from comptoir.printing.models import PAPER_WIDTHS, PRINTER_KINDS, Printer, ReceiptTemplate
from comptoir.store import service as store

# The logo is kept in the database: small enough to load with each receipt.
MAX_LOGO_BYTES = 64 * 1024
MAX_LOGO_PIXELS = 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
TEXT_LIMIT = 1000
HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,255}$")
VAT_NUMBER = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,13}$")


class NoPrinter(Conflict):
    """The register has no enabled network printer: its receipts print from the browser."""

    code = "no_printer"

    def __init__(self, *, register_id: str) -> None:
        super().__init__("the register has no enabled printer", register_id=register_id)


@dataclass(frozen=True, kw_only=True)
class TemplateFields:
    header: str | None = None
    footer: str | None = None
    company_name: str | None = None
    address: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    return_policy: str | None = None
    paper_width: int = 80


@dataclass(frozen=True, kw_only=True)
class PrinterFields:
    kind: str
    host: str
    port: int = 9100
    enabled: bool = True


def check_logo(data: bytes) -> str:
    """The logo's media type if it is a PNG or JPEG small enough for a receipt."""
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput(N_("The logo must be at most 64 KB."), field="logo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InvalidInput(N_("The logo must be a PNG or JPEG image."), field="logo") from exc
    if kind not in LOGO_TYPES:
        raise InvalidInput(N_("The logo must be a PNG or JPEG image."), field="logo")
    if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
        raise InvalidInput(N_("The logo must be at most 1024 × 1024 pixels."), field="logo")
    return LOGO_TYPES[kind]


def _text(value: str | None, field: str, limit: int = TEXT_LIMIT) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(N_("This text is too long."), field=field)
    return value or None


def _checked(fields: TemplateFields) -> dict[str, object]:
    siret = re.sub(r"\s", "", fields.siret or "") or None
    if siret is not None and not re.fullmatch(r"\d{14}", siret):
        raise InvalidInput(N_("A SIRET number has 14 digits."), field="siret")
    vat = re.sub(r"\s", "", fields.vat_number or "").upper() or None
    if vat is not None and not VAT_NUMBER.fullmatch(vat):
        raise InvalidInput(
            N_("A VAT number starts with its country code, such as FR12345678901."),
            field="vat_number",
        )
    if fields.paper_width not in PAPER_WIDTHS:
        raise InvalidInput(N_("The paper is 80 or 58 mm wide."), field="paper_width")
    return {
        "header": _text(fields.header, "header"),
        "footer": _text(fields.footer, "footer"),
        "company_name": _text(fields.company_name, "company_name", 200),
        "address": _text(fields.address, "address"),
        "siret": siret,
        "vat_number": vat,
        "return_policy": _text(fields.return_policy, "return_policy"),
        "paper_width": fields.paper_width,
    }


def get_template(session: Session, *, outlet_id: uuid.UUID) -> ReceiptTemplate | None:
    return session.get(ReceiptTemplate, outlet_id)


def save_template(
    uow: UnitOfWork,
    *,
    outlet_id: uuid.UUID,
    fields: TemplateFields,
    logo: bytes | None = None,
    remove_logo: bool = False,
    email_receipts: bool | None = None,
) -> ReceiptTemplate:
    """Create or replace an outlet's receipt template; `logo` replaces the logo (checked).
    `email_receipts` (the store's setting, on the same page): email the receipt at the end
    of a sale whose customer has an address."""
    store.get_outlet(uow.session, outlet_id=outlet_id)
    values = _checked(fields)
    logo_type = check_logo(logo) if logo else None
    template = uow.session.get(ReceiptTemplate, outlet_id)
    if template is None:
        template = ReceiptTemplate(outlet_id=outlet_id)
        uow.session.add(template)
    for name, value in values.items():
        setattr(template, name, value)
    if logo:
        template.logo, template.logo_type = logo, logo_type
    elif remove_logo:
        template.logo, template.logo_type = None, None
    template.updated_at = utcnow()
    if email_receipts is not None:
        store.get_retailer(uow.session).email_receipts = email_receipts
    uow.commit()
    return template


def _checked_printer(fields: PrinterFields) -> PrinterFields:
    if fields.kind not in PRINTER_KINDS:
        raise InvalidInput(N_("Choose a printer type."), field="kind")
    host = fields.host.strip()
    if not HOST.fullmatch(host):
        raise InvalidInput(N_("Enter the printer's IP address or host name."), field="host")
    if not 1 <= fields.port <= 65535:
        raise InvalidInput(N_("A port is a number from 1 to 65535."), field="port")
    return PrinterFields(kind=fields.kind, host=host, port=fields.port, enabled=fields.enabled)


def get_printer(session: Session, *, register_id: uuid.UUID) -> Printer | None:
    return session.get(Printer, register_id)


def configure_printer(
    uow: UnitOfWork, *, register_id: uuid.UUID, fields: PrinterFields | None
) -> Printer | None:
    """Set the register's printer (None: the register has none, the browser prints)."""
    store.get_register(uow.session, register_id=register_id)
    printer = uow.session.get(Printer, register_id)
    if fields is None:
        if printer is not None:
            uow.session.delete(printer)
        uow.commit()
        return None
    checked = _checked_printer(fields)
    if printer is None:
        printer = Printer(register_id=register_id)
        uow.session.add(printer)
    printer.kind, printer.host = checked.kind, checked.host
    printer.port, printer.enabled = checked.port, checked.enabled
    printer.updated_at = utcnow()
    uow.commit()
    return printer


@dataclass(frozen=True, kw_only=True)
class PrinterState:
    register_id: uuid.UUID
    configured: bool
    enabled: bool
    kind: str | None
    # "none" (the browser prints), "disabled", "ready", "ok" (last job printed),
    # "error" (the last attempt failed: jobs wait and are retried).
    status: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    pending_jobs: int


def pending_print_jobs(session: Session, *, register_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.topic == PRINT_RECEIPT_TOPIC,
                OutboxMessage.payload["register_id"].as_string() == str(register_id),
            )
        )
        or 0
    )


def wake_waiting_jobs(session: Session, *, register_id: uuid.UUID) -> int:
    """Make the register's print jobs waiting in a long back-off due now (the printer is
    back): a receipt is not printed an hour late. A job due within the outbox's lease is
    left alone: it may be the one a worker is printing right now (its lease looks the same),
    and it is retried soon anyway. Returns how many jobs were woken."""
    now = utcnow()
    woken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.topic == PRINT_RECEIPT_TOPIC,
            OutboxMessage.payload["register_id"].as_string() == str(register_id),
            OutboxMessage.available_at > now + LEASE,
        )
        .values(available_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(woken, "rowcount", 0) or 0)


def retry_printing_now(uow: UnitOfWork, *, register_id: uuid.UUID) -> int:
    """The cashier's "try again" once the printer is plugged back in (the outbox worker
    picks the jobs up at its next poll, within seconds)."""
    store.get_register(uow.session, register_id=register_id)
    woken = wake_waiting_jobs(uow.session, register_id=register_id)
    uow.commit()
    return woken


def _status(printer: Printer) -> str:
    if not printer.enabled:
        return "disabled"
    if printer.last_error_at is not None and (
        printer.last_success_at is None or printer.last_error_at > printer.last_success_at
    ):
        return "error"
    return "ok" if printer.last_success_at is not None else "ready"


def printer_state(session: Session, *, register_id: uuid.UUID) -> PrinterState:
    store.get_register(session, register_id=register_id)
    printer = session.get(Printer, register_id)
    if printer is None:
        return PrinterState(
            register_id=register_id,
            configured=False,
            enabled=False,
            kind=None,
            status="none",
            last_success_at=None,
            last_error_at=None,
            last_error=None,
            pending_jobs=0,
        )
    return PrinterState(
        register_id=register_id,
        configured=True,
        enabled=printer.enabled,
        kind=printer.kind,
        status=_status(printer),
        last_success_at=printer.last_success_at,
        last_error_at=printer.last_error_at,
        last_error=printer.last_error,
        pending_jobs=pending_print_jobs(session, register_id=register_id),
    )
