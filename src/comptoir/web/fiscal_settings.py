"""Settings > Fiscal: the month the fiscal year starts in, the journal's signed monthly
archives (list, download, archive a month) and its public keys (PEM), for owners, admins
and managers (fiscal:manage); a cashier gets 403 on every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.fiscal import archive as fiscal_archive
from comptoir.fiscal import verify as fiscal_verify
from comptoir.fiscal.closings import set_fiscal_year_start_month
from comptoir.fiscal.models import FiscalKey
from comptoir.fiscal.verify_database import verify_database
from comptoir.http.deps import DatabaseDep, SessionDep, SettingsDep, UowDep
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Manager = Annotated[User, Depends(page_requires(Permission.MANAGE_FISCAL))]
PAGE = "settings/fiscal.html"
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def _page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    *,
    errors: dict[str, str] | None = None,
    period: str | None = None,
    verification: fiscal_verify.Report | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        PAGE,
        months=list(enumerate(MONTHS, start=1)),
        start_month=store.get_retailer(session).fiscal_year_start_month,
        archives=fiscal_archive.list_archives(settings.fiscal_archive_dir),
        period=period or fiscal_archive.last_month(utcnow().date()),
        errors=errors or {},
        verification=verification,
        status_code=status_code,
    )


@router.get("/settings/fiscal")
def fiscal_settings(
    request: Request, session: SessionDep, settings: SettingsDep, _user: Manager
) -> Response:
    return _page(request, session, settings)


@router.post("/settings/fiscal")
async def save_fiscal_settings(request: Request, uow: UowDep, _user: Manager) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    try:
        month = int(form.get("fiscal_year_start_month", "").strip())
    except ValueError:
        month = 0
    set_fiscal_year_start_month(uow.session, month)
    uow.commit()
    return RedirectResponse("/settings/fiscal?saved=1", status_code=303)


@router.post("/settings/fiscal/archives")
async def archive_a_month(
    request: Request,
    database: DatabaseDep,
    session: SessionDep,
    settings: SettingsDep,
    user: Manager,
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    period = form.get("period", "").strip()
    try:
        await run_in_threadpool(
            fiscal_archive.create_archive,
            database,
            period=period,
            directory=settings.fiscal_archive_dir,
            user_id=user.id,
        )
    except InvalidInput as error:
        errors = {str(error.details.get("field", "_form")): error.message}
        return _page(request, session, settings, errors=errors, period=period, status_code=422)
    return RedirectResponse("/settings/fiscal?archived=1", status_code=303)


@router.post("/settings/fiscal/verify")
async def verify_journal(
    request: Request,
    database: DatabaseDep,
    session: SessionDep,
    settings: SettingsDep,
    _user: Manager,
) -> Response:
    """The same check as `comptoir fiscal verify`, in this process (one worker: the page
    waits for it; the command line uses every core for a long journal)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))

    def verify() -> fiscal_verify.Report:
        with database.reader.connect() as connection:
            return verify_database(connection)

    report = await run_in_threadpool(verify)
    return _page(request, session, settings, verification=report)


@router.get("/settings/fiscal/archives/{name}")
def download_archive(name: str, settings: SettingsDep, _user: Manager) -> Response:
    path = fiscal_archive.archive_path(settings.fiscal_archive_dir, name)
    return FileResponse(path, media_type="application/zip", filename=name)


@router.get("/settings/fiscal/public-keys.pem")
def download_public_keys(session: SessionDep, _user: Manager) -> Response:
    keys = session.scalars(select(FiscalKey).order_by(FiscalKey.created_at, FiscalKey.key_id))
    pem = "".join(key.public_key for key in keys)
    return Response(
        pem,
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="comptoir-fiscal-public-keys.pem"'},
    )
