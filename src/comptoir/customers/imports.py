"""Customers > Import customers: one upload checked and imported in the request.

Customer files are small next to catalogs, so the import runs while the page waits. The
upload and its outcome are kept in an `import_job` row (kind "customers"): the page that
shows the errors offers the file with its error column from there, and a file with
warnings only waits there until the user continues anyway.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.errors import Conflict, DomainError
from comptoir.customers import transfer
from comptoir.io import Issue, TabularError, ValidationResult, jobs, read_table, write_error_file

KIND = "customers"
SHOWN = 100  # issues kept for the page; the error file has them all
IMPORTED, ERRORS, WARNINGS, UNREADABLE = "imported", "errors", "warnings", "unreadable"


def submit(
    db: Database, *, filename: str, content: bytes, user_id: uuid.UUID | None, locale: str
) -> uuid.UUID:
    """Record the upload, check it, and import it unless it has errors or warnings."""
    with db.write_sessions() as session, session.begin():
        job_id = jobs.create_job(
            session, kind=KIND, filename=filename, content=content, user_id=user_id, locale=locale
        ).id
    _run(db, job_id, accept_warnings=False)
    return job_id


def continue_anyway(db: Database, *, job_id: uuid.UUID) -> None:
    """Import a file whose only problems were warnings."""
    with db.read_sessions() as session:
        job = jobs.get_job(session, job_id=job_id, kind=KIND)
        if job.status != WARNINGS or job.content is None:
            raise Conflict("this import cannot be continued", status=job.status)
    _run(db, job_id, accept_warnings=True)


def get(session: Session, *, job_id: uuid.UUID) -> jobs.ImportJob:
    return jobs.get_job(session, job_id=job_id, kind=KIND)


def _run(db: Database, job_id: uuid.UUID, *, accept_warnings: bool) -> None:
    with db.read_sessions() as session:
        job = jobs.get_job(session, job_id=job_id, kind=KIND)
        content, filename, user_id = job.content or b"", job.filename, job.user_id
    try:
        table = read_table(content, filename=filename)
    except TabularError as error:
        _finish(db, job_id, UNREADABLE, {"message": str(error)})
        return
    with db.read_sessions() as session:
        result = transfer.validate_customers(session, table)
    if not result.ok:
        error_file, extension = write_error_file(table, result)
        stem = PurePath(filename).stem or "customers"
        _finish(
            db,
            job_id,
            ERRORS,
            _issues(result),
            error_file=error_file,
            error_file_name=f"{stem}-errors.{extension}",
        )
        return
    if result.warnings and not accept_warnings:
        _finish(db, job_id, WARNINGS, _issues(result), keep_content=True)
        return
    try:
        with db.unit_of_work() as uow:
            outcome = transfer.import_customers(uow, result=result, user_id=user_id)
    except DomainError as error:
        _finish(db, job_id, UNREADABLE, {"message": error.message})
        return
    summary = {
        "rows": len(result.rows),
        "created": outcome.created,
        "updated": outcome.updated,
        "groups_created": outcome.groups_created,
    }
    _finish(db, job_id, IMPORTED, {**_issues(result), "summary": summary})


def _issues(result: ValidationResult) -> dict[str, Any]:
    def plain(issue: Issue) -> dict[str, Any]:
        return {"row": issue.row, "column": issue.column, "message": issue.message}

    return {
        "errors": [plain(i) for i in result.errors[:SHOWN]],
        "error_count": len(result.errors),
        "warnings": [plain(i) for i in result.warnings[:SHOWN]],
        "warning_count": len(result.warnings),
    }


def _finish(
    db: Database,
    job_id: uuid.UUID,
    status: str,
    result: dict[str, Any],
    *,
    keep_content: bool = False,
    **values: Any,
) -> None:
    if not keep_content:
        values["content"] = None  # imported or refused: the upload is no longer needed
    jobs.write(db, job_id, status=status, result=result, finished_at=utcnow(), **values)
