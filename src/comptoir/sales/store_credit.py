"""Store credit on the sales side: the port sales are handed to move a customer's credit
(sales may not import customers; customers' `store_credit.CREDIT_LEDGER` implements it)
and the moves a sale's store credit tenders make."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.sales.models import Sale
from comptoir.store.models import PaymentKind, PaymentType


class CreditLedger(Protocol):
    """Store credit, handed in by the caller (customers' `store_credit.CREDIT_LEDGER`)."""

    def issue(
        self,
        session: Session,
        *,
        customer_id: uuid.UUID,
        amount: Decimal,
        sale_id: uuid.UUID,
        user_id: uuid.UUID,
    ) -> None: ...

    def redeem(
        self,
        session: Session,
        *,
        customer_id: uuid.UUID,
        amount: Decimal,
        sale_id: uuid.UUID,
        user_id: uuid.UUID,
    ) -> None: ...

    def check_customer(self, session: Session, *, customer_id: uuid.UUID) -> None: ...

    def payment_type(self, session: Session) -> PaymentType: ...


def move_credit_tenders(session: Session, *, sale: Sale, ledger: CreditLedger | None) -> None:
    """Each store credit payment of `sale` moves the customer's credit, in the sale's
    transaction: a positive one spends it (REDEEM, refused below zero), a negative one (a
    refund) issues it. Without a ledger a sale cannot take store credit."""
    for payment in sale.payments:
        if payment.type_id != PaymentKind.STORE_CREDIT:
            continue
        amount = payment.amount
        if ledger is None:
            raise InvalidInput("store credit cannot be taken here", field="payments")
        if sale.customer_id is None:
            raise InvalidInput("store credit needs a customer", field="customer_id")
        if amount < 0:
            ledger.issue(
                session,
                customer_id=sale.customer_id,
                amount=-amount,
                sale_id=sale.id,
                user_id=sale.user_id,
            )
        else:
            ledger.redeem(
                session,
                customer_id=sale.customer_id,
                amount=amount,
                sale_id=sale.id,
                user_id=sale.user_id,
            )
