"""Store settings for signing in: MFA mandatory for admins, switch protection at registers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.http.deps import SessionDep, UowDep
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(page_requires(Permission.MANAGE_SETUP))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SETUP))]


@router.get("/settings/sign-in")
def sign_in_settings(request: Request, session: SessionDep, _user: Viewer) -> Response:
    retailer = store.get_retailer(session)
    values = {
        "mfa_required_for_admins": retailer.mfa_required_for_admins,
        "switch_protection": retailer.switch_protection,
    }
    return render(request, "settings/sign_in.html", values=values)


@router.post("/settings/sign-in")
def save_sign_in_settings(
    request: Request,
    uow: UowDep,
    _user: Admin,
    csrf: Annotated[str, Form()] = "",
    mfa_required_for_admins: Annotated[str, Form()] = "",
    switch_protection: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.state.csrf_token, csrf)
    store.set_sign_in_security(
        uow,
        mfa_required_for_admins=bool(mfa_required_for_admins),
        switch_protection=bool(switch_protection),
    )
    return RedirectResponse("/settings/sign-in?saved=1", status_code=303)
