"""A register's day: the session opened with a float, its cash movements, its closure.

The register row names its open session (`register.open_session_id`): a sale's atomic
invoice-number bump reads it, so a sale on a closed register is refused without an extra
statement, and closing (which updates the same row) takes turns with that register's sales.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class MovementKind(StrEnum):
    CASH_IN = "CASH_IN"
    CASH_OUT = "CASH_OUT"
    PETTY_CASH_IN = "PETTY_CASH_IN"
    PETTY_CASH_OUT = "PETTY_CASH_OUT"


# What each kind does to the drawer's cash.
MOVEMENT_SIGN = {
    MovementKind.CASH_IN: 1,
    MovementKind.CASH_OUT: -1,
    MovementKind.PETTY_CASH_IN: 1,
    MovementKind.PETTY_CASH_OUT: -1,
}


class RegisterSession(Versioned, Base):
    """One opening of a register, until its closure (`closed_at`): final once closed."""

    __tablename__ = "register_session"
    __table_args__ = (UniqueConstraint("register_id", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    register_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register.id"), index=True)
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"), index=True)
    # 1, 2, 3... per register (X-Series `register_closure_sequence_number`).
    sequence: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    opening_float: Mapped[Decimal]
    # The float counted by denomination ({"20.00": 5, ...}), when it was.
    opening_counts: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
    opening_note: Mapped[str | None] = mapped_column(Text, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    closing_note: Mapped[str | None] = mapped_column(Text, default=None)
    # The closer's id for the close: sent again, the same closure comes back.
    closing_client_id: Mapped[str | None] = mapped_column(String(100), default=None)
    # The closure's figures as they were at closing (figures.py): a closure never changes.
    closure_figures: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    counts: Mapped[list[ClosureCount]] = relationship(
        cascade="all, delete-orphan", order_by="ClosureCount.position", lazy="selectin"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CashMovement(Base):
    """Cash put in or taken out of the drawer, outside sales. Never changed."""

    __tablename__ = "register_cash_movement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register_session.id"), index=True)
    register_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal]  # positive; MOVEMENT_SIGN says which way
    note: Mapped[str | None] = mapped_column(Text, default=None)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    # The sender's id: a retried movement finds the first one and changes nothing.
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClosureCount(Base):
    """A payment type at closing: what the sales say, what was counted, the difference."""

    __tablename__ = "register_closure_count"
    __table_args__ = (UniqueConstraint("session_id", "payment_type_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("register_session.id", ondelete="CASCADE"), index=True
    )
    payment_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_type.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    type_id: Mapped[int] = mapped_column(Integer)
    # Counted from the recorded payments (an integrated terminal, store credit), not typed.
    counted_automatically: Mapped[bool] = mapped_column(default=False)
    expected: Mapped[Decimal]
    counted: Mapped[Decimal]
    difference: Mapped[Decimal]  # counted - expected
    note: Mapped[str | None] = mapped_column(Text, default=None)
    # Cash counted by denomination ({"10.00": 3, ...}), when it was.
    denominations: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
