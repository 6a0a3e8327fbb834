"""Sending email over SMTP (settings `COMPTOIR_SMTP_*`), from outbox handlers after commit."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from comptoir.accounts.reset import RESET_EMAIL_TOPIC
from comptoir.core import i18n
from comptoir.core.outbox import subscribe
from comptoir.core.settings import Settings, get_settings

_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Use these settings rather than the environment's (the app calls this at start)."""
    global _settings
    _settings = settings


def send(message: EmailMessage, settings: Settings | None = None) -> None:
    settings = settings or _settings or get_settings()
    message["From"] = settings.smtp_from
    timeout = settings.smtp_timeout_seconds
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


@subscribe(RESET_EMAIL_TOPIC)
def send_reset_email(payload: dict[str, Any]) -> None:
    i18n.set_locale(str(payload.get("locale") or i18n.DEFAULT_LOCALE))
    _ = i18n.gettext_
    message = EmailMessage()
    message["To"] = str(payload["to"])
    message["Subject"] = _("Reset your Comptoir password")
    body = _(
        "Someone asked to reset the password of your Comptoir account.\n\n"
        "To choose a new password, open this link within %(minutes)s minutes:\n\n"
        "%(link)s\n\n"
        "The link works once. If you did not ask for it, ignore this email: your password "
        "stays the same."
    ) % {"minutes": payload.get("minutes", 60), "link": payload["link"]}
    message.set_content(body)
    send(message)
