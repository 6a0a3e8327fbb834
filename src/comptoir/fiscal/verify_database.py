"""Verifying the fiscal journal in the database: every chain cut into segments, read a page
at a time (memory does not grow with the journal) and checked by `fiscal.verify`'s rules,
by several processes side by side for a long journal (signatures dominate the time); the
closings' arithmetic is then folded in order from each segment's partial sums.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from comptoir.core.i18n import N_
from comptoir.fiscal.models import EVENTS_CHAIN, FiscalChain, FiscalEntry, FiscalKey
from comptoir.fiscal.verify import (
    CLOCK_JUMP,
    COLUMNS,
    KEY_ROTATION,
    PAGE,
    SEGMENT,
    SEQUENCE,
    ClosingFold,
    Keys,
    Problem,
    Report,
    Row,
    Segment,
    check_segment,
    rotation_problem,
)
from comptoir.fiscal.verify_archive import head_problem

_ENTRY_COLUMNS = [getattr(FiscalEntry, name) for name in COLUMNS]


def database_keys(connection: Connection, pinned: Mapping[str, str] | None) -> Keys:
    """The keys to verify with: the auditor's pinned ones, or fiscal_key's where only the
    first key is trusted outright and every later one through its rotation entry."""
    stored = {row.key_id: row.public_key for row in connection.execute(select(FiscalKey))}
    keys = Keys(pinned) if pinned is not None else _stored_keys(connection, stored)
    for payload in connection.execute(
        select(FiscalEntry.payload).where(
            FiscalEntry.chain == EVENTS_CHAIN, FiscalEntry.kind == CLOCK_JUMP
        )
    ).scalars():
        keys.note_jump(payload)
    return keys


def _stored_keys(connection: Connection, stored: Mapping[str, str]) -> Keys:
    first = connection.execute(
        select(FiscalEntry.key_id)
        .where(FiscalEntry.chain == EVENTS_CHAIN)
        .order_by(FiscalEntry.sequence)
        .limit(1)
    ).scalar()
    if first is None:
        first = connection.execute(
            select(FiscalKey.key_id).order_by(FiscalKey.created_at).limit(1)
        ).scalar()
    keys = Keys(stored, trusted=[first] if first else [])
    rotations = connection.execute(
        select(*_ENTRY_COLUMNS)
        .where(FiscalEntry.chain == EVENTS_CHAIN, FiscalEntry.kind == KEY_ROTATION)
        .order_by(FiscalEntry.sequence)
    )
    for row in rotations:
        # Its own signature is checked with the whole chain; here only who signed it.
        if row.key_id in keys.trusted:
            rotation_problem(tuple(row), keys)
    return keys


def _heads(connection: Connection) -> dict[str, tuple[int, str | None]]:
    return {
        row.id: (row.last_sequence, row.last_signature)
        for row in connection.execute(
            select(FiscalChain.id, FiscalChain.last_sequence, FiscalChain.last_signature)
        )
    }


def stream_entries(connection: Connection, chain: str, first: int, last: int) -> Iterator[Row]:
    """The entries of `chain` from `first` to `last`, a page at a time (keyset pages: the
    memory held is one page whatever the journal's length).

    Rows come straight from the driver, ids and times already in the text the signature
    covers (SQLite) or as the driver's own values (PostgreSQL): a million entries are read
    without SQLAlchemy's per-value type processing, which cost as much as the checks."""
    dialect = connection.dialect.name
    query = _RAW_PAGE.get(dialect)
    if query is None:
        yield from _stream_entries_orm(connection, chain, first, last)
        return
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        after = first - 1
        while after < last:
            cursor.execute(query, (chain, after, last, PAGE))
            page = cursor.fetchall()
            if not page:
                return
            yield from page
            after = int(page[-1][SEQUENCE])
    finally:
        cursor.close()


# SQLite keeps a UUID as 32 hex digits; the signed message has the dashed form.
_SQLITE_UUID = (
    "substr({0}, 1, 8) || '-' || substr({0}, 9, 4) || '-' || substr({0}, 13, 4) || '-' || "
    "substr({0}, 17, 4) || '-' || substr({0}, 21, 12)"
)


# SQLite keeps a time as "2026-12-05 21:00:00.000000" (UTC); the signed form is Python's
# isoformat: "T", microseconds only when not zero, "+00:00".
_RAW_PAGE = {
    "sqlite": (
        "SELECT chain, sequence, kind, "
        "replace(replace(recorded_at, ' ', 'T'), '.000000', '') || '+00:00', "
        + _SQLITE_UUID.format("register_id")
        + ", "
        + _SQLITE_UUID.format("subject_id")
        + ", "
        "period, payload, previous_signature, signature, key_id, algorithm "
        "FROM fiscal_entry WHERE chain = ? AND sequence > ? AND sequence <= ? "
        "ORDER BY sequence LIMIT ?"
    ),
    "postgresql": (
        "SELECT chain, sequence, kind, recorded_at, register_id::text, subject_id::text, "
        "period, payload, previous_signature, signature, key_id, algorithm "
        "FROM fiscal_entry WHERE chain = %s AND sequence > %s AND sequence <= %s "
        "ORDER BY sequence LIMIT %s"
    ),
}


def _stream_entries_orm(connection: Connection, chain: str, first: int, last: int) -> Iterator[Row]:
    after = first - 1
    while after < last:
        page = connection.execute(
            select(*_ENTRY_COLUMNS)
            .where(
                and_(
                    FiscalEntry.chain == chain,
                    FiscalEntry.sequence > after,
                    FiscalEntry.sequence <= last,
                )
            )
            .order_by(FiscalEntry.sequence)
            .limit(PAGE)
        ).all()
        if not page:
            return
        for row in page:
            yield tuple(row)
        after = int(page[-1][SEQUENCE])


def _previous_of(connection: Connection, chain: str, sequence: int) -> tuple[int, str, Any] | None:
    row = connection.execute(
        select(FiscalEntry.sequence, FiscalEntry.signature, FiscalEntry.recorded_at).where(
            FiscalEntry.chain == chain, FiscalEntry.sequence == sequence
        )
    ).one_or_none()
    return (row[0], row[1], row[2]) if row else None


@dataclass(frozen=True)
class _Task:
    url: str
    chain: str
    first: int
    last: int
    pems: dict[str, str]
    trusted: frozenset[str]
    jumps: tuple[tuple[datetime, datetime], ...]


def _run_task(task: _Task) -> Segment:
    """In a worker process: check one segment, reading it from the database itself."""
    from comptoir.core.db import make_engine

    engine = _worker_engines.get(task.url)
    if engine is None:
        engine = _worker_engines[task.url] = make_engine(task.url, statement_reads=True)
    keys = _worker_keys(task)
    with engine.connect() as connection:
        return _check_range(connection, task.chain, task.first, task.last, keys)


_worker_engines: dict[str, Any] = {}
_worker_key_cache: dict[tuple[frozenset[tuple[str, str]], frozenset[str]], Keys] = {}


def _worker_keys(task: _Task) -> Keys:
    cache_key = (frozenset(task.pems.items()), task.trusted)
    keys = _worker_key_cache.get(cache_key)
    if keys is None:
        keys = _worker_key_cache[cache_key] = Keys(task.pems, trusted=task.trusted)
        keys.jumps = list(task.jumps)
    return keys


def _check_range(connection: Connection, chain: str, first: int, last: int, keys: Keys) -> Segment:
    previous = _previous_of(connection, chain, first - 1) if first > 1 else None
    if first > 1 and previous is None:
        return Segment(chain, problem=Problem(chain, first - 1, N_("entry missing")))
    return check_segment(
        chain, stream_entries(connection, chain, first, last), keys,
        first_sequence=first, previous=previous,
    )  # fmt: skip


def verify_database(
    connection: Connection,
    *,
    url: str | None = None,
    pinned: Mapping[str, str] | None = None,
    workers: int = 1,
    segment: int = SEGMENT,
) -> Report:
    """Verify every chain of the database behind `connection`. With `workers` > 1 and the
    database's `url`, segments are checked by that many processes side by side."""
    keys = database_keys(connection, pinned)
    heads = _heads(connection)
    spans = {
        row[0]: (int(row[1]), int(row[2]), int(row[3]))
        for row in connection.execute(
            select(
                FiscalEntry.chain,
                func.min(FiscalEntry.sequence),
                func.max(FiscalEntry.sequence),
                func.count(),
            ).group_by(FiscalEntry.chain)
        )
    }
    report = Report(chains=len(spans))
    problems: list[Problem] = []
    for chain in sorted(set(heads) - set(spans)):
        if heads[chain][0] > 0:
            problems.append(Problem(chain, 1, N_("entry missing")))
    for chain, (low, _high, _count) in spans.items():
        if low < 1:
            problems.append(Problem(chain, low, N_("sequence out of order or repeated")))
    plan = [
        (chain, first, min(first + segment - 1, high))
        for chain, (_low, high, _count) in sorted(spans.items())
        for first in range(1, high + 1, segment)
    ]
    if workers > 1 and url is not None and len(plan) > 1:
        segments: Iterable[Segment] = _parallel(plan, url, keys, workers)
    else:
        segments = (_check_range(connection, *step, keys) for step in plan)
    for chain, group in groupby(segments, key=lambda item: item.chain):
        if problems and min(problems).chain < chain:
            break
        fold = ClosingFold(chain, from_start=True)
        last = None
        found = None
        for item in group:
            report.entries += item.count
            found = item.problem or fold.feed(item)
            last = item.last or last
            if found is not None:
                break
        if found is None:
            found = head_problem(chain, last, heads.get(chain))
        if found is not None:
            problems.append(found)
    report.problem = min(problems) if problems else None
    return report


def _parallel(
    plan: Sequence[tuple[str, int, int]], url: str, keys: Keys, workers: int
) -> Iterator[Segment]:
    """Segments checked by `workers` processes, yielded in plan order; a bounded number are
    in flight so memory stays flat."""
    context = multiprocessing.get_context("spawn")
    trusted = frozenset(keys.trusted)
    jumps = tuple(keys.jumps)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: list[Future[Segment]] = []
        tasks = iter(plan)
        try:
            for chain, first, last in tasks:
                pending.append(
                    pool.submit(
                        _run_task, _Task(url, chain, first, last, keys.pems, trusted, jumps)
                    )
                )
                if len(pending) >= workers * 2:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()
