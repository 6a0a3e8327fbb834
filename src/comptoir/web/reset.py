""" "Forgot password?" pages: ask for a link by username, then choose a new password."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts import reset
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, SettingsDep, UowDep
from comptoir.store import service as store
from comptoir.web.auth import client_ip
from comptoir.web.render import LOGIN_CSRF_COOKIE, check_csrf, render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, session: SessionDep, template: str, status_code: int = 200, **context: object
) -> Response:
    token = secrets.token_urlsafe(32)
    request.state.locale = store.get_retailer(session).locale
    response = render(request, template, status_code=status_code, login_csrf=token, **context)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login/forgot")
def forgot_form(request: Request, session: SessionDep) -> Response:
    return _page(request, session, "forgot.html", sent=False)


@router.post("/login/forgot")
def forgot(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf)
    reset.request_reset(
        uow,
        username=username,
        base_url=settings.public_url or str(request.base_url),
        ip=client_ip(request),
        locale=store.get_retailer(session).locale,
    )
    # The same page whether or not the user exists.
    return _page(request, session, "forgot.html", sent=True)


@router.get("/login/reset")
def reset_form(request: Request, session: SessionDep, token: str = "") -> Response:
    valid = reset.link_is_valid(session, secret=token)
    return _page(
        request,
        session,
        "reset.html",
        status_code=200 if valid else 400,
        token=token,
        valid=valid,
        errors={},
    )


@router.post("/login/reset")
def do_reset(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    token: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    confirm: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf)
    if password != confirm:
        return _page(
            request,
            session,
            "reset.html",
            status_code=422,
            token=token,
            valid=True,
            errors={"confirm": N_("The two passwords differ.")},
        )
    try:
        reset.reset_password(uow, secret=token, password=password, ip=client_ip(request))
    except InvalidInput as error:
        if error.details.get("field") == "token":
            return _page(
                request, session, "reset.html", status_code=400, token="", valid=False, errors={}
            )
        return _page(
            request,
            session,
            "reset.html",
            status_code=422,
            token=token,
            valid=True,
            errors={"password": N_("A password has at least 8 characters.")},
        )
    return RedirectResponse("/login?reset=1", status_code=303)
