"""The customer's on-account balance and store credit, kept equal to their ledgers.

Each change is a ledger row and an atomic `UPDATE customer SET balance = balance + :delta`
in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.customers.ledger_models import CustomerAccountMovement
from comptoir.customers.models import Customer
from comptoir.customers.store_credit import CreditMove, move_credit
from comptoir.fiscal import records as fiscal
from comptoir.sales.account import apply_payment
from comptoir.sales.lifecycle import ONACCOUNT
from comptoir.sales.models import Sale
from comptoir.store import service as store


def move_account(
    session: Session,
    *,
    customer_id: uuid.UUID,
    sale_id: uuid.UUID | None,
    amount: Decimal,
    kind: str,
    user_id: uuid.UUID | None,
    client_id: str | None = None,
) -> Decimal:
    session.add(
        CustomerAccountMovement(
            customer_id=customer_id,
            sale_id=sale_id,
            amount=amount,
            kind=kind,
            user_id=user_id,
            client_id=client_id,
        )
    )
    session.flush()
    balance = session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(account_balance=Customer.account_balance + amount)
        .returning(Customer.account_balance)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if balance is None:
        raise NotFound("customer not found", customer_id=str(customer_id))
    return Decimal(balance)


def account_limit(session: Session, *, customer_id: uuid.UUID) -> Decimal | None:
    return session.scalar(select(Customer.on_account_limit).where(Customer.id == customer_id))


def move_store_credit(
    session: Session,
    *,
    customer_id: uuid.UUID,
    sale_id: uuid.UUID | None,
    amount: Decimal,
    type: str,
    user_id: uuid.UUID | None,
    client_id: str | None = None,
) -> None:
    """Store credit moved by a void or a cancelled layby (positive gives credit, negative
    takes it back, never below zero): the same move as a return's (`store_credit.move_credit`)."""
    move_credit(
        session,
        move=CreditMove(
            customer_id=customer_id,
            amount=amount,
            type=type,
            sale_id=sale_id,
            user_id=user_id,
            client_id=client_id,
        ),
    )


def ledger_balance(session: Session, *, customer_id: uuid.UUID) -> Decimal:
    """The sum of the customer's account movements (what the balance must equal)."""
    total = session.scalar(
        select(func.coalesce(func.sum(CustomerAccountMovement.amount), 0)).where(
            CustomerAccountMovement.customer_id == customer_id
        )
    )
    return Decimal(total or 0)


def sale_account_total(session: Session, *, sale_id: uuid.UUID) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(CustomerAccountMovement.amount), 0)).where(
            CustomerAccountMovement.sale_id == sale_id
        )
    )
    return Decimal(total or 0)


class _Ledger:
    move_account = staticmethod(move_account)
    account_limit = staticmethod(account_limit)
    move_store_credit = staticmethod(move_store_credit)
    sale_account_total = staticmethod(sale_account_total)


LEDGER = _Ledger()


def pay_balance(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    payment_type_id: uuid.UUID,
    amount: Decimal,
    client_id: uuid.UUID,
    user_id: uuid.UUID,
    register_id: uuid.UUID | None = None,
) -> bool:
    """The customer pays (part of) their account balance from their profile: the payment
    goes to their open on-account sales, oldest first, which close once paid, all in one
    transaction. `client_id` is the form's id for the payment: sent again, nothing changes
    (False). More than the balance is refused."""
    session = uow.session
    replayed = uow.reader.scalar(
        select(CustomerAccountMovement.id)
        .where(CustomerAccountMovement.client_id.like(f"{client_id}%"))
        .limit(1)
    )
    if replayed is not None:
        return False
    customer = session.scalars(
        select(Customer).where(Customer.id == customer_id).with_for_update()
    ).first()
    if customer is None or customer.deleted_at is not None:
        raise NotFound("customer not found", customer_id=str(customer_id))
    session.refresh(customer)
    if amount <= 0 or amount > customer.account_balance:
        raise InvalidInput(
            N_("A payment is positive and at most the balance owed."),
            field="amount",
            balance=str(customer.account_balance),
        )
    payment_type = store.get_payment_type(session, payment_type_id=payment_type_id)
    open_sales = session.scalars(
        select(Sale)
        .where(Sale.customer_id == customer_id, Sale.status == ONACCOUNT)
        .order_by(Sale.sale_date, Sale.id)
        .with_for_update()
    ).all()
    remaining = amount
    for sale in open_sales:
        owing = sale.total_price_incl - sale.total_payment
        part = min(owing, remaining)
        if part <= 0:
            continue
        apply_payment(
            session,
            record=sale,
            payment_id=uuid.uuid5(client_id, str(sale.id)),
            payment_type=payment_type,
            amount=part,
            register_id=register_id,
            user_id=user_id,
            ledger=LEDGER,
            client_id=f"{client_id}:{sale.id}",
        )
        enqueue(uow, topic="sale.update", payload={"sale_id": str(sale.id)})
        remaining -= part
    if remaining > 0:
        move_account(
            session,
            customer_id=customer_id,
            sale_id=None,
            amount=-remaining,
            kind="PAYMENT",
            user_id=user_id,
            client_id=str(client_id),
        )
        fiscal.record_account_payment(
            session,
            register_id=_taking_register(session, register_id=register_id, paid=open_sales),
            customer_id=customer_id,
            payment_type_id=payment_type.id,
            type_id=payment_type.type_id,
            paid=remaining,
            client_id=str(client_id),
        )
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        return False
    return True


def _taking_register(
    session: Session, *, register_id: uuid.UUID | None, paid: Sequence[Sale]
) -> uuid.UUID:
    """The register whose fiscal chain records a balance payment no sale takes: the one
    named, else the register of the last sale it paid, else the store's first register."""
    if register_id is not None:
        return register_id
    if paid:
        return paid[-1].register_id
    registers = store.list_registers(session)
    if not registers:
        raise InvalidInput(N_("The store has no register to take the payment."), field="amount")
    return registers[0].id
