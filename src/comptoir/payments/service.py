"""Terminal payments: start one on the register's terminal, follow it, cancel it.

The row is committed PENDING before the terminal is asked, then the answer is recorded in a
second short transaction: the network call holds no lock, and an answer lost on the way
(`ProviderUnreachable`) leaves a PENDING payment whose next poll asks the provider again with
the same key, which finds the payment as the terminal left it. Starting again with the same
id is the same payment (never a second charge).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.money import round_money
from comptoir.core.outbox import OutboxMessage
from comptoir.core.uow import UnitOfWork
from comptoir.payments import registry
from comptoir.payments.errors import NotIntegrated, TerminalPaymentKeyReused
from comptoir.payments.models import PaymentTypeTerminal, TerminalPayment, TerminalRefund
from comptoir.payments.provider import (
    PaymentProvider,
    PaymentRequest,
    PaymentResult,
    ProviderRefused,
    ProviderUnreachable,
    TerminalStatus,
)
from comptoir.payments.states import next_status
from comptoir.store import service as store
from comptoir.store.models import Register


@dataclass(frozen=True, kw_only=True)
class StartInput:
    id: uuid.UUID  # the register's idempotency key
    register_id: uuid.UUID
    payment_type_id: uuid.UUID
    amount: Decimal


FOLLOW_UP_TOPIC = "terminal.follow_up"
# Long enough for the register to see the usual payment through by itself.
FOLLOW_UP_AFTER = timedelta(minutes=2)


def provider_for(session: Session, *, name: str, payment_type_id: uuid.UUID) -> PaymentProvider:
    """The adapter of `name`, configured with the payment type's address."""
    setting = session.get(PaymentTypeTerminal, payment_type_id)
    if setting is None:
        raise InvalidInput(N_("this payment type's terminal has no address"), field="address")
    return registry.make_provider(name, config=registry.ProviderConfig(address=setting.address))


def get_terminal_payment(session: Session, *, payment_id: uuid.UUID) -> TerminalPayment:
    payment = session.get(TerminalPayment, payment_id)
    if payment is None:
        raise NotFound(N_("unknown terminal payment"), terminal_payment_id=str(payment_id))
    return payment


def refunds_of(session: Session, *, payment_id: uuid.UUID) -> list[TerminalRefund]:
    query = select(TerminalRefund).where(TerminalRefund.terminal_payment_id == payment_id)
    return list(session.scalars(query.order_by(TerminalRefund.created_at)))


