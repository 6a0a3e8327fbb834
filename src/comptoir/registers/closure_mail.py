"""The closure's email to the manager, sent by the outbox after the closing's commit, with
the A4 PDF attached. The payload carries the whole document: the handler needs no database,
and a retried delivery sends the same closure."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from comptoir.accounts.mail import send
from comptoir.core import i18n
from comptoir.core.outbox import subscribe
from comptoir.registers.documents import closure_pdf, document_from_json
from comptoir.registers.service import CLOSURE_EMAIL_TOPIC


@subscribe(CLOSURE_EMAIL_TOPIC)
def send_closure_email(payload: dict[str, Any]) -> None:
    i18n.set_locale(str(payload.get("locale") or i18n.DEFAULT_LOCALE))
    _ = i18n.gettext_
    document = document_from_json(payload["document"])
    figures = document.parsed
    message = EmailMessage()
    message["To"] = str(payload["to"])
    message["Subject"] = _("Closure %(number)s of %(register)s") % {
        "number": figures.sequence,
        "register": document.register,
    }
    message.set_content(
        _("The register %(register)s (%(outlet)s) was closed. Net sales: %(net)s.")
        % {
            "register": document.register,
            "outlet": document.outlet,
            "net": i18n.format_money(figures.net_total, figures.currency),
        }
        + "\n\n"
        + _("The closure is attached as a PDF.")
    )
    message.add_attachment(
        closure_pdf(document),
        maintype="application",
        subtype="pdf",
        filename=f"closure-{document.register}-{figures.sequence}.pdf",
    )
    send(message)
