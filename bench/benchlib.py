"""What the benchmarks share: a throw-away database (with a fiscal signing key) and latency
percentiles."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from comptoir.core.db import Database, open_database
from comptoir.fiscal.journal import attach_signing_key
from comptoir.fiscal.keys import create_signing_key


@contextmanager
def throwaway_database(backend: str, *, prefix: str) -> Iterator[str]:
    """The URL of an empty database: an SQLite file in a temporary directory, or a database
    on a throw-away PostgreSQL cluster (comptoir.testing.pgcluster). Removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    cluster = None
    try:
        if backend == "postgresql":
            from comptoir.testing import pgcluster

            cluster = pgcluster.start()
            yield cluster.create_database("comptoir_bench")
        else:
            yield f"sqlite:///{directory / 'bench.db'}"
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def open_signing_database(url: str) -> Database:
    """`open_database`, its sessions signing with a throw-away fiscal key: every sale, register
    opening and cash movement is journaled, and refused without a key (issue 12)."""
    database = open_database(url)
    key_dir = Path(tempfile.mkdtemp(prefix="comptoir-bench-fiscal-"))
    attach_signing_key(database, create_signing_key(key_dir / "keys"))
    return database


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load, as a real database would have them."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"n": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def time_searches(
    session: Session,
    queries: Sequence[tuple[str, str]],
    search: Callable[[Session, str], list[Any]],
) -> dict[str, Any]:
    """Run `search` for every (kind, text) after 200 warm-up queries; percentiles overall
    and by kind, in ms, and how many queries found something."""
    for _kind, typed in queries[:200]:
        search(session, typed)
    timings: dict[str, list[float]] = {}
    hits = 0
    for kind, typed in queries:
        started = time.perf_counter()
        found = search(session, typed)
        elapsed = (time.perf_counter() - started) * 1000
        session.expunge_all()
        hits += bool(found)
        timings.setdefault(kind, []).append(elapsed)
    everything = [t for values in timings.values() for t in values]
    return {
        "queries_with_results": hits,
        "all": percentiles(everything),
        "by_kind": {kind: percentiles(values) for kind, values in timings.items()},
    }


def database_bench_parser(doc: str | None, *, seed: int) -> argparse.ArgumentParser:
    """The options every database benchmark takes: `--backend` and `--seed`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=seed)
    return parser
