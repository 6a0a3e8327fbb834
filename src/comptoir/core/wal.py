"""Keep SQLite's write-ahead log small while the server runs.

SQLite appends every commit to the `-wal` file and copies it back into the database at
checkpoints. The log restarts from its beginning (and `journal_size_limit` cuts the file
back) only once a checkpoint has copied every frame *and* no reader still reads an older
snapshot from the log. Under steady load that moment may never come on its own: sales
follow each other and a reader is always somewhere in the log, so the file grew by about
190 KB per sale (231 MB in 37 s) and was never truncated.

Two things bound it (see `core/db.py` for the first):

- Read sessions run each statement in its own short read transaction, as PostgreSQL's READ
  COMMITTED does, so no reader pins an old snapshot for the length of a request.
- `WalCheckpoints`, a thread of the process, runs `PRAGMA wal_checkpoint(TRUNCATE)` every
  few seconds when something was written: it copies what is left and truncates the file to
  zero bytes. It runs on the pool's single write connection, so it queues with the sales
  instead of racing them for SQLite's lock, and it waits at most `wait_ms` for readers
  (SQLite's busy handler) before giving up until the next turn. A failure (a full disk, an
  I/O error) is logged and retried at the next turn; it never stops the thread or reaches a
  request: the sales themselves answer 503 while the disk is full.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

# The log file is cut back to this size whenever the log restarts (a safety net: the
# TRUNCATE checkpoints cut it to zero).
JOURNAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class CheckpointResult:
    """What `PRAGMA wal_checkpoint(TRUNCATE)` did: `complete` when the log was emptied."""

    complete: bool
    log_frames: int
    checkpointed_frames: int
    seconds: float


class WalCheckpoints:
    """Truncate the write-ahead log of `engine` every `interval_s` seconds after writes."""

    def __init__(
        self, engine: Engine, *, interval_s: float, wait_ms: int = 200, busy_timeout_ms: int
    ) -> None:
        if interval_s <= 0:
            raise ValueError("the checkpoint interval must be positive")
        self._engine = engine
        self._interval_s = interval_s
        self._wait_ms = wait_ms
        self._busy_timeout_ms = busy_timeout_ms
        # Set by every commit; the thread checkpoints only when something was written.
        self._written = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        event.listen(engine, "commit", self._on_commit)

    def _on_commit(self, _conn: Any) -> None:
        self._written.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="comptoir-wal-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval_s + 35)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            if not self._written.is_set():
                continue
            self._written.clear()
            result = self.checkpoint()
            if result is None or not result.complete:
                self._written.set()  # try again at the next turn

    def checkpoint(self) -> CheckpointResult | None:
        """One TRUNCATE checkpoint now; None when it failed (logged)."""
        try:
            # Raw DBAPI connection: no `BEGIN`, and a checkpoint cannot run in a transaction.
            connection = self._engine.raw_connection()
        except Exception as error:  # the pool timed out behind a long queue of writers
            log.warning("WAL checkpoint skipped: no write connection (%s)", error)
            return None
        started = time.perf_counter()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout={int(self._wait_ms)}")
                busy, frames, copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
                cursor.close()
        except Exception as error:  # a full disk, an I/O error: the next turn tries again
            log.warning("WAL checkpoint failed: %s", error)
            return None
        finally:
            connection.close()
        result = CheckpointResult(
            complete=busy == 0,
            log_frames=int(frames),
            checkpointed_frames=int(copied),
            seconds=time.perf_counter() - started,
        )
        log.debug("WAL checkpoint: %s", result)
        return result
