"""Card refunds of returns: written with the return (one row per card payment refunded,
its id the refund's idempotency key at the provider), sent after the return commits by the
outbox, and recorded when the provider confirms. The outbox delivers at least once and the
provider takes a refund key once: a retried refund is still one refund."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.money import ZERO, round_money
from comptoir.core.outbox import enqueue, subscribe
from comptoir.core.uow import UnitOfWork
from comptoir.payments.errors import CardRefundImpossible
from comptoir.payments.models import TerminalPayment, TerminalRefund
from comptoir.payments.provider import ProviderRefused, ProviderUnreachable, TerminalStatus
from comptoir.payments.service import provider_for
from comptoir.store.models import PaymentType

if TYPE_CHECKING:
    from comptoir.sales.models import Sale

REFUND_TOPIC = "terminal.refund"
PENDING, REFUNDED = "PENDING", "REFUNDED"
_KEYS = uuid.UUID("0b6a7a8e-5d0e-4bb4-9a53-4f0e5c2d7f11")

_database: Database | None = None


def configure(database: Database) -> None:
    """The database the refund handler records outcomes in (the app's, the worker's)."""
    global _database
    _database = database


def queue_card_refunds(uow: UnitOfWork, *, sale: Sale, original: Sale | None) -> None:
    """For each refund of `sale` (a return) on an integrated type, the card refunds that
    give it back on `original`'s terminal payments of that type, oldest first. Call after
    the return is flushed, with the original sale's row locked."""
    session = uow.session
    for payment in sale.payments:
        payment_type = session.get(PaymentType, payment.payment_type_id)
        if payment.amount >= 0 or payment_type is None or payment_type.provider is None:
            continue
        due = -payment.amount
        candidates = []
        if original is not None:
            candidates = list(
                session.scalars(
                    select(TerminalPayment)
                    .where(
                        TerminalPayment.sale_id == original.id,
                        TerminalPayment.payment_type_id == payment_type.id,
                    )
                    .order_by(TerminalPayment.created_at)
                )
            )
        for terminal in candidates:
            take = min(terminal.amount - _reserved(session, terminal.id), due)
            if take <= 0:
                continue
            refund_id = uuid.uuid5(_KEYS, f"{payment.id}:{terminal.id}")
            session.add(
                TerminalRefund(
                    id=refund_id,
                    terminal_payment_id=terminal.id,
                    sale_id=sale.id,
                    sale_payment_id=payment.id,
                    amount=take,
                    status=PENDING,
                    created_at=utcnow(),
                )
            )
            session.flush()
            enqueue(uow, topic=REFUND_TOPIC, payload={"refund_id": str(refund_id)})
            payment.processor = terminal.provider
            due -= take
            if due == 0:
                break
        if due > 0:
            raise CardRefundImpossible(amount=due)


def _reserved(session: Session, terminal_payment_id: uuid.UUID) -> Decimal:
    """What the refunds already written take of a terminal payment."""
    total = session.scalar(
        select(func.sum(TerminalRefund.amount)).where(
            TerminalRefund.terminal_payment_id == terminal_payment_id
        )
    )
    return total if total is not None else ZERO


def refunds_of_sale(session: Session, *, sale_id: uuid.UUID) -> list[TerminalRefund]:
    query = select(TerminalRefund).where(TerminalRefund.sale_id == sale_id)
    return list(session.scalars(query.order_by(TerminalRefund.created_at)))


@subscribe(REFUND_TOPIC)
def send_card_refund(payload: dict[str, Any]) -> None:
    """Ask the provider for the refund; record it once it is confirmed. A failure is
    recorded on the refund (visible) and raised, so the outbox tries again later."""
    if _database is None:
        raise RuntimeError("payments.refunds is not configured with a database")
    refund_id = uuid.UUID(str(payload["refund_id"]))
    with _database.unit_of_work() as uow:
        refund = uow.reader.get(TerminalRefund, refund_id)
        if refund is None or refund.status == REFUNDED:
            return
        terminal = uow.reader.get(TerminalPayment, refund.terminal_payment_id)
        assert terminal is not None
        provider = provider_for(
            uow.reader, name=terminal.provider, payment_type_id=terminal.payment_type_id
        )
        amount = round_money(refund.amount, currency=terminal.currency)
        terminal_id = terminal.id
        key = str(terminal_id)
    try:
        result = provider.refund_payment(key, refund_key=str(refund_id), amount=amount)
    except (ProviderUnreachable, ProviderRefused) as exc:
        _record_failure(refund_id, error=str(exc))
        raise
    with _database.unit_of_work() as uow:
        done = uow.session.execute(
            update(TerminalRefund)
            .where(TerminalRefund.id == refund_id, TerminalRefund.status != REFUNDED)
            .values(
                status=REFUNDED,
                provider_reference=(result.reference or "")[:100] or None,
                completed_at=utcnow(),
                last_error=None,
            )
            .returning(TerminalRefund.id)
        ).first()
        if done:
            uow.session.execute(
                update(TerminalPayment)
                .where(TerminalPayment.id == terminal_id)
                .values(
                    refunded_amount=TerminalPayment.refunded_amount + amount, updated_at=utcnow()
                )
            )
            uow.session.execute(
                update(TerminalPayment)
                .where(
                    TerminalPayment.id == terminal_id,
                    TerminalPayment.refunded_amount >= TerminalPayment.amount,
                )
                .values(status=TerminalStatus.REFUNDED)
            )
        uow.commit()


def _record_failure(refund_id: uuid.UUID, *, error: str) -> None:
    assert _database is not None
    with _database.unit_of_work() as uow:
        uow.session.execute(
            update(TerminalRefund)
            .where(TerminalRefund.id == refund_id)
            .values(attempts=TerminalRefund.attempts + 1, last_error=error[:2000])
        )
        uow.commit()
