"""Customers in the back office: list and search, profile, edit, sales, groups, GDPR."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput, PermissionDenied
from comptoir.core.i18n import N_
from comptoir.customers import gdpr, groups, listing, service, transfer
from comptoir.customers import imports as customer_imports
from comptoir.customers.models import Customer
from comptoir.customers.profiles import EDITABLE, FLAG_FIELDS
from comptoir.http.deps import DatabaseDep, PrincipalDep, SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.io import write_csv, write_xlsx
from comptoir.store import service as store
from comptoir.web.auth import client_ip
from comptoir.web.deps import page_requires
from comptoir.web.imports import attachment, uploaded_file
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
PAGE = 50

Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CUSTOMERS))]
Editor = Annotated[User, Depends(page_requires(Permission.MANAGE_CUSTOMERS))]
GroupEditor = Annotated[User, Depends(page_requires(Permission.MANAGE_CUSTOMER_GROUPS))]
DataOfficer = Annotated[User, Depends(page_requires(Permission.CUSTOMER_DATA_REQUESTS))]
Importer = Annotated[User, Depends(page_requires(Permission.IMPORT_CUSTOMERS))]
Exporter = Annotated[User, Depends(page_requires(Permission.EXPORT_CUSTOMERS))]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GENDERS = [("M", N_("Male")), ("F", N_("Female")), ("X", N_("Other"))]


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    return {k: str(v) for k, v in form.items() if k != "csrf"}


@router.get("/customers")
def customer_list(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    _user: Viewer,
    q: Annotated[str, Query(max_length=200)] = "",
    group: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Newest customers first, searched and filtered by group, paged by version."""
    page = listing.list_customers(
        session, text=q, group_id=_maybe_uuid(group), before=before, page_size=PAGE
    )
    found = page.customers
    figures = service.figures_of(session, customer_ids=[c.id for c in found])
    return render(
        request,
        "customers/list.html",
        customers=found,
        figures=figures,
        groups=groups.list_groups(session),
        group_names={g.id: g.name for g in groups.list_groups(session)},
        q=q,
        group=group,
        next_before=page.next_before,
        retailer=store.get_retailer(session),
        can_edit=principal.allows(Permission.MANAGE_CUSTOMERS),
        can_groups=principal.allows(Permission.MANAGE_CUSTOMER_GROUPS),
        can_gdpr=principal.allows(Permission.CUSTOMER_DATA_REQUESTS),
        can_import=principal.allows(Permission.IMPORT_CUSTOMERS),
        can_export=principal.allows(Permission.EXPORT_CUSTOMERS),
    )


def _maybe_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _form_values(customer: Customer | None) -> dict[str, Any]:
    if customer is None:
        return {}
    values: dict[str, Any] = {f: getattr(customer, f) or "" for f in EDITABLE}
    values["date_of_birth"] = customer.date_of_birth.isoformat() if customer.date_of_birth else ""
    values["on_account_limit"] = (
        "" if customer.on_account_limit is None else f"{customer.on_account_limit.normalize():f}"
    )
    for flag in FLAG_FIELDS:
        values[flag] = getattr(customer, flag)
    values["customer_group_id"] = str(customer.customer_group_id)
    values["tax_id"] = str(customer.tax_id or "")
    return values


def _form_page(
    request: Request,
    session: Session,
    *,
    customer: Customer | None,
    values: dict[str, Any],
    can_groups: bool,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "customers/form.html",
        status_code=status_code,
        customer=customer,
        values=values,
        can_groups=can_groups,
        errors=errors or {},
        groups=[(str(g.id), g.name) for g in groups.list_groups(session)],
        taxes=[(str(t.id), t.name) for t in store.list_taxes(session)],
        genders=GENDERS,
    )


