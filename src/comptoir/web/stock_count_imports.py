"""Stock control > Counts > Import counts: a file of counts (sku or barcode, quantity) checked
by the import engine; its errors as a file to download, fix and upload again, or the rows
without errors counted anyway. Needs consignments:count, as counting does."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput
from comptoir.http.deps import DatabaseDep, SessionDep
from comptoir.inventory.consignments import stocktake_import as count_imports
from comptoir.inventory.consignments import stocktakes
from comptoir.web.deps import page_requires
from comptoir.web.imports import attachment, uploaded_file
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Counter = Annotated[User, Depends(page_requires(Permission.COUNT_STOCK))]


async def _form(request: Request) -> Any:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    return form


def _import_page(
    request: Request,
    session: Session,
    count_id: uuid.UUID,
    *,
    job: Any = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    count = stocktakes.get_stocktake(session, count_id)
    return render(
        request,
        "stock/counts/import.html",
        count=count,
        job=job,
        result=(job.result or {}) if job is not None else {},
        error=error,
        status_code=status_code,
    )


@router.get("/{count_id}/import")
def import_form(
    request: Request, session: SessionDep, _user: Counter, count_id: uuid.UUID
) -> Response:
    return _import_page(request, session, count_id)


@router.post("/{count_id}/import")
async def import_upload(
    request: Request, db: DatabaseDep, session: SessionDep, user: Counter, count_id: uuid.UUID
) -> Response:
    form = await request.form(max_files=1)
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    upload, content, error = await uploaded_file(form)
    if upload is None:
        return _import_page(request, session, count_id, error=error, status_code=422)
    job_id = count_imports.submit(
        db,
        consignment_id=count_id,
        filename=upload.filename or "counts.csv",
        content=content,
        user_id=user.id,
        locale=request.state.locale,
    )
    return RedirectResponse(f"/stock-control/counts/{count_id}/import/{job_id}", status_code=303)


def _job(session: Session, count_id: uuid.UUID, job_id: uuid.UUID) -> Any:
    job = count_imports.get(session, job_id=job_id)
    if count_imports.consignment_of(job) != count_id:
        raise InvalidInput("this import belongs to another count")
    return job


@router.get("/{count_id}/import/{job_id}")
def import_outcome(
    request: Request, session: SessionDep, _user: Counter, count_id: uuid.UUID, job_id: uuid.UUID
) -> Response:
    return _import_page(request, session, count_id, job=_job(session, count_id, job_id))


@router.post("/{count_id}/import/{job_id}/continue")
async def import_anyway(
    request: Request,
    db: DatabaseDep,
    session: SessionDep,
    _user: Counter,
    count_id: uuid.UUID,
    job_id: uuid.UUID,
) -> Response:
    await _form(request)
    _job(session, count_id, job_id)
    count_imports.continue_anyway(db, job_id=job_id)
    return RedirectResponse(f"/stock-control/counts/{count_id}/import/{job_id}", status_code=303)


@router.get("/{count_id}/import/{job_id}/errors")
def import_errors(
    session: SessionDep, _user: Counter, count_id: uuid.UUID, job_id: uuid.UUID
) -> Response:
    job = _job(session, count_id, job_id)
    if job.error_file is None:
        return Response(status_code=404)
    name = job.error_file_name or "errors.csv"
    media = (
        "text/csv"
        if name.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        job.error_file,
        media_type=media,
        headers={"Content-Disposition": attachment(name), "Cache-Control": "no-store"},
    )
