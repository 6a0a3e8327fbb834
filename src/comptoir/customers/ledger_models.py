"""The two money ledgers a customer has: what they owe on account and their store credit.

Each row is one movement; the customer's `account_balance` and `store_credit_balance` are
kept equal to the sum of their movements by atomic updates in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id


class CustomerAccountMovement(Base):
    """Positive: the customer owes more (an on-account sale); negative: a payment."""

    __tablename__ = "customer_account_movement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    sale_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sale.id"), default=None)
    amount: Mapped[Decimal]
    kind: Mapped[str] = mapped_column(String(20))  # SALE, PAYMENT, VOID
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # The sender's id for the movement: a replayed request finds the first one.
    client_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StoreCreditTransaction(Base):
    """X-Series 2.0-beta store credit transaction: positive issues credit, negative spends it."""

    __tablename__ = "store_credit_transaction"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    amount: Mapped[Decimal]
    # X-Series types: ISSUE, REDEEM, REVERSE_ISSUE, REVERSE_REDEEM.
    type: Mapped[str] = mapped_column(String(20))
    sale_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sale.id"), default=None)
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    client_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
