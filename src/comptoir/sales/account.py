"""What a sale asks of the customer's ledgers (on account, store credit).

Sales does not import customers (lint-imports); the route hands the use case customers'
implementation (`customers.account.LEDGER`), as it hands `get_customer` for lookups.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import records as fiscal
from comptoir.payments.usage import use_terminal_payments
from comptoir.sales.lifecycle import CLOSED_FORM, COMPLETED, ONACCOUNT, state_of
from comptoir.sales.models import Sale, SalePayment
from comptoir.sales.recording import queue_receipt
from comptoir.store import service as store
from comptoir.store.models import PaymentType


class CustomerLedger(Protocol):
    def move_account(
        self,
        session: Session,
        *,
        customer_id: uuid.UUID,
        sale_id: uuid.UUID | None,
        amount: Decimal,
        kind: str,
        user_id: uuid.UUID | None,
        client_id: str | None = None,
    ) -> Decimal:
        """Add `amount` (positive: owed) to the account with its movement; the new balance."""
        ...

    def account_limit(self, session: Session, *, customer_id: uuid.UUID) -> Decimal | None: ...

    def sale_account_total(self, session: Session, *, sale_id: uuid.UUID) -> Decimal:
        """What a sale's movements left on the account (its charge less its payments)."""
        ...

    def move_store_credit(
        self,
        session: Session,
        *,
        customer_id: uuid.UUID,
        sale_id: uuid.UUID | None,
        amount: Decimal,
        type: str,
        user_id: uuid.UUID | None,
        client_id: str | None = None,
    ) -> None:
        """Add `amount` (positive: credit given) with a ledger row of `type`; below zero:
        InsufficientStoreCredit."""
        ...


class NoLedger:
    """For callers that record only closed or parked sales: any ledger use is refused."""

    def move_account(self, session: Session, **_: object) -> Decimal:
        raise InvalidInput("on-account sales are not accepted here", field="status")

    def account_limit(self, session: Session, *, customer_id: uuid.UUID) -> Decimal | None:
        return None

    def sale_account_total(self, session: Session, *, sale_id: uuid.UUID) -> Decimal:
        return Decimal(0)

    def move_store_credit(self, session: Session, **_: object) -> None:
        raise InvalidInput("store credit is not available here", field="status")


NO_LEDGER: CustomerLedger = NoLedger()


class AccountLimitExceeded(PermissionDenied):
    def __init__(self, *, limit: Decimal, balance: Decimal) -> None:
        super().__init__(
            "this sale takes the customer over their account limit: a manager"
            " (sales:exceed_account_limit) may allow it",
            limit=str(limit),
            balance=str(balance),
            permission="sales:exceed_account_limit",
        )


def charge_account(
    session: Session,
    *,
    ledger: CustomerLedger,
    customer_id: uuid.UUID,
    sale_id: uuid.UUID,
    amount: Decimal,
    user_id: uuid.UUID,
    may_exceed_limit: bool,
) -> None:
    """Put the unpaid part of an on-account sale on the customer's balance, within their
    limit unless the seller may exceed it (checked on the balance after the atomic update,
    in the same transaction: a refusal rolls everything back)."""
    if amount <= 0:
        return
    balance = ledger.move_account(
        session,
        customer_id=customer_id,
        sale_id=sale_id,
        amount=amount,
        kind="SALE",
        user_id=user_id,
        client_id=f"sale:{sale_id}",
    )
    limit = ledger.account_limit(session, customer_id=customer_id)
    if limit is not None and balance > limit and not may_exceed_limit:
        raise AccountLimitExceeded(limit=limit, balance=balance)


