"""Every outbox handler Comptoir has, installed in one place. The web app (its embedded
worker) and `comptoir worker` both call `install_outbox_handlers`, so the two deliver the
same topics: a topic nobody subscribed would be marked delivered and its message lost.

A handler module that subscribes when imported is imported here; one bound to the database
or the settings is installed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from comptoir.accounts import mail  # subscribes the password-reset email
from comptoir.core.db import Database
from comptoir.core.outbox import Handler, subscribers
from comptoir.core.settings import Settings
from comptoir.inventory.consignments import (
    credit_note_mail,  # noqa: F401  (the credit note email)
    order_mail,  # noqa: F401  (the purchase order email)
)
from comptoir.payments import adapters  # noqa: F401  (the providers card refunds go through)
from comptoir.payments import follow_up as terminal_follow_up  # follows pending payments
from comptoir.payments import refunds as terminal_refunds  # subscribes the card refunds
from comptoir.printing import handlers as printing_handlers
from comptoir.registers import closure_mail  # noqa: F401  (subscribes the closure email)
from comptoir.sales import quote_mail  # noqa: F401  (subscribes the quote email)


def install_outbox_handlers(db: Database, settings: Settings) -> Mapping[str, Handler]:
    """Bind the handlers that need `db` or `settings`; every handler by topic."""
    mail.configure(settings)
    printing_handlers.install_handlers(db)  # print jobs, drawer kicks, receipt emails
    terminal_refunds.configure(db)  # the card refunds' handler records its outcomes in it
    terminal_follow_up.configure(db)  # and the follow-up of payments left pending
    return subscribers()
