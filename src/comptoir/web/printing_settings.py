"""Settings > Receipts (each outlet's receipt template and the store's email receipts) and
each register's printer. Everyone with setup:read sees them; setup:write changes them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.printing import config
from comptoir.printing.models import DEFAULT_PRINTER_PORT, PAPER_WIDTHS
from comptoir.printing.receipt import receipt_logo_url, receipt_texts
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(page_requires(Permission.MANAGE_SETUP))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SETUP))]
TEMPLATE_FIELDS = (
    "header",
    "footer",
    "company_name",
    "address",
    "siret",
    "vat_number",
    "return_policy",
)
PRINTER_KIND_LABELS = {
    "epson_escpos": N_("Epson (ESC/POS)"),
    "star_escpos": N_("Star, ESC/POS emulation"),
    "star_line": N_("Star, Star Line Mode"),
}


def _outlet_id(session: Session, value: str | None) -> uuid.UUID:
    """The outlet named in the query, or the first one when none is named."""
    outlets = store.list_outlets(session)
    if value:
        for outlet in outlets:
            if str(outlet.id) == value:
                return outlet.id
        raise NotFound("outlet not found", outlet_id=value)
    if not outlets:
        raise InvalidInput(N_("Create an outlet first."), field="outlet")
    return outlets[0].id


def _template_page(
    request: Request,
    session: Session,
    *,
    outlet_id: uuid.UUID,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    texts = receipt_texts(session, outlet_id=outlet_id)
    if values is None:
        values = {name: getattr(texts, name) or "" for name in TEMPLATE_FIELDS}
        values["paper_width"] = str(texts.paper_width)
        values["email_receipts"] = store.get_retailer(session).email_receipts
    return render(
        request,
        "settings/receipts.html",
        outlets=store.list_outlets(session),
        outlet_id=outlet_id,
        values=values,
        errors=errors or {},
        widths=[(str(w), f"{w} mm") for w in PAPER_WIDTHS],
        logo=receipt_logo_url(texts),
        status_code=status_code,
    )


@router.get("/settings/receipts")
def receipt_settings(
    request: Request, session: SessionDep, _user: Viewer, outlet: str | None = None
) -> Response:
    return _template_page(request, session, outlet_id=_outlet_id(session, outlet))


async def _logo(form: Any) -> bytes | None:
    upload = form.get("logo")
    if isinstance(upload, UploadFile) and upload.filename:
        # Read one byte more than allowed: a bigger file is refused without reading it all.
        return await upload.read(config.MAX_LOGO_BYTES + 1)
    return None


@router.post("/settings/receipts")
async def save_receipt_settings(
    request: Request, uow: UowDep, _user: Admin, outlet: str | None = None
) -> Response:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    outlet_id = _outlet_id(uow.session, outlet)
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in TEMPLATE_FIELDS}
    values["paper_width"] = str(form.get("paper_width") or "80")
    values["email_receipts"] = bool(form.get("email_receipts"))
    try:
        width = int(values["paper_width"]) if values["paper_width"].isdigit() else 0
        config.save_template(
            uow,
            outlet_id=outlet_id,
            fields=config.TemplateFields(
                **{name: values[name] for name in TEMPLATE_FIELDS}, paper_width=width
            ),
            logo=await _logo(form),
            remove_logo=bool(form.get("remove_logo")),
            email_receipts=values["email_receipts"],
        )
    except InvalidInput as error:
        uow.session.rollback()
        errors = {str(error.details.get("field", "_form")): error.message}
        return _template_page(
            request, uow.session, outlet_id=outlet_id, values=values, errors=errors, status_code=422
        )
    return RedirectResponse(f"/settings/receipts?outlet={outlet_id}&saved=1", status_code=303)


def _printer_page(
    request: Request,
    session: Session,
    *,
    register_id: uuid.UUID,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    register = store.get_register(session, register_id=register_id)
    printer = config.get_printer(session, register_id=register_id)
    if values is None:
        values = {
            "kind": printer.kind if printer else "epson_escpos",
            "host": printer.host if printer else "",
            "port": str(printer.port if printer else DEFAULT_PRINTER_PORT),
            "enabled": printer.enabled if printer else True,
        }
    return render(
        request,
        "settings/printer.html",
        register=register,
        configured=printer is not None,
        state=config.printer_state(session, register_id=register_id),
        values=values,
        errors=errors or {},
        kinds=list(PRINTER_KIND_LABELS.items()),
        status_code=status_code,
    )


@router.get("/settings/registers/{register_id}/printer")
def printer_settings(
    request: Request, register_id: uuid.UUID, session: SessionDep, _user: Viewer
) -> Response:
    return _printer_page(request, session, register_id=register_id)


@router.post("/settings/registers/{register_id}/printer")
async def save_printer_settings(
    request: Request, register_id: uuid.UUID, uow: UowDep, _user: Admin
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    values: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "host": form.get("host", ""),
        "port": form.get("port", ""),
        "enabled": bool(form.get("enabled")),
    }
    try:
        if form.get("remove"):
            config.configure_printer(uow, register_id=register_id, fields=None)
        else:
            port = values["port"].strip()
            if not port.isdigit():
                raise InvalidInput(N_("A port is a number from 1 to 65535."), field="port")
            config.configure_printer(
                uow,
                register_id=register_id,
                fields=config.PrinterFields(
                    kind=values["kind"],
                    host=values["host"],
                    port=int(port),
                    enabled=values["enabled"],
                ),
            )
    except InvalidInput as error:
        uow.session.rollback()
        errors = {str(error.details.get("field", "_form")): error.message}
        return _printer_page(
            request,
            uow.session,
            register_id=register_id,
            values=values,
            errors=errors,
            status_code=422,
        )
    return RedirectResponse(f"/settings/registers/{register_id}/printer?saved=1", status_code=303)
