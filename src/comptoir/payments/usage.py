"""A sale paid on a terminal: each payment of an integrated type names an approved terminal
payment of the same type and amount, which it takes once (one guarded UPDATE, so two sales
naming the same terminal payment at once cannot both have it). Called by sales' recording,
inside the sale's transaction: a refused payment leaves nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.payments.errors import (
    NotIntegrated,
    TerminalPaymentMismatch,
    TerminalPaymentNotApproved,
    TerminalPaymentRequired,
    TerminalPaymentUsed,
    UnknownTerminalPayment,
)
from comptoir.payments.models import TerminalPayment
from comptoir.payments.provider import TerminalStatus
from comptoir.store.models import PaymentType

if TYPE_CHECKING:
    from comptoir.sales.models import SalePayment


def use_terminal_payments(
    session: Session,
    *,
    sale_id: uuid.UUID,
    payments: Sequence[SalePayment],
    terminal_payment_ids: Sequence[uuid.UUID | None],
    types: Mapping[uuid.UUID, PaymentType],
    field: str = "register_sale_payments[{index}].terminal_payment_id",
) -> None:
    """`payments[i]` was sent with `terminal_payment_ids[i]` (the change, after them, names
    none). Fills each integrated payment's `processor` and `provider_reference`."""
    for index, (payment, terminal_id) in enumerate(
        zip(payments, terminal_payment_ids, strict=False)
    ):
        where = field.format(index=index)
        payment_type = types[payment.payment_type_id]
        if payment_type.provider is None:
            if terminal_id is not None:
                raise NotIntegrated(payment_type_id=payment_type.id, field=where)
            continue
        if terminal_id is None:
            raise TerminalPaymentRequired(field=where)
        taken = session.execute(
            update(TerminalPayment)
            .where(
                TerminalPayment.id == terminal_id,
                TerminalPayment.status == TerminalStatus.APPROVED,
                TerminalPayment.sale_payment_id.is_(None),
                TerminalPayment.amount == payment.amount,
                TerminalPayment.payment_type_id == payment.payment_type_id,
            )
            .values(sale_id=sale_id, sale_payment_id=payment.id, updated_at=utcnow())
            .returning(TerminalPayment.provider, TerminalPayment.provider_reference)
        ).first()
        if taken is None:
            _refuse(session, terminal_id=terminal_id, payment=payment, where=where)
        else:
            payment.processor, payment.provider_reference = taken


def _refuse(session: Session, *, terminal_id: uuid.UUID, payment: SalePayment, where: str) -> None:
    """Why the terminal payment could not be taken."""
    found = session.get(TerminalPayment, terminal_id, populate_existing=True)
    if found is None:
        raise UnknownTerminalPayment(terminal_payment_id=terminal_id, field=where)
    if found.sale_payment_id is not None:
        raise TerminalPaymentUsed(terminal_payment_id=terminal_id, sale_id=found.sale_id)
    if found.status != TerminalStatus.APPROVED:
        raise TerminalPaymentNotApproved(terminal_payment_id=terminal_id, status=found.status)
    raise TerminalPaymentMismatch(
        terminal_payment_id=terminal_id, field=where, amount=payment.amount, approved=found.amount
    )
