"""Transactional outbox: side effects are recorded with the data and delivered after commit.

A use case calls `enqueue()` inside its unit of work; the message commits or rolls back
with everything else. A dispatcher (`comptoir worker`, or a thread in the web process for
the embedded default) claims due messages with a short lease, runs their handler outside
any transaction, then marks them delivered. A failing handler is retried with exponential
back-off; delivery is at least once, so handlers must be idempotent (messages carry ids).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base, Database
from comptoir.core.ids import new_id
from comptoir.core.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


_wake = threading.Event()


def enqueue(uow: UnitOfWork, *, topic: str, payload: dict[str, Any]) -> None:
    uow.session.add(OutboxMessage(id=new_id(), topic=topic, payload=payload))
    uow.after_commit(_wake.set)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


class Dispatcher:
    def __init__(self, db: Database, handlers: Mapping[str, Handler]) -> None:
        self._db = db
        self._handlers = handlers

    def _claim(self, limit: int) -> list[tuple[uuid.UUID, str, dict[str, Any], int]]:
        now = utcnow()
        with self._db.write_sessions() as session, session.begin():
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.available_at <= now)
                .order_by(OutboxMessage.available_at)
                .limit(limit)
            )
            if self._db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = list(session.scalars(query))
            for message in claimed:
                message.available_at = now + LEASE
            return [(m.id, m.topic, dict(m.payload), m.attempts) for m in claimed]

    def _settle(
        self, session: Session, message_id: uuid.UUID, error: str | None, attempts: int
    ) -> None:
        now = utcnow()
        values: dict[str, Any]
        if error is None:
            values = {"delivered_at": now, "last_error": None}
        else:
            values = {
                "attempts": attempts + 1,
                "available_at": now + backoff(attempts + 1),
                "last_error": error[:2000],
            }
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )

    def dispatch_pending(self, *, limit: int = 100) -> int:
        """Deliver the messages due now; returns how many were handled (delivered or not)."""
        claimed = self._claim(limit)
        outcomes: list[tuple[uuid.UUID, str | None, int]] = []
        for message_id, topic, payload, attempts in claimed:
            handler = self._handlers.get(topic)
            try:
                if handler is not None:
                    handler(payload)
            except Exception as exc:
                log.warning("outbox handler for %s failed: %s", topic, exc)
                outcomes.append((message_id, f"{type(exc).__name__}: {exc}", attempts))
            else:
                outcomes.append((message_id, None, attempts))
        if outcomes:
            with self._db.write_sessions() as session, session.begin():
                for message_id, error, attempts in outcomes:
                    self._settle(session, message_id, error, attempts)
        return len(claimed)

    def run(self, stop: threading.Event, *, poll_seconds: float = 5.0) -> None:
        """Deliver until `stop` is set, waking early whenever a commit enqueued something."""
        while not stop.is_set():
            try:
                handled = self.dispatch_pending()
            except Exception:  # keep the worker alive across a database hiccup
                log.exception("outbox dispatch failed")
                handled = 0
            if handled == 0:
                _wake.wait(timeout=poll_seconds)
                _wake.clear()


class EmbeddedWorker:
    """The dispatcher on a daemon thread inside the web process."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._dispatcher.run, args=(self._stop,), name="outbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        _wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


_subscribers: dict[str, Handler] = {}


def subscribe(topic: str) -> Callable[[Handler], Handler]:
    """Register the handler that delivers messages of `topic` (one per topic)."""

    def register(handler: Handler) -> Handler:
        _subscribers[topic] = handler
        return handler

    return register


def subscribers() -> Mapping[str, Handler]:
    return _subscribers
