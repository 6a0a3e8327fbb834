from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts import service as accounts
from comptoir.core.errors import NotAuthenticated
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, SettingsDep, UowDep
from comptoir.store import service as store
from comptoir.web.render import LOGIN_CSRF_COOKIE, check_csrf, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect a signed-in user to another site."""
    if not target:
        return "/sell"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/sell"
    return target


def _login_page(
    request: Request,
    session: SessionDep,
    *,
    error: str | None = None,
    username: str = "",
    next_url: str = "/sell",
    status_code: int = 200,
) -> Response:
    token = secrets.token_urlsafe(32)
    request.state.locale = store.get_retailer(session).locale
    response = render(
        request,
        "login.html",
        status_code=status_code,
        login_csrf=token,
        error=error,
        username=username,
        next_url=next_url,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login")
def login_form(request: Request, session: SessionDep, next: str | None = None) -> Response:
    return _login_page(request, session, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form()] = "/sell",
) -> Response:
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf)
    try:
        _user, started = accounts.sign_in(
            uow,
            username=username,
            password=password,
            ip=request.client.host if request.client else None,
            days=settings.session_days,
        )
    except NotAuthenticated:
        return _login_page(
            request,
            session,
            error=N_("Wrong username or password."),
            username=username,
            next_url=_safe_next(next_url),
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    response.set_cookie(
        settings.session_cookie_name,
        started.secret,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    secret = request.cookies.get(settings.session_cookie_name)
    if secret:
        found = accounts.user_for_session(session, secret=secret)
        if found is not None:
            check_csrf(found[1].csrf_token, csrf)
            accounts.sign_out(uow, secret=secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response
