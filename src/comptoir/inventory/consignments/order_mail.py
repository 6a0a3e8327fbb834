"""The purchase order's email to the supplier, sent by the outbox after the commit that
marked the order sent, with the order as a PDF. The payload carries the whole document: a
retried delivery sends the same order."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from comptoir.accounts.mail import send
from comptoir.core import i18n
from comptoir.core.outbox import subscribe
from comptoir.inventory.consignments.order_document import document_from_json, render_order_pdf
from comptoir.inventory.consignments.orders import ORDER_EMAIL_TOPIC


@subscribe(ORDER_EMAIL_TOPIC)
def send_order_email(payload: dict[str, Any]) -> None:
    i18n.set_locale(str(payload.get("locale") or i18n.DEFAULT_LOCALE))
    _ = i18n.gettext_
    document = document_from_json(payload["document"])
    message = EmailMessage()
    message["To"] = str(payload["to"])
    message["Subject"] = _("Purchase order %(number)s from %(store)s") % {
        "number": document.reference,
        "store": document.store,
    }
    message.set_content(
        _(
            "Hello,\n\nPlease find attached our purchase order %(number)s, to be delivered "
            "to %(outlet)s.\n\nThank you,\n%(store)s"
        )
        % {"number": document.reference, "outlet": document.outlet, "store": document.store}
    )
    message.add_attachment(
        render_order_pdf(document),
        maintype="application",
        subtype="pdf",
        filename=f"{document.reference or 'order'}.pdf",
    )
    send(message)
