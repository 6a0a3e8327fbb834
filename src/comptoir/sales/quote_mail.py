"""The quote's email, sent by the outbox after the commit that queued it."""

from __future__ import annotations

from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from comptoir.accounts.mail import send
from comptoir.core import i18n
from comptoir.core.outbox import subscribe
from comptoir.sales.quotes import QUOTE_EMAIL_TOPIC


@subscribe(QUOTE_EMAIL_TOPIC)
def send_quote_email(payload: dict[str, Any]) -> None:
    i18n.set_locale(str(payload.get("locale") or i18n.DEFAULT_LOCALE))
    _ = i18n.gettext_
    message = EmailMessage()
    message["To"] = str(payload["to"])
    message["Subject"] = _("Your quote %(number)s from %(store)s") % {
        "number": payload["number"],
        "store": payload["store"],
    }
    body = _(
        "Please find your quote %(number)s for %(total)s, valid until %(expires)s:\n\n"
        "%(link)s\n\n"
        "Bring this number to the shop to turn the quote into a sale."
    ) % {
        "number": payload["number"],
        "total": i18n.format_money(Decimal(payload["total"]), str(payload["currency"])),
        "expires": payload["expires"],
        "link": payload["link"],
    }
    message.set_content(body)
    send(message)
