"""What the benchmarks share: a throw-away database and latency percentiles."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine


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
