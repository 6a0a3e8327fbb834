"""Email receipts: the `receipt.email` handler (HTML body, PDF attached, over SMTP with
`accounts.mail.send`) and what the sale page shows of each email's delivery.

The topic is queued by `sales.receipt_email.queue_receipt_email` (sales history, the till's
typed address) and by `jobs.queue_sale_documents` at the end of a sale when the store emails
receipts (`email` is then None: the customer's address, unless they asked for no email). A
failed delivery raises, and the outbox retries it with back-off, never dropping it; its last
error is on the message, shown on the sale's page.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.accounts.mail import send
from comptoir.core import i18n
from comptoir.core.db import Database
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.i18n import gettext_ as _
from comptoir.core.outbox import OutboxMessage, subscribe
from comptoir.core.uow import UnitOfWork
from comptoir.customers import service as customers
from comptoir.printing.jobs import RECEIPT_EMAIL_TOPIC
from comptoir.printing.layout import fiscal_lines, lay_out
from comptoir.printing.pdf import receipt_pdf
from comptoir.printing.receipt import ReceiptDocument, build_receipt
from comptoir.sales.receipt_email import queue_receipt_email
from comptoir.sales.service import get_sale
from comptoir.store import service as store


def _money(doc: ReceiptDocument, amount: Any) -> str:
    return escape(i18n.format_money(amount, doc.currency))


def _pair(label: str, amount: str) -> str:
    return f'<tr><td>{escape(label)}</td><td style="text-align:right">{amount}</td></tr>'


def receipt_html(doc: ReceiptDocument) -> str:
    """The email's body: the receipt's lines and totals, in plain HTML (no script, no image)."""
    rows = "".join(
        f"<tr><td>{escape(line.name)}<br><small>{escape(i18n.format_number(line.quantity))}"
        f" × {_money(doc, line.unit_price)}</small></td>"
        f'<td style="text-align:right">{_money(doc, line.amount)}</td></tr>'
        for line in doc.lines
    )
    taxes = "".join(_pair(t.name, _money(doc, t.amount)) for t in doc.taxes)
    tenders = "".join(_pair(t.name, _money(doc, t.amount)) for t in doc.tenders)
    change = (
        f'<tr><td>{escape(_("Change"))}</td><td style="text-align:right">'
        f"{_money(doc, doc.change)}</td></tr>"
        if doc.change > 0
        else ""
    )
    footer = doc.texts.footer or _("Thank you for your visit!")
    attached = _("Your receipt is attached as a PDF.")
    fiscal = "".join(f"<p><small>{escape(t)}</small></p>" for t in fiscal_lines(doc))
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"<h1>{escape(doc.store_name)}</h1><p>{escape(doc.outlet_name)}</p>"
        f"<p>{escape(_('Receipt'))} <strong>{escape(doc.invoice_number)}</strong><br>"
        f"{escape(i18n.format_datetime(doc.sale_date, doc.time_zone))}</p>"
        f'<table style="border-collapse:collapse;min-width:18em">{rows}{taxes}'
        f'<tr><th style="text-align:left">{escape(_("Total"))}</th>'
        f'<th style="text-align:right">{_money(doc, doc.total)}</th></tr>{tenders}{change}'
        f"</table><p>{escape(footer)}</p>{fiscal}"
        f"<p><small>{escape(attached)}</small></p>"
        "</body></html>"
    )


def _address(session: Session, doc: ReceiptDocument, typed: object) -> str | None:
    if isinstance(typed, str) and typed:
        return typed
    if doc.customer_id is None:
        return None
    try:
        customer = customers.get_customer(session, customer_id=doc.customer_id)
    except NotFound:
        return None  # erased since: nothing to send
    return None if customer.do_not_email else customer.email


def receipt_message(session: Session, *, sale_id: uuid.UUID, typed: object) -> EmailMessage | None:
    """The email of a sale's receipt, or None when there is nobody to send it to."""
    i18n.set_locale(store.get_retailer(session).locale)
    doc = build_receipt(session, sale_id=sale_id)
    address = _address(session, doc, typed)
    if not address:
        return None
    message = EmailMessage()
    message["To"] = address
    message["Subject"] = _("Your receipt %(number)s from %(store)s") % {
        "number": doc.invoice_number,
        "store": doc.store_name,
    }
    message.set_content(
        _("Your receipt %(number)s is attached as a PDF.") % {"number": doc.invoice_number}
    )
    message.add_alternative(receipt_html(doc), subtype="html")
    message.add_attachment(
        receipt_pdf(doc, lay_out(doc)),
        maintype="application",
        subtype="pdf",
        filename=f"receipt-{doc.invoice_number}.pdf",
    )
    return message


def send_receipt_email(db: Database, payload: dict[str, Any]) -> None:
    with db.read_sessions() as session:
        message = receipt_message(
            session, sale_id=uuid.UUID(str(payload["sale_id"])), typed=payload.get("email")
        )
    if message is not None:
        send(message)


@dataclass(frozen=True, kw_only=True)
class EmailDelivery:
    email: str | None  # None: the customer's address
    state: str  # "queued", "sent" or "failing"
    attempts: int
    last_error: str | None
    queued_at: datetime
    sent_at: datetime | None


def email_deliveries(session: Session, *, sale_id: uuid.UUID) -> list[EmailDelivery]:
    """The receipt emails of a sale, oldest first, with their delivery state."""
    messages = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.topic == RECEIPT_EMAIL_TOPIC,
            OutboxMessage.payload["sale_id"].as_string() == str(sale_id),
        )
        .order_by(OutboxMessage.created_at)
    )
    return [
        EmailDelivery(
            email=m.payload.get("email"),
            state="sent" if m.delivered_at else ("failing" if m.last_error else "queued"),
            attempts=m.attempts,
            last_error=m.last_error,
            queued_at=m.created_at,
            sent_at=m.delivered_at,
        )
        for m in messages
    ]


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def queue_receipt_to(
    uow: UnitOfWork, *, sale_id: uuid.UUID, email: str | None, requested_by: uuid.UUID
) -> None:
    """Queue a sale's receipt for `email` (typed at the till) or, without one, for its
    customer's address (refused when there is none)."""
    typed = (email or "").strip()
    if typed and (len(typed) > 200 or not EMAIL.match(typed)):
        raise InvalidInput(N_("Enter an email address, such as name@example.com."), field="email")
    address = typed or None
    if address is None:
        sale = get_sale(uow.session, sale_id=sale_id)
        if sale.customer_id is not None:
            customer = customers.get_customer(uow.session, customer_id=sale.customer_id)
            address = None if customer.do_not_email else customer.email
    queue_receipt_email(uow, sale_id=sale_id, email=address, requested_by=requested_by)


def install_email_handler(db: Database) -> None:
    subscribe(RECEIPT_EMAIL_TOPIC)(lambda payload: send_receipt_email(db, payload))
