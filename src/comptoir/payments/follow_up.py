"""A terminal payment nobody asks about any more (the register's browser closed, the network
dropped while the card was read) is still followed to its end: each payment started queues
a follow-up in the outbox (payments.service), which this handler runs, asking the provider
until the payment is no longer PENDING. An approval learnt this way is recorded, so the card
charged is visible (and can be voided or used) instead of found only on the bank statement."""

from __future__ import annotations

import uuid
from typing import Any

from comptoir.core.db import Database
from comptoir.core.outbox import subscribe
from comptoir.payments.provider import TerminalStatus
from comptoir.payments.service import FOLLOW_UP_TOPIC, refresh_terminal_payment

_database: Database | None = None


def configure(database: Database) -> None:
    """The database the follow-up records in (the app's, the worker's)."""
    global _database
    _database = database


class StillPending(RuntimeError):
    """The provider has no outcome yet: the outbox asks again later, with back-off."""


@subscribe(FOLLOW_UP_TOPIC)
def follow_up(payload: dict[str, Any]) -> None:
    assert _database is not None, "payments.follow_up.configure(db) was not called"
    payment_id = uuid.UUID(payload["terminal_payment_id"])
    with _database.unit_of_work() as uow:
        status = refresh_terminal_payment(uow, payment_id=payment_id).status
    if status == TerminalStatus.PENDING:
        raise StillPending(f"terminal payment {payment_id} is still pending at its provider")
