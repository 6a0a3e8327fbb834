"""Store credit: a customer's balance and its ledger (X-Series 2.0-beta `/store_credits`).

Every movement is a `StoreCreditTransaction` row and an atomic, guarded update of
`customer.store_credit_balance` in the same transaction, so the balance always equals the
sum of its ledger and never goes below zero, even when two registers spend it at once.
A transaction carries the sender's `client_id`: a replay finds the first one and changes
nothing.

Lives in customers (sales may not import customers): returns and sales are handed
`CREDIT_LEDGER`, which satisfies `sales.returns.CreditLedger`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.money import ZERO, round_money
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import allocate_versions
from comptoir.customers.ledger_models import StoreCreditTransaction
from comptoir.customers.models import Customer
from comptoir.customers.service import get_customer
from comptoir.store import service as store
from comptoir.store.models import PaymentKind, PaymentType

ISSUE = "ISSUE"
REDEEM = "REDEEM"
REVERSE_ISSUE = "REVERSE_ISSUE"
REVERSE_REDEEM = "REVERSE_REDEEM"
# X-Series 2.0-beta names of our types, both ways.
API_TYPE = {
    ISSUE: "ISSUE",
    REDEEM: "REDEMPTION",
    REVERSE_ISSUE: "REVERSE",
    REVERSE_REDEEM: "REVERSE",
}
STORE_CREDIT_TYPE_NAME = "Store credit"


class InsufficientStoreCredit(InvalidInput):
    def __init__(self, *, customer_id: uuid.UUID, amount: Decimal) -> None:
        super().__init__(
            "the customer's store credit does not cover this amount",
            customer_id=str(customer_id),
            amount=str(amount),
        )


class ClientIdReused(Conflict):
    def __init__(self, *, client_id: str) -> None:
        super().__init__(
            "this client_id already names another store credit transaction", client_id=client_id
        )


@dataclass(frozen=True, kw_only=True)
class CreditMove:
    customer_id: uuid.UUID
    amount: Decimal  # positive issues credit, negative spends it
    type: str
    sale_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    client_id: str | None = None
    note: str | None = None


def move_credit(session: Session, *, move: CreditMove) -> StoreCreditTransaction:
    """Add one ledger row and apply it to the balance, in the caller's transaction. A spend
    that would take the balance below zero raises InsufficientStoreCredit (nothing written
    by this call; the caller's transaction is rolled back by its unit of work)."""
    if move.amount == 0:
        raise InvalidInput("a store credit transaction needs a non-zero amount", field="amount")
    version = allocate_versions(session, 1)[0]
    changed = session.execute(
        update(Customer)
        .where(
            Customer.id == move.customer_id,
            Customer.deleted_at.is_(None),
            Customer.store_credit_balance + move.amount >= 0,
        )
        .values(
            store_credit_balance=Customer.store_credit_balance + move.amount,
            version=version,
            updated_at=utcnow(),
        )
        .returning(Customer.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if changed is None:
        get_customer(session, customer_id=move.customer_id)  # NotFound when it is not there
        raise InsufficientStoreCredit(customer_id=move.customer_id, amount=-move.amount)
    row = StoreCreditTransaction(
        id=uuid.uuid4(),
        customer_id=move.customer_id,
        amount=move.amount,
        type=move.type,
        sale_id=move.sale_id,
        user_id=move.user_id,
        client_id=move.client_id,
        note=move.note,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


class _Ledger:
    """What returns and sales are handed to move credit (`sales.returns.CreditLedger`)."""

    def issue(
        self,
        session: Session,
        *,
        customer_id: uuid.UUID,
        amount: Decimal,
        sale_id: uuid.UUID,
        user_id: uuid.UUID,
    ) -> None:
        move_credit(
            session,
            move=CreditMove(
                customer_id=customer_id, amount=amount, type=ISSUE, sale_id=sale_id, user_id=user_id
            ),
        )

    def redeem(
        self,
        session: Session,
        *,
        customer_id: uuid.UUID,
        amount: Decimal,
        sale_id: uuid.UUID,
        user_id: uuid.UUID,
    ) -> None:
        move_credit(
            session,
            move=CreditMove(
                customer_id=customer_id,
                amount=-amount,
                type=REDEEM,
                sale_id=sale_id,
                user_id=user_id,
            ),
        )

    def check_customer(self, session: Session, *, customer_id: uuid.UUID) -> None:
        get_customer(session, customer_id=customer_id)

    def payment_type(self, session: Session) -> PaymentType:
        return ensure_store_credit_payment_type(session)


CREDIT_LEDGER = _Ledger()


def ensure_store_credit_payment_type(session: Session) -> PaymentType:
    """The store's "Store credit" payment type (type_id 20), created when missing: new
    stores get it at setup, older ones on first use. Flushed, not committed."""
    found = session.scalars(
        select(PaymentType)
        .where(PaymentType.type_id == PaymentKind.STORE_CREDIT, PaymentType.deleted_at.is_(None))
        .order_by(PaymentType.created_at)
    ).first()
    if found is not None:
        return found
    created = PaymentType(
        id=uuid.uuid4(), name=STORE_CREDIT_TYPE_NAME, type_id=PaymentKind.STORE_CREDIT
    )
    session.add(created)
    session.flush()
    return created


def record_credit_transaction(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    amount: Decimal,
    type: str,
    client_id: str,
    user_id: uuid.UUID,
    note: str | None = None,
) -> tuple[StoreCreditTransaction, bool]:
    """A transaction typed at the back office or sent by the API (2.0-beta types ISSUE,
    REDEMPTION, REVERSE). Returns it and whether this call created it; a replay of the
    same `client_id` for the same customer and amount returns the first one."""
    client_id = client_id.strip()
    if not client_id:
        raise InvalidInput("a store credit transaction needs a client_id", field="client_id")
    existing = _by_client_id(uow.reader, client_id=client_id)
    if existing is not None:
        return _replayed(existing, customer_id=customer_id, amount=amount), False
    kind = _our_type(type, amount=amount)
    retailer = store.get_retailer(uow.reader)
    if round_money(amount, currency=retailer.currency) != amount:
        raise InvalidInput(
            f"amounts have at most the currency's decimal places ({retailer.currency})",
            field="amount",
        )
    get_customer(uow.reader, customer_id=customer_id)
    try:
        row = move_credit(
            uow.session,
            move=CreditMove(
                customer_id=customer_id,
                amount=amount,
                type=kind,
                user_id=user_id,
                client_id=client_id,
                note=note,
            ),
        )
        uow.commit()
    except IntegrityError:
        uow.rollback()
        existing = _by_client_id(uow.session, client_id=client_id)
        if existing is None:
            raise
        return _replayed(existing, customer_id=customer_id, amount=amount), False
    return row, True


def _our_type(api_type: str, *, amount: Decimal) -> str:
    wanted = api_type.strip().upper()
    if wanted == "ISSUE":
        if amount <= 0:
            raise InvalidInput("an ISSUE adds credit: its amount is positive", field="amount")
        return ISSUE
    if wanted in {"REDEMPTION", "REDEEM"}:
        if amount >= 0:
            raise InvalidInput("a REDEMPTION spends credit: its amount is negative", field="amount")
        return REDEEM
    if wanted == "REVERSE":
        if amount == 0:
            raise InvalidInput("a REVERSE needs a non-zero amount", field="amount")
        # Reversing an issue takes credit back; reversing a redemption gives it back.
        return REVERSE_ISSUE if amount < 0 else REVERSE_REDEEM
    raise InvalidInput("type is one of ISSUE, REDEMPTION, REVERSE", field="type")


def _by_client_id(session: Session, *, client_id: str) -> StoreCreditTransaction | None:
    return session.scalars(
        select(StoreCreditTransaction).where(StoreCreditTransaction.client_id == client_id)
    ).first()


def _replayed(
    existing: StoreCreditTransaction, *, customer_id: uuid.UUID, amount: Decimal
) -> StoreCreditTransaction:
    if existing.customer_id != customer_id or existing.amount != amount:
        raise ClientIdReused(client_id=existing.client_id or "")
    return existing


@dataclass(frozen=True, kw_only=True)
class CreditAccount:
    customer_id: uuid.UUID
    balance: Decimal
    total_credit_issued: Decimal
    transactions: Sequence[StoreCreditTransaction]


def credit_account(session: Session, *, customer_id: uuid.UUID) -> CreditAccount:
    """One customer's balance and ledger, newest first (404 for an unknown customer)."""
    customer = get_customer(session, customer_id=customer_id)
    rows = list(
        session.scalars(
            select(StoreCreditTransaction)
            .where(StoreCreditTransaction.customer_id == customer_id)
            .order_by(StoreCreditTransaction.created_at.desc(), StoreCreditTransaction.id)
        )
    )
    return CreditAccount(
        customer_id=customer.id,
        balance=customer.store_credit_balance,
        total_credit_issued=sum((r.amount for r in rows if r.type == ISSUE), ZERO),
        transactions=rows,
    )


def credit_accounts(
    session: Session, *, customer_ids: Sequence[uuid.UUID] | None = None, limit: int = 1000
) -> list[CreditAccount]:
    """Customers with store credit history (or the ones named), with their ledgers."""
    query = select(StoreCreditTransaction.customer_id).distinct()
    if customer_ids is not None:
        query = query.where(StoreCreditTransaction.customer_id.in_(customer_ids))
    ids = sorted(session.scalars(query.limit(limit)), key=lambda c: c.int)
    return [credit_account(session, customer_id=cid) for cid in ids]


def ledger_sum(session: Session, *, customer_id: uuid.UUID) -> Decimal:
    """The sum of a customer's ledger: what `store_credit_balance` must always equal."""
    total = session.scalar(
        select(func.coalesce(func.sum(StoreCreditTransaction.amount), 0)).where(
            StoreCreditTransaction.customer_id == customer_id
        )
    )
    return Decimal(total or 0)


def credit_report(session: Session) -> dict[str, Decimal]:
    issued = session.scalar(
        select(func.coalesce(func.sum(StoreCreditTransaction.amount), 0)).where(
            StoreCreditTransaction.amount > 0
        )
    )
    redeemed = session.scalar(
        select(func.coalesce(func.sum(StoreCreditTransaction.amount), 0)).where(
            StoreCreditTransaction.amount < 0
        )
    )
    outstanding = session.scalar(
        select(func.coalesce(func.sum(Customer.store_credit_balance), 0)).where(
            Customer.deleted_at.is_(None)
        )
    )
    return {
        "total_value_issued": Decimal(issued or 0),
        "total_value_redeemed": -Decimal(redeemed or 0),
        "outstanding_balance": Decimal(outstanding or 0),
    }
