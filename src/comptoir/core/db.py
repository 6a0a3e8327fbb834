"""Engines, sessions and column types shared by every business package.

SQLite runs in WAL mode with foreign keys on. Write transactions begin with
`BEGIN IMMEDIATE`, so two writers queue on the busy timeout instead of one failing on a
read-to-write lock upgrade. Read-only sessions send no `BEGIN`: each statement is its own
short read transaction (PostgreSQL's READ COMMITTED, which the code already expects), so no
reader holds an old snapshot while a request waits for the write lock; a held snapshot
stops checkpoints from restarting the write-ahead log, which then grows without bound
(`core/wal.py`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Numeric,
    Uuid,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from comptoir.core.uow import UnitOfWork
from comptoir.core.wal import JOURNAL_SIZE_LIMIT_BYTES, WalCheckpoints

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SCALE = 5


class Amount(TypeDecorator[Decimal]):
    """An exact decimal with 5 places: NUMERIC on PostgreSQL, a scaled integer on SQLite.

    SQLite has no decimal type (NUMERIC columns hold binary floats), so amounts are stored
    there as integers in hundred-thousandths: `count = count + :delta` and `SUM()` stay exact.
    See docs/decisions/0001-amounts-on-sqlite.md.
    """

    impl = Numeric(20, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(20, SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(value) if isinstance(value, int) else Decimal(str(value))
        if dialect.name == "sqlite":
            return int(value.scaleb(SCALE).to_integral_value())
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-SCALE)
        return Decimal(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        uuid.UUID: Uuid(),
        Decimal: Amount(),
        datetime: UTCDateTime(),
    }


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _configure_sqlite(
    engine: Engine, *, immediate: bool, statement_reads: bool, busy_timeout_ms: int
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT_BYTES}")
        cursor.close()

    if statement_reads:
        return  # no BEGIN: each statement is its own read transaction

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(
    url: str,
    *,
    immediate: bool = False,
    statement_reads: bool = False,
    busy_timeout_ms: int = 30_000,
) -> Engine:
    """An engine; on SQLite, `immediate` for the writer, `statement_reads` for read sessions
    (no transaction around the statements: each one reads the latest commit)."""
    sqlite_path = _sqlite_path(url)
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql"):
        # More connections than the server's thread pool (40), so requests never starve.
        kwargs.update(pool_size=20, max_overflow=30, pool_pre_ping=True)
    elif immediate and sqlite_path is not None:
        # SQLite has one writer at a time. One write connection per process makes writers
        # queue in the pool, woken the moment it frees, instead of sleeping in SQLite's
        # busy-retry loop (which gave multi-second p99 latencies, see bench/README.md).
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=busy_timeout_ms / 1000)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(
            engine,
            immediate=immediate,
            statement_reads=statement_reads,
            busy_timeout_ms=busy_timeout_ms,
        )
    return engine


@dataclass
class Database:
    """The write and read engines of one database, and a session factory for each.

    On PostgreSQL both are the same engine; on SQLite they differ only in how a transaction
    begins.
    """

    url: str
    writer: Engine
    reader: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    # SQLite files only, when asked for: the thread that keeps the write-ahead log small.
    checkpoints: WalCheckpoints | None = None

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work whose lookups stay outside the write lock where that matters."""
        return UnitOfWork(
            self.write_sessions, self.read_sessions if self.reader is not self.writer else None
        )

    def dispose(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def open_database(
    url: str, *, busy_timeout_ms: int = 30_000, checkpoint_every_s: float | None = None
) -> Database:
    """The database at `url`. A long-running process (the server, the outbox worker) passes
    `checkpoint_every_s` so an SQLite file's write-ahead log is truncated that often."""
    writer = make_engine(url, immediate=True, busy_timeout_ms=busy_timeout_ms)
    reader = (
        make_engine(url, statement_reads=True, busy_timeout_ms=busy_timeout_ms)
        if writer.dialect.name == "sqlite"
        else writer
    )
    checkpoints = None
    if checkpoint_every_s is not None and _sqlite_path(url) is not None:
        checkpoints = WalCheckpoints(
            writer, interval_s=checkpoint_every_s, busy_timeout_ms=busy_timeout_ms
        )
        checkpoints.start()
    return Database(
        url=url,
        writer=writer,
        reader=reader,
        write_sessions=sessionmaker(writer, expire_on_commit=False),
        read_sessions=sessionmaker(reader, expire_on_commit=False),
        checkpoints=checkpoints,
    )
