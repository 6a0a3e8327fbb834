"""The customer's on-account balance and store credit, kept equal to their ledgers.

Each change is a ledger row and an atomic `UPDATE customer SET balance = balance + :delta`
in the caller's transaction.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.core.errors import NotFound
from comptoir.customers.ledger_models import CustomerAccountMovement, StoreCreditTransaction
from comptoir.customers.models import Customer


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


def issue_store_credit(
    session: Session,
    *,
    customer_id: uuid.UUID,
    sale_id: uuid.UUID | None,
    amount: Decimal,
    user_id: uuid.UUID | None,
    client_id: str | None = None,
) -> None:
    """Store credit given back (a cancelled layby's deposit): an ISSUE and the balance."""
    session.add(
        StoreCreditTransaction(
            customer_id=customer_id,
            sale_id=sale_id,
            amount=amount,
            type="ISSUE",
            user_id=user_id,
            client_id=client_id,
        )
    )
    session.flush()
    session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(store_credit_balance=Customer.store_credit_balance + amount)
        .execution_options(synchronize_session=False)
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
    issue_store_credit = staticmethod(issue_store_credit)
    sale_account_total = staticmethod(sale_account_total)


LEDGER = _Ledger()