def start_terminal_payment(
    uow: UnitOfWork, *, request: StartInput, user_id: uuid.UUID
) -> tuple[TerminalPayment, bool]:
    """Show the amount on the register's terminal. Returns the payment and whether this call
    created it; the same id again is the same payment (a PENDING one is asked again)."""
    existing = uow.reader.get(TerminalPayment, request.id)
    if existing is not None:
        if (existing.register_id, existing.payment_type_id, existing.amount) != (
            request.register_id,
            request.payment_type_id,
            request.amount,
        ):
            raise TerminalPaymentKeyReused(terminal_payment_id=request.id)
        return refresh_terminal_payment(uow, payment_id=request.id), False
    register = store.get_register(uow.reader, register_id=request.register_id)
    if _open_session_of(uow.reader, register_id=register.id) is None:
        # A card charged on a closed register could pay no sale: refuse before the terminal.
        raise store.RegisterClosed(register_id=register.id)
    payment_type = store.get_payment_type(uow.reader, payment_type_id=request.payment_type_id)
    if payment_type.provider is None:
        raise NotIntegrated(payment_type_id=payment_type.id)
    currency = store.get_retailer(uow.reader).currency
    if request.amount <= 0 or round_money(request.amount, currency=currency) != request.amount:
        raise InvalidInput(
            N_("a card payment is a positive amount in the currency's units"), field="amount"
        )
    provider = provider_for(uow.reader, name=payment_type.provider, payment_type_id=payment_type.id)
    now = utcnow()
    payment = TerminalPayment(
        id=request.id,
        register_id=register.id,
        payment_type_id=payment_type.id,
        user_id=user_id,
        amount=request.amount,
        currency=currency,
        status=TerminalStatus.PENDING,
        provider=payment_type.provider,
        terminal_id=str(register.id),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(payment)
    _queue_follow_up(uow, payment_id=payment.id)
    try:
        uow.commit()
    except IntegrityError:
        # The same id sent twice at once: the other request created it.
        uow.rollback()
        return refresh_terminal_payment(uow, payment_id=request.id), False
    result = _ask(
        lambda: provider.start_payment(
            PaymentRequest(
                key=str(payment.id),
                amount=payment.amount,
                currency=currency,
                terminal_id=payment.terminal_id,
                reference=register.name,
            )
        )
    )
    return _record(uow, payment_id=payment.id, result=result), True


def _queue_follow_up(uow: UnitOfWork, *, payment_id: uuid.UUID) -> None:
    """The outbox asks the provider about this payment later, until it ends, in case the
    register stops asking (payments/follow_up.py)."""
    uow.session.add(
        OutboxMessage(
            id=uuid.uuid4(),
            topic=FOLLOW_UP_TOPIC,
            payload={"terminal_payment_id": str(payment_id)},
            available_at=utcnow() + FOLLOW_UP_AFTER,
        )
    )


def _open_session_of(session: Session, *, register_id: uuid.UUID) -> uuid.UUID | None:
    """The register's open session as the database holds it now (not a loaded row)."""
    return session.scalar(select(Register.open_session_id).where(Register.id == register_id))


def refresh_terminal_payment(uow: UnitOfWork, *, payment_id: uuid.UUID) -> TerminalPayment:
    """A PENDING payment asked again (the register polls): get its state at the provider,
    or, if the provider never received it, start it again with the same key."""
    payment = get_terminal_payment(uow.reader, payment_id=payment_id)
    if payment.status != TerminalStatus.PENDING:
        return payment
    provider = provider_for(
        uow.reader, name=payment.provider, payment_type_id=payment.payment_type_id
    )
    key = str(payment.id)
    result: PaymentResult | str
    try:
        result = provider.get_payment(key)
    except ProviderUnreachable as exc:
        result = str(exc)
    except ProviderRefused:
        # The provider never received it (its answer to the start was lost before it).
        result = _ask(
            lambda: provider.start_payment(
                PaymentRequest(
                    key=key,
                    amount=round_money(payment.amount, currency=payment.currency),
                    currency=payment.currency,
                    terminal_id=payment.terminal_id,
                )
            )
        )
    return _record(uow, payment_id=payment.id, result=result)


def cancel_terminal_payment(uow: UnitOfWork, *, payment_id: uuid.UUID) -> TerminalPayment:
    """The cashier stops it: a PENDING payment is cancelled on the terminal (it may have been
    approved just before: it then stays APPROVED); an approved one no sale used is voided.
    Cancelling a payment already ended changes nothing."""
    payment = get_terminal_payment(uow.reader, payment_id=payment_id)
    _refuse_if_used(payment)
    if payment.status not in (
        TerminalStatus.PENDING,
        TerminalStatus.APPROVED,
        TerminalStatus.VOIDING,
    ):
        return payment
    provider = provider_for(
        uow.reader, name=payment.provider, payment_type_id=payment.payment_type_id
    )
    key = str(payment.id)
    if payment.status == TerminalStatus.PENDING:
        result = _ask(lambda: provider.cancel_payment(key))
        payment = _record(uow, payment_id=payment.id, result=result)
        if payment.status != TerminalStatus.APPROVED:
            return payment
    _claim_for_void(uow, payment_id=payment.id)
    voided = _ask(lambda: provider.void_payment(key))
    if isinstance(voided, PaymentResult) and voided.status == TerminalStatus.FAILED:
        # The provider refused the void: the card stays charged, the payment usable again.
        voided = PaymentResult(status=TerminalStatus.APPROVED, message=voided.message)
    return _record(uow, payment_id=payment.id, result=voided)


def _refuse_if_used(payment: TerminalPayment) -> None:
    if payment.sale_payment_id is not None:
        raise Conflict(
            N_("this terminal payment already pays a sale"), sale_id=str(payment.sale_id)
        )


def _claim_for_void(uow: UnitOfWork, *, payment_id: uuid.UUID) -> None:
    """Mark it VOIDING, committed, before the provider is asked: a sale taking the payment
    at the same moment (usage.py only takes APPROVED ones) either took it first, and the
    void is refused, or finds it VOIDING and is refused; a card is never voided under a sale."""
    claimed = uow.session.execute(
        update(TerminalPayment)
        .where(
            TerminalPayment.id == payment_id,
            TerminalPayment.status.in_((TerminalStatus.APPROVED, TerminalStatus.VOIDING)),
            TerminalPayment.sale_payment_id.is_(None),
        )
        .values(status=TerminalStatus.VOIDING, updated_at=utcnow())
        .returning(TerminalPayment.id)
    ).first()
    uow.commit()
    if claimed is None:
        payment = uow.session.get_one(TerminalPayment, payment_id, populate_existing=True)
        _refuse_if_used(payment)
        raise Conflict(N_("this terminal payment can no longer be voided"), status=payment.status)


def _ask(call: Callable[[], PaymentResult]) -> PaymentResult | str:
    """The provider's answer; a refusal fails the payment; no answer is why there was none
    (the payment then stays as it is, and is asked again)."""
    try:
        return call()
    except ProviderUnreachable as exc:
        return str(exc)
    except ProviderRefused as exc:
        return PaymentResult(status=TerminalStatus.FAILED, message=str(exc)[:300])


def _unchanged(payment: TerminalPayment, result: PaymentResult | str) -> bool:
    if isinstance(result, str):
        return payment.message == result[:300]
    return (
        result.status == payment.status
        and payment.message is None
        and (result.reference is None or payment.provider_reference is not None)
    )


def _record(
    uow: UnitOfWork,
    *,
    payment_id: uuid.UUID,
    result: PaymentResult | str,
    unused_only: bool = False,
) -> TerminalPayment:
    """Apply the provider's answer, where the state machine allows it, in its own commit."""
    known = uow.reader.get(TerminalPayment, payment_id, populate_existing=True)
    if known is not None and _unchanged(known, result):
        return known  # a poll that learnt nothing writes nothing
    query = select(TerminalPayment).where(TerminalPayment.id == payment_id).with_for_update()
    payment = uow.session.scalars(query).one()
    uow.session.refresh(payment)
    now = utcnow()
    if isinstance(result, str):
        payment.message = result[:300]
    elif not (unused_only and payment.sale_payment_id is not None):
        current = TerminalStatus(payment.status)
        status = next_status(current=current, reported=result.status)
        if status != current:
            payment.status = status
            payment.completed_at = now
        if status != current or result.status == current:
            payment.message = result.message
        if result.reference and payment.provider_reference is None:
            payment.provider_reference = result.reference[:100]
    payment.updated_at = now
    uow.commit()
    return payment
