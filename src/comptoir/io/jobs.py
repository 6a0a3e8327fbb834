"""Imports run outside the request: a job row, a background thread, progress to poll.

A page uploads a file: `create_job` stores it in `import_job` and `start` runs the import
in a thread of the web process. The page then polls `progress`. The job row holds the
outcome (errors, warnings, summary, the error file) so any process can show it.

Progress is written to the row at most every half second, in short transactions of its own,
and also kept in this process's memory. On SQLite an import holds the database's only write
lock while it checks and writes, so no other transaction can record its progress meanwhile:
during those phases (`locked_phases`) the progress lives in memory only, which the page of
this process reads (SQLite runs one web process). On PostgreSQL the row is updated
throughout, for pages served by any process.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, delete, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base, Database
from comptoir.core.errors import NotFound
from comptoir.core.ids import new_id

log = logging.getLogger(__name__)

QUEUED, RUNNING = "queued", "running"
ACTIVE = (QUEUED, RUNNING)
INTERRUPTED = "interrupted"
# A running job whose row has not moved for this long died with its process.
STALE_AFTER = timedelta(minutes=5)
WRITE_EVERY = 0.5  # seconds between progress writes
# Finished jobs (their file and error file) are kept this long, for the pages that show them.
KEPT_FOR = timedelta(days=30)


class ImportJob(Base):
    __tablename__ = "import_job"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None, index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    phase: Mapped[str | None] = mapped_column(String(20), default=None)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The uploaded file, kept until it is imported (a user may continue despite warnings).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error_file: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    error_file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


@dataclass(frozen=True)
class Progress:
    status: str
    phase: str | None
    done: int
    total: int

    @property
    def finished(self) -> bool:
        return self.status not in ACTIVE

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


_live: dict[uuid.UUID, tuple[str, int, int]] = {}
_threads: dict[uuid.UUID, threading.Thread] = {}
_lock = threading.Lock()


def create_job(
    session: Session,
    *,
    kind: str,
    filename: str,
    content: bytes,
    user_id: uuid.UUID | None,
    locale: str,
) -> ImportJob:
    """A new job for an uploaded file; jobs finished over `KEPT_FOR` ago are deleted."""
    session.execute(delete(ImportJob).where(ImportJob.finished_at < utcnow() - KEPT_FOR))
    job = ImportJob(
        id=new_id(),
        kind=kind,
        filename=filename[:255] or "import",
        content=content,
        user_id=user_id,
        locale=locale,
    )
    session.add(job)
    return job


def get_job(session: Session, *, job_id: uuid.UUID, kind: str) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None or job.kind != kind:
        raise NotFound("import not found", job_id=str(job_id))
    return job


def progress_of(job: ImportJob) -> Progress:
    """The job's progress: this process's live figures while it runs the job here."""
    status = job.status
    if status in ACTIVE and utcnow() - job.updated_at > STALE_AFTER and not running(job.id):
        status = INTERRUPTED
    live = _live.get(job.id) if status in ACTIVE else None
    if live is not None:
        return Progress(RUNNING, *live)
    return Progress(status, job.phase, job.done, job.total)


def running(job_id: uuid.UUID) -> bool:
    with _lock:
        thread = _threads.get(job_id)
    return thread is not None and thread.is_alive()


def start(job_id: uuid.UUID, work: Callable[[], None]) -> None:
    """Run `work` in a background thread of this process."""

    def run() -> None:
        try:
            work()
        except Exception:  # the job records its own failures; this is a last resort
            log.exception("import job %s failed", job_id)
        finally:
            with _lock:
                _threads.pop(job_id, None)
            _live.pop(job_id, None)

    thread = threading.Thread(target=run, name=f"import-{job_id}", daemon=True)
    with _lock:
        _threads[job_id] = thread
    thread.start()


def wait(job_id: uuid.UUID, timeout: float | None = None) -> None:
    """Wait for a job this process runs (tests; a graceful shutdown)."""
    with _lock:
        thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


class Recorder:
    """The progress callback of a running job: memory always, the row when it may."""

    def __init__(self, db: Database, job_id: uuid.UUID, *, locked_phases: Collection[str]):
        self._db = db
        self._job_id = job_id
        self._memory_only = set(locked_phases) if db.dialect == "sqlite" else set()
        self._last_write = 0.0
        self._last_phase: str | None = None
        self.last: dict[str, Any] = {}  # the latest figures, for the job's final write

    def __call__(self, phase: str, done: int, total: int) -> None:
        _live[self._job_id] = (phase, done, total)
        self.last = {"phase": phase, "done": done, "total": total}
        now = time.monotonic()
        if phase in self._memory_only:
            return
        if phase == self._last_phase and now - self._last_write < WRITE_EVERY and done < total:
            return
        self._last_phase, self._last_write = phase, now
        write(self._db, self._job_id, status=RUNNING, phase=phase, done=done, total=total)


def write(db: Database, job_id: uuid.UUID, **values: Any) -> None:
    """Update the job row in a transaction of its own."""
    with db.write_sessions() as session, session.begin():
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id)
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
