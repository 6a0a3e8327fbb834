"""Settings: an integrated payment type's card terminal provider and its address. Seen with
setup:read, changed with setup:write (owners and admins), like every payment type setting."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput
from comptoir.http.deps import SessionDep, UowDep
from comptoir.payments import registry
from comptoir.payments.settings import set_terminal, terminal_setting
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(prefix="/settings/payment-types", include_in_schema=False)
Admin = Annotated[User, Depends(page_requires(Permission.MANAGE_SETUP))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SETUP))]


def _page(
    request: Request,
    session: Any,
    payment_type_id: uuid.UUID,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/payment_terminal.html",
        status_code=status_code,
        payment_type=store.get_payment_type(session, payment_type_id=payment_type_id),
        providers=list(registry.provider_names().items()),
        values=values,
        errors=errors or {},
    )


@router.get("/{payment_type_id}/terminal")
def terminal_page(
    payment_type_id: uuid.UUID, request: Request, session: SessionDep, _user: Viewer
) -> Response:
    setting = terminal_setting(session, payment_type_id=payment_type_id)
    values = {"provider": setting.provider or "", "address": setting.address or ""}
    return _page(request, session, payment_type_id, values=values)


@router.post("/{payment_type_id}/terminal")
async def save_terminal(
    payment_type_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    uow: UowDep,
    _user: Admin,
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    try:
        set_terminal(
            uow,
            payment_type_id=payment_type_id,
            provider=form.get("provider") or None,
            address=form.get("address"),
        )
    except InvalidInput as error:
        errors = {str(error.details.get("field", "_form")): error.message}
        return _page(request, session, payment_type_id, values=form, errors=errors, status_code=422)
    return RedirectResponse("/settings/payment-types", status_code=303)
