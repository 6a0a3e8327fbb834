"""The credit note request emailed to the supplier by the outbox, after the commit that sent
the return. The payload carries the whole document: the handler needs no database, and a
retried delivery sends the same credit note."""

from __future__ import annotations

from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from comptoir.accounts.mail import send
from comptoir.core import i18n
from comptoir.core.outbox import subscribe
from comptoir.inventory.consignments.credit_note import credit_note_from_json, render_credit_note
from comptoir.inventory.consignments.supplier_returns import CREDIT_NOTE_EMAIL_TOPIC


@subscribe(CREDIT_NOTE_EMAIL_TOPIC)
def send_credit_note_email(payload: dict[str, Any]) -> None:
    i18n.set_locale(str(payload.get("locale") or i18n.DEFAULT_LOCALE))
    _ = i18n.gettext_
    note = credit_note_from_json(payload["note"])
    message = EmailMessage()
    message["To"] = str(payload["to"])
    message["Subject"] = _("Return %(reference)s from %(store)s") % {
        "reference": note.reference,
        "store": note.store,
    }
    message.set_content(
        _(
            "We are returning goods to you (reason: %(reason)s). Please find attached our "
            "credit note request %(reference)s for %(total)s."
        )
        % {
            "reason": note.reason,
            "reference": note.reference,
            "total": i18n.format_money(Decimal(note.total), note.currency),
        }
    )
    message.add_attachment(
        render_credit_note(note),
        maintype="application",
        subtype="pdf",
        filename=f"credit-note-{note.reference}.pdf",
    )
    send(message)
