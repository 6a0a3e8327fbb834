"""Unit of work: one use case, one transaction (DESIGN.md rule 5).

Services change objects through `uow.session` and end with `uow.commit()`; they never
commit the session themselves. Leaving the block without committing rolls back. Callbacks
registered with `after_commit` (waking the outbox dispatcher, say) run only once the data
is durable.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """`session` writes; `reader` is for the lookups a use case makes before it writes.

    On SQLite a write transaction holds the database's single write lock from its first
    statement, so a use case that reads first (a sale loads products, taxes, payment types)
    does those reads through `reader`, outside the lock. On PostgreSQL reads take no lock
    and `reader` is simply `session`. Either way the lookups see committed data, as
    PostgreSQL's READ COMMITTED statements do; what must be atomic (stock, numbering,
    uniqueness) is written through `session` with atomic statements and constraints.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        reader_factory: sessionmaker[Session] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._reader_factory = reader_factory
        self._after_commit: list[Callable[[], None]] = []
        self._session: Session | None = None
        self._reader: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    @property
    def reader(self) -> Session:
        if self._reader_factory is None:
            return self.session
        if self._reader is None:
            self._reader = self._reader_factory()
        return self._reader

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self._after_commit = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def commit(self) -> None:
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit = []
