"""Catalog > Import products: upload, a progress bar, then errors, warnings or a summary.

The import runs in a background job (`catalog.transfer.jobs`); its page polls
`/products/import/{id}/progress` (static/js/import_progress.js) and reloads itself when the
job ends. Without JavaScript the page refreshes itself every few seconds instead.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog.transfer import jobs as product_imports
from comptoir.core.i18n import N_
from comptoir.http.deps import DatabaseDep, SessionDep
from comptoir.io import Limits
from comptoir.io import jobs as import_jobs
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(prefix="/products/import", include_in_schema=False)
Importer = Annotated[User, Depends(page_requires(Permission.IMPORT_CATALOG))]
MAX_BYTES = Limits().max_file_bytes
PHASES = {
    "reading": N_("Reading the file"),
    "validating": N_("Checking every cell"),
    "checking": N_("Checking against the catalog"),
    "importing": N_("Importing"),
}


@router.get("")
def upload_form(request: Request, _user: Importer) -> Response:
    return render(request, "product_import.html", job=None, error=None)


@router.post("")
async def upload(request: Request, db: DatabaseDep, user: Importer) -> Response:
    form = await request.form(max_files=1)
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    upload, content, error = await uploaded_file(form)
    if upload is None:
        return render(request, "product_import.html", job=None, error=error, status_code=422)
    job_id = product_imports.submit(
        db,
        filename=upload.filename or "products.csv",
        content=content,
        user_id=user.id,
        locale=request.state.locale,
    )
    return RedirectResponse(f"/products/import/{job_id}", status_code=303)


@router.get("/{job_id}")
def job_page(request: Request, session: SessionDep, _user: Importer, job_id: uuid.UUID) -> Response:
    job = product_imports.get(session, job_id=job_id)
    return render(
        request,
        "product_import.html",
        job=job,
        progress=import_jobs.progress_of(job),
        result=job.result or {},
        phases=PHASES,
        error=None,
    )


@router.get("/{job_id}/progress")
def job_progress(session: SessionDep, _user: Importer, job_id: uuid.UUID) -> Response:
    progress = import_jobs.progress_of(product_imports.get(session, job_id=job_id))
    return JSONResponse(
        {
            "status": progress.status,
            "phase": progress.phase,
            "done": progress.done,
            "total": progress.total,
            "percent": progress.percent,
            "finished": progress.finished,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/{job_id}/continue")
async def continue_anyway(
    request: Request, db: DatabaseDep, _user: Importer, job_id: uuid.UUID
) -> Response:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    product_imports.continue_anyway(db, job_id=job_id)
    return RedirectResponse(f"/products/import/{job_id}", status_code=303)


@router.get("/{job_id}/errors")
def error_file(session: SessionDep, _user: Importer, job_id: uuid.UUID) -> Response:
    job = product_imports.get(session, job_id=job_id)
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
        headers={
            "Content-Disposition": attachment(name),
            "Cache-Control": "no-store",
        },
    )


async def uploaded_file(form: FormData) -> tuple[UploadFile | None, bytes, str | None]:
    """The form's `file` and its content, or None and the reason to show the user."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, b"", N_("Choose a CSV, XLSX or XLS file.")
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return None, b"", N_("The file is larger than 50 MB.")
    if not content.strip():
        return None, b"", N_("The file is empty.")
    return upload, content, None


def attachment(name: str) -> str:
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