def pay_sale(
    uow: UnitOfWork,
    *,
    sale_id: uuid.UUID,
    payment_id: uuid.UUID,
    payment_type_id: uuid.UUID,
    amount: Decimal,
    register_id: uuid.UUID | None,
    user_id: uuid.UUID,
    ledger: CustomerLedger,
    terminal_payment_id: uuid.UUID | None = None,
) -> tuple[Sale, bool]:
    """A later payment on a layby or an on-account sale, from any register. `payment_id` is
    the sender's id for it: sent again, it changes nothing (False). Paid in full, the sale
    closes (LAYBY_CLOSED, ONACCOUNT_CLOSED); an on-account payment lowers the balance."""
    session = uow.session
    if uow.reader.get(SalePayment, payment_id) is not None:
        return get_live_sale(uow.reader, sale_id=sale_id), False
    record = session.scalars(select(Sale).where(Sale.id == sale_id).with_for_update()).first()
    if record is None or record.deleted_at is not None:
        raise NotFound("sale not found", sale_id=str(sale_id))
    session.refresh(record)
    if record.status not in CLOSED_FORM:
        raise Conflict("only an open layby or on-account sale takes payments", status=record.status)
    owing = record.total_price_incl - record.total_payment
    if amount <= 0 or amount > owing:
        raise InvalidInput(
            "a payment is positive and at most what is left to pay",
            field="amount",
            owing=str(owing),
        )
    payment_type = store.get_payment_type(session, payment_type_id=payment_type_id)
    apply_payment(
        session,
        record=record,
        payment_id=payment_id,
        payment_type=payment_type,
        amount=amount,
        register_id=register_id,
        user_id=user_id,
        ledger=ledger,
    )
    session.flush()
    # A card payment on a terminal is its approved terminal payment (`terminal_payment_id`).
    use_terminal_payments(
        session,
        sale_id=record.id,
        payments=record.payments[-1:],
        terminal_payment_ids=[terminal_payment_id],
        types={payment_type.id: payment_type},
        field="terminal_payment_id",
    )
    enqueue(uow, topic="sale.update", payload={"sale_id": str(record.id)})
    if record.status in COMPLETED:  # paid in full: its receipt, as at the end of a sale
        register = store.get_register(session, register_id=register_id or record.register_id)
        queue_receipt(uow, sale=record, register=register)
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        if uow.session.get(SalePayment, payment_id) is None:
            raise
        return get_live_sale(uow.session, sale_id=sale_id), False
    return record, True


def get_live_sale(session: Session, *, sale_id: uuid.UUID) -> Sale:
    found = session.get(Sale, sale_id)
    if found is None or found.deleted_at is not None:
        raise NotFound("sale not found", sale_id=str(sale_id))
    return found


def apply_payment(
    session: Session,
    *,
    record: Sale,
    payment_id: uuid.UUID,
    payment_type: PaymentType,
    amount: Decimal,
    register_id: uuid.UUID | None,
    user_id: uuid.UUID,
    ledger: CustomerLedger,
    client_id: str | None = None,
) -> None:
    """Add a payment to a locked open sale in the caller's transaction: an on-account
    payment lowers the customer's balance (`client_id`, the payment's id by default);
    paid in full, the sale closes. The register taking it must be open."""
    register_id = register_id or record.register_id
    record.payments.append(
        SalePayment(
            id=payment_id,
            position=len(record.payments),
            register_id=register_id,
            register_session_id=store.lock_open_session(session, register_id=register_id),
            payment_type_id=payment_type.id,
            type_id=payment_type.type_id,
            name=payment_type.name,
            amount=amount,
            payment_date=utcnow(),
        )
    )
    record.total_payment += amount
    if record.status == ONACCOUNT and record.customer_id is not None:
        ledger.move_account(
            session,
            customer_id=record.customer_id,
            sale_id=record.id,
            amount=-amount,
            kind="PAYMENT",
            user_id=user_id,
            client_id=client_id or str(payment_id),
        )
    if record.total_payment >= record.total_price_incl:
        record.status = CLOSED_FORM[record.status]
        record.state = state_of(record.status)
    fiscal.record_sale_payment(session, sale=record, payment=record.payments[-1])
