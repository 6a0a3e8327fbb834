"""The fiscal tables. `fiscal_entry` and `fiscal_key` are insert-only: database triggers
(fiscal/triggers.py) refuse every UPDATE and DELETE. `fiscal_chain` is only the head of each
chain (the next sequence number and the last signature), derivable from the entries.

No foreign keys: an entry must outlive anything it names, and it names ids only, never
personal data (DESIGN.md rule 11), so GDPR erasure never touches the journal.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id

# The technical events journal (JET) is one chain for the store; each register has its own
# chain of sales, cash events and closings, so registers never wait on one another.
EVENTS_CHAIN = "events"
# The rows of the closings' partial index; fiscal/closings.py repeats it word for word in
# its queries, so both databases use the index.
CLOSINGS_PREDICATE = "kind IN ('closing.annual', 'closing.daily', 'closing.monthly')"


def register_chain(register_id: uuid.UUID) -> str:
    return f"register:{register_id}"


class FiscalKey(Base):
    """A public key that signed entries; its private half never enters the database."""

    __tablename__ = "fiscal_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(40))
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FiscalChain(Base):
    __tablename__ = "fiscal_chain"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    register_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    last_signature: Mapped[str | None] = mapped_column(Text, default=None)
    # A register chain's business day: the outlet's time zone and the day (ISO date) of its
    # last entry. The first entry of a later day closes the earlier one first
    # (fiscal/closings.py), so a day's closing always precedes the next day's entries.
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    open_day: Mapped[str | None] = mapped_column(String(10), default=None)


class FiscalEntry(Base):
    __tablename__ = "fiscal_entry"
    __table_args__ = (
        UniqueConstraint("chain", "sequence"),
        # The closings only (a few rows a day per register): a day's roll finds the previous
        # closings without reading back through the entries (fiscal/closings.py).
        Index(
            "ix_fiscal_entry_closings",
            "chain",
            "sequence",
            sqlite_where=text(CLOSINGS_PREDICATE),
            postgresql_where=text(CLOSINGS_PREDICATE),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    chain: Mapped[str] = mapped_column(String(60))
    # 1, 2, 3... within the chain, without gaps.
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime]
    register_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # What the entry records (a sale, a cash movement, a closure...).
    subject_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # The period a closing covers ("2026-12-05", "2026-12", "2026"), None for other kinds.
    period: Mapped[str | None] = mapped_column(String(10), default=None)
    # Canonical JSON (fiscal/canonical.py), exactly as signed.
    payload: Mapped[str] = mapped_column(Text)
    previous_signature: Mapped[str | None] = mapped_column(Text, default=None)
    signature: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(32))
    algorithm: Mapped[str] = mapped_column(String(40))


# Every column of an entry, in table order: the archive's files and the verifier's rows.
ENTRY_COLUMNS: tuple[str, ...] = tuple(column.key for column in FiscalEntry.__table__.columns)
