"""Queueing a sale's receipt documents, inside the sale's own transaction.

`queue_sale_documents` is called by `sales.recording.write_sale` before its commit. It costs
nothing for a register that prints no receipt or has no network printer, and one outbox
insert per document otherwise: the print job (the register prints receipts and its printer
is enabled) and the email (the store emails receipts and the sale has a customer). Both are
delivered after the commit by `handlers.py`: a printer that is off never blocks a sale.
"""

from __future__ import annotations

from comptoir.core.clock import utcnow
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.printing.models import Printer
from comptoir.store.models import Register, Retailer

PRINT_RECEIPT_TOPIC = "printing.receipt"
DRAWER_KICK_TOPIC = "register.drawer_kick"  # shared with the registers part (its contract)
RECEIPT_EMAIL_TOPIC = "receipt.email"  # as sales/receipt_email.py queues it


def printer_on(uow: UnitOfWork, *, register: Register, always: bool = False) -> Printer | None:
    """The register's enabled printer, when it prints a receipt after each sale (`always`:
    whatever that setting, for a reprint asked for)."""
    if not (register.print_receipt or always):
        return None
    printer = uow.session.get(Printer, register.id)
    return printer if printer is not None and printer.enabled else None


def queue_print_job(
    uow: UnitOfWork, *, sale_id: str, register_id: str, reprint: bool, duplicate: int | None = None
) -> None:
    """`duplicate`: a reprint's number in the fiscal journal (printed "DUPLICATA n°k")."""
    enqueue(
        uow,
        topic=PRINT_RECEIPT_TOPIC,
        payload={
            "sale_id": sale_id,
            "register_id": register_id,
            # A job printed late (the printer was off) does not open the drawer any more.
            "queued_at": utcnow().isoformat(),
            "reprint": reprint,
            "duplicate": duplicate,
        },
    )


def queue_sale_documents(
    uow: UnitOfWork,
    *,
    sale_id: str,
    register: Register,
    customer_id: str | None,
    retailer: Retailer | None,
) -> None:
    """The print job and the automatic email of a sale just written (see the module doc).
    `retailer` is read only for a sale with a customer (None otherwise)."""
    if printer_on(uow, register=register) is not None:
        queue_print_job(uow, sale_id=sale_id, register_id=str(register.id), reprint=False)
    if customer_id is not None and retailer is not None and retailer.email_receipts:
        # The handler finds the customer's address; without one, nothing is sent.
        enqueue(
            uow,
            topic=RECEIPT_EMAIL_TOPIC,
            payload={"sale_id": sale_id, "email": None, "automatic": True},
        )