def _submitted(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {f: form.get(f, "") for f in EDITABLE if f not in FLAG_FIELDS}
    for flag in FLAG_FIELDS:
        values[flag] = form.get(flag) == "on"
    if form.get("customer_group_id"):
        values["customer_group_id"] = form["customer_group_id"]
    values["tax_id"] = form.get("tax_id", "")
    if not values.get("customer_code"):
        values.pop("customer_code", None)
    return values


@router.get("/customers/new")
def new_customer(
    request: Request, session: SessionDep, principal: PrincipalDep, _user: Editor
) -> Response:
    default = groups.default_group(session)
    return _form_page(
        request,
        session,
        customer=None,
        values={"customer_group_id": str(default.id)},
        can_groups=principal.allows(Permission.MANAGE_CUSTOMER_GROUPS),
    )


@router.post("/customers/new")
async def create_customer(
    request: Request, session: SessionDep, uow: UowDep, principal: PrincipalDep, user: Editor
) -> Response:
    form = await _posted(request)
    can_groups = principal.allows(Permission.MANAGE_CUSTOMER_GROUPS)
    try:
        created, _ = service.create_customer(
            uow,
            values=_submitted(form),
            source=service.ConsentSource.BACK_OFFICE,
            user_id=user.id,
            may_change_group=can_groups,
        )
    except (InvalidInput, PermissionDenied) as error:
        return _form_page(
            request,
            session,
            customer=None,
            values=form,
            can_groups=can_groups,
            errors={str(error.details.get("field", "_form")): error.message},
            status_code=status_of(error),
        )
    return RedirectResponse(f"/customers/{created.id}", status_code=303)


@router.get("/customers/groups")
def group_list(
    request: Request, session: SessionDep, principal: PrincipalDep, _user: Viewer
) -> Response:
    return _groups_page(request, session, principal)


def _groups_page(
    request: Request,
    session: Session,
    principal: PrincipalDep,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "customers/groups.html",
        status_code=status_code,
        groups=groups.list_groups(session),
        counts=groups.member_counts(session),
        errors=errors or {},
        values=values or {},
        can_groups=principal.allows(Permission.MANAGE_CUSTOMER_GROUPS),
    )


@router.post("/customers/groups")
async def group_action(
    request: Request, session: SessionDep, uow: UowDep, principal: PrincipalDep, _user: GroupEditor
) -> Response:
    form = await _posted(request)
    action = form.get("action", "create")
    try:
        if action == "create":
            groups.create_group(uow, name=form.get("name", ""))
        else:
            group_id = _maybe_uuid(form.get("group_id", ""))
            if group_id is None:
                raise InvalidInput(N_("Choose a group."), field="_form")
            if action == "rename":
                groups.rename_group(uow, group_id=group_id, name=form.get("name", ""))
            elif action == "delete":
                groups.delete_group(uow, group_id=group_id)
            else:
                raise InvalidInput(N_("Unknown action."), field="_form")
    except InvalidInput as error:
        field = str(error.details.get("field", "_form"))
        return _groups_page(
            request,
            session,
            principal,
            errors={"_form" if field != "name" else "name": error.message},
            values=form,
            status_code=422,
        )
    return RedirectResponse("/customers/groups", status_code=303)


@router.get("/customers/export.{extension}")
def export_list(extension: str, request: Request, uow: UowDep, user: Exporter) -> Response:
    if extension not in ("csv", "xlsx"):
        raise InvalidInput(N_("Export as csv or xlsx."), field="extension")
    rows = transfer.export_customer_list(
        uow,
        file_format=extension,
        actor_id=user.id,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    if extension == "xlsx":
        content = write_xlsx(transfer.EXPORT_COLUMNS, rows, sheet_title="Customers")
        media = XLSX_TYPE
    else:
        content, media = write_csv(transfer.EXPORT_COLUMNS, rows), "text/csv; charset=utf-8"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="customers.{extension}"'},
    )


@router.get("/customers/import")
def import_form(request: Request, _user: Importer) -> Response:
    return render(request, "customers/import.html", job=None, result={}, error=None)


@router.post("/customers/import")
async def import_upload(request: Request, db: DatabaseDep, user: Importer) -> Response:
    form = await request.form(max_files=1)
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    upload, content, error = await uploaded_file(form)
    if upload is None:
        return render(
            request, "customers/import.html", job=None, result={}, error=error, status_code=422
        )
    job_id = customer_imports.submit(
        db,
        filename=upload.filename or "customers.csv",
        content=content,
        user_id=user.id,
        locale=request.state.locale,
    )
    return RedirectResponse(f"/customers/import/{job_id}", status_code=303)


@router.get("/customers/import/{job_id}")
def import_outcome(
    job_id: uuid.UUID, request: Request, session: SessionDep, _user: Importer
) -> Response:
    job = customer_imports.get(session, job_id=job_id)
    return render(request, "customers/import.html", job=job, result=job.result or {}, error=None)


@router.post("/customers/import/{job_id}/continue")
async def import_anyway(
    job_id: uuid.UUID, request: Request, db: DatabaseDep, _user: Importer
) -> Response:
    await _posted(request)
    customer_imports.continue_anyway(db, job_id=job_id)
    return RedirectResponse(f"/customers/import/{job_id}", status_code=303)


@router.get("/customers/import/{job_id}/errors")
def import_error_file(job_id: uuid.UUID, session: SessionDep, _user: Importer) -> Response:
    job = customer_imports.get(session, job_id=job_id)
    if job.error_file is None:
        return Response(status_code=404)
    name = job.error_file_name or "customers-errors.csv"
    media = "text/csv" if name.endswith(".csv") else XLSX_TYPE
    return Response(
        job.error_file,
        media_type=media,
        headers={
            "Content-Disposition": attachment(name),
            "Cache-Control": "no-store",
        },
    )


@router.get("/customers/inactive")
def inactive_review(
    request: Request,
    session: SessionDep,
    _user: DataOfficer,
    years: Annotated[int | None, Query(ge=1, le=50)] = None,
) -> Response:
    period = years or store.get_retailer(session).customer_inactivity_years
    return render(
        request,
        "customers/inactive.html",
        rows=gdpr.inactive_customers(session, years=period),
        years=period,
        retailer=store.get_retailer(session),
    )


@router.get("/customers/{customer_id}")
def profile(
    customer_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    _user: Viewer,
) -> Response:
    customer = service.get_customer(session, customer_id=customer_id)
    group = groups.get_group(session, group_id=customer.customer_group_id)
    return render(
        request,
        "customers/profile.html",
        customer=customer,
        group=group,
        figures=service.figures_of(session, customer_ids=[customer.id])[customer.id],
        sales=service.sales_of(session, customer_id=customer.id, limit=10),
        retailer=store.get_retailer(session),
        can_edit=principal.allows(Permission.MANAGE_CUSTOMERS),
        can_gdpr=principal.allows(Permission.CUSTOMER_DATA_REQUESTS),
    )


@router.get("/customers/{customer_id}/edit")
def edit_customer(
    customer_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    _user: Editor,
) -> Response:
    customer = service.get_customer(session, customer_id=customer_id)
    return _form_page(
        request,
        session,
        customer=customer,
        values=_form_values(customer),
        can_groups=principal.allows(Permission.MANAGE_CUSTOMER_GROUPS),
    )


@router.post("/customers/{customer_id}/edit")
async def update_customer(
    customer_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    uow: UowDep,
    principal: PrincipalDep,
    user: Editor,
) -> Response:
    form = await _posted(request)
    can_groups = principal.allows(Permission.MANAGE_CUSTOMER_GROUPS)
    try:
        service.update_customer(
            uow,
            customer_id=customer_id,
            values=_submitted(form),
            source=service.ConsentSource.BACK_OFFICE,
            user_id=user.id,
            may_change_group=can_groups,
        )
    except (InvalidInput, PermissionDenied) as error:
        customer = service.get_customer(session, customer_id=customer_id)
        return _form_page(
            request,
            session,
            customer=customer,
            values=form,
            can_groups=can_groups,
            errors={str(error.details.get("field", "_form")): error.message},
            status_code=status_of(error),
        )
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.post("/customers/{customer_id}/delete")
async def delete_customer(
    customer_id: uuid.UUID, request: Request, uow: UowDep, _user: Editor
) -> Response:
    await _posted(request)
    service.delete_customer(uow, customer_id=customer_id)
    return RedirectResponse("/customers", status_code=303)


@router.get("/customers/{customer_id}/sales")
def customer_sales(
    customer_id: uuid.UUID, request: Request, session: SessionDep, _user: Viewer
) -> Response:
    customer = service.get_customer(session, customer_id=customer_id)
    return render(
        request,
        "customers/sales.html",
        customer=customer,
        sales=service.sales_of(session, customer_id=customer.id, limit=500),
        retailer=store.get_retailer(session),
    )


@router.post("/customers/{customer_id}/gdpr-export.{extension}")
async def gdpr_export(
    customer_id: uuid.UUID, extension: str, request: Request, uow: UowDep, user: DataOfficer
) -> Response:
    """Everything held about the customer, downloaded (a POST: it is logged)."""
    await _posted(request)
    if extension not in ("json", "csv"):
        raise InvalidInput(N_("Export as json or csv."), field="extension")
    data = gdpr.export_customer_data(uow, customer_id=customer_id, actor_id=user.id)
    if extension == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        media = "application/json"
    else:
        body = ("\ufeff" + gdpr.customer_data_csv(data)).encode()
        media = "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}.{extension}"'
        },
    )


@router.post("/customers/{customer_id}/erase")
async def erase(
    customer_id: uuid.UUID, request: Request, session: SessionDep, uow: UowDep, user: DataOfficer
) -> Response:
    form = await _posted(request)
    if form.get("confirm") != "on":
        raise InvalidInput(N_("Tick the box to confirm the erasure."), field="confirm")
    gdpr.erase_customer(uow, customer_id=customer_id, actor_id=user.id)
    return RedirectResponse("/customers?erased=1", status_code=303)
