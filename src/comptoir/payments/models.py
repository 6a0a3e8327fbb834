"""Terminal payments (one per card presented, keyed by the register's idempotency key), their
refunds, and where each integrated payment type's provider is reached."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base


class TerminalPayment(Base):
    """A payment taken on a terminal. `id` is the idempotency key the register made: the
    same key is the same payment, here and at the provider."""

    __tablename__ = "terminal_payment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    register_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register.id"), index=True)
    payment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_type.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    terminal_id: Mapped[str] = mapped_column(String(100))
    provider_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    # The provider's words for a decline or a failure, or why it could not be reached.
    message: Mapped[str | None] = mapped_column(String(300), default=None)
    # The sale payment it paid (set once, by the sale that used it).
    sale_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sale.id"), default=None, index=True
    )
    sale_payment_id: Mapped[uuid.UUID | None] = mapped_column(default=None, unique=True)
    refunded_amount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class TerminalRefund(Base):
    """A card refund of a return, sent to the provider after the return commits (outbox).
    `id` is the refund's idempotency key at the provider."""

    __tablename__ = "terminal_refund"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    terminal_payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("terminal_payment.id"), index=True
    )
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sale.id"), index=True)  # the return
    sale_payment_id: Mapped[uuid.UUID] = mapped_column()
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(20))  # PENDING, REFUNDED
    provider_reference: Mapped[str | None] = mapped_column(String(100), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class PaymentTypeTerminal(Base):
    """Where an integrated payment type's provider is reached: one address per payment type
    (a cloud terminal API); the terminal itself is named by the register's id."""

    __tablename__ = "payment_type_terminal"

    payment_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payment_type.id"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(200))
