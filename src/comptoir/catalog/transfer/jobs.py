"""A product import run as a background job (the import page's).

`submit` records the uploaded file and starts the import in a thread; the job's row then
holds the progress and the outcome: the first errors and warnings, their counts, the
summary and the file with its error column. A job stopped by warnings keeps its file, so
`continue_anyway` can import it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session

from comptoir.catalog.transfer.service import (
    CHECKING,
    IMPORTING,
    Outcome,
    Status,
    error_file_name,
    import_products,
)
from comptoir.core import i18n
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.errors import Conflict
from comptoir.core.i18n import gettext_ as _
from comptoir.io import Issue, jobs

log = logging.getLogger(__name__)

KIND = "products"
SHOWN = 100  # issues kept on the job for the page; the error file has them all


def submit(
    db: Database,
    *,
    filename: str,
    content: bytes,
    user_id: uuid.UUID | None,
    locale: str,
) -> uuid.UUID:
    with db.write_sessions() as session, session.begin():
        job = jobs.create_job(
            session,
            kind=KIND,
            filename=filename,
            content=content,
            user_id=user_id,
            locale=locale,
        )
        job_id = job.id
    jobs.start(job_id, lambda: run(db, job_id, accept_warnings=False))
    return job_id


def continue_anyway(db: Database, *, job_id: uuid.UUID) -> None:
    """Import a file that only had warnings."""
    with db.write_sessions() as session, session.begin():
        job = jobs.get_job(session, job_id=job_id, kind=KIND)
        if job.status != Status.WARNINGS.value or job.content is None:
            raise Conflict("this import cannot be continued", status=job.status)
        job.status, job.phase, job.done, job.total = jobs.QUEUED, None, 0, 0
        job.updated_at = utcnow()
    jobs.start(job_id, lambda: run(db, job_id, accept_warnings=True))


def get(session: Session, *, job_id: uuid.UUID) -> jobs.ImportJob:
    return jobs.get_job(session, job_id=job_id, kind=KIND)


def run(db: Database, job_id: uuid.UUID, *, accept_warnings: bool) -> None:
    with db.read_sessions() as session:
        job = jobs.get_job(session, job_id=job_id, kind=KIND)
        content, filename = job.content or b"", job.filename
        user_id, locale = job.user_id, job.locale
    token = i18n.set_locale(locale)
    try:
        jobs.write(db, job_id, status=jobs.RUNNING)
        recorder = jobs.Recorder(db, job_id, locked_phases=(CHECKING, IMPORTING))
        try:
            outcome = import_products(
                db,
                content,
                filename=filename,
                accept_warnings=accept_warnings,
                user_id=user_id,
                progress=recorder,
            )
        except Exception:
            log.exception("product import %s failed", job_id)
            outcome = Outcome(Status.FAILED, message=_("The import failed: nothing was imported."))
        _record(db, job_id, filename, outcome, recorder.last)
    finally:
        i18n._current.reset(token)


def _record(
    db: Database, job_id: uuid.UUID, filename: str, outcome: Outcome, progress: dict[str, Any]
) -> None:
    summary = outcome.summary
    result: dict[str, Any] = {
        "message": outcome.message,
        "errors": [_issue(i) for i in outcome.errors[:SHOWN]],
        "error_count": len(outcome.errors),
        "warnings": [_issue(i) for i in outcome.warnings[:SHOWN]],
        "warning_count": len(outcome.warnings),
        "summary": {
            "rows": summary.rows,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "families_created": summary.families_created,
            "stock_levels_set": summary.stock_levels_set,
            "new_entities": summary.new_entities,
        },
    }
    error_name = (
        error_file_name(filename, outcome.error_file_extension)
        if outcome.error_file_extension
        else None
    )
    values: dict[str, Any] = {
        **progress,
        "status": outcome.status.value,
        "result": result,
        "error_file": outcome.error_file,
        "error_file_name": error_name,
        "finished_at": utcnow(),
    }
    if outcome.status is not Status.WARNINGS:
        values["content"] = None  # imported or refused: the upload is no longer needed
    jobs.write(db, job_id, **values)


def _issue(issue: Issue) -> dict[str, Any]:
    return {"row": issue.row, "column": issue.column, "message": issue.message}
