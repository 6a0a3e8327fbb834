"""Emailing a receipt: the back office (and the till) queue a `receipt.email` message in the
outbox, in the same transaction; `printing.receipt_mail` sends it after commit, with the
receipt as a PDF, and retries a failed delivery."""

from __future__ import annotations

import uuid

from comptoir.core import outbox
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.sales.service import get_sale

RECEIPT_EMAIL_TOPIC = "receipt.email"


def queue_receipt_email(
    uow: UnitOfWork, *, sale_id: uuid.UUID, email: str | None, requested_by: uuid.UUID
) -> None:
    """Queue the receipt of a sale for its customer's address `email` (refused without)."""
    sale = get_sale(uow.session, sale_id=sale_id)
    if not email:
        raise InvalidInput("the sale's customer has no email address", field="email")
    outbox.enqueue(
        uow,
        topic=RECEIPT_EMAIL_TOPIC,
        payload={"sale_id": str(sale.id), "email": email, "requested_by": str(requested_by)},
    )
    uow.commit()
