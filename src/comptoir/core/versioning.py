"""The store-wide `version` counter (DESIGN.md rule 6).

Every synced row carries a `version` unique across the store and increasing with each
change, which serves X-Series `?after=` paging, register sync and webhooks. Versions come
from one counter row bumped with `UPDATE ... RETURNING`: the row lock makes versions
follow commit order on PostgreSQL, so a client paging with `after=` never skips a row
committed late. Objects get their versions at flush time, so a use case that flushes once,
at its end, holds that lock only for its last statements.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base


class StoreCounter(Base):
    __tablename__ = "store_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


VERSION_COUNTER = "version"


class Versioned:
    """Mixin: a store-wide version, timestamps and soft delete."""

    version: Mapped[int] = mapped_column(BigInteger, index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


def allocate_versions(session: Session, count: int) -> range:
    """Reserve `count` consecutive versions; the counter row stays locked until commit."""
    if count <= 0:
        return range(0)
    last = session.execute(
        update(StoreCounter)
        .where(StoreCounter.name == VERSION_COUNTER)
        .values(value=StoreCounter.value + count)
        .returning(StoreCounter.value)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def take_counter(session: Session, *, name: str, start: int) -> int:
    """The next value of the counter `name` (created at `start` on first use), taken with
    `UPDATE ... RETURNING`: its row stays locked until commit, so two transactions never
    take the same value (customer codes, purchase order numbers)."""
    insert_into = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    session.execute(
        insert_into(StoreCounter)
        .values(name=name, value=start)
        .on_conflict_do_nothing(index_elements=[StoreCounter.name])
    )
    taken: int = session.execute(
        update(StoreCounter)
        .where(StoreCounter.name == name)
        .values(value=StoreCounter.value + 1)
        .returning(StoreCounter.value)
    ).scalar_one()
    return taken


@event.listens_for(Session, "before_flush")
def _stamp_versions(session: Session, _context: Any, _instances: Any) -> None:
    changed = [obj for obj in session.new if isinstance(obj, Versioned)]
    changed += [
        obj
        for obj in session.dirty
        if isinstance(obj, Versioned) and session.is_modified(obj, include_collections=False)
    ]
    if not changed:
        return
    now = utcnow()
    for obj, version in zip(changed, allocate_versions(session, len(changed)), strict=True):
        obj.version = version
        if obj not in session.new:
            obj.updated_at = now
