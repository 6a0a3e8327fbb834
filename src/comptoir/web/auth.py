from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode, urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts import service as accounts
from comptoir.accounts import signin
from comptoir.core.errors import NotAuthenticated
from comptoir.core.i18n import N_
from comptoir.core.settings import Settings
from comptoir.http.deps import SessionDep, SettingsDep, UowDep
from comptoir.store import service as store
from comptoir.web.render import LOGIN_CSRF_COOKIE, check_csrf, render

router = APIRouter(include_in_schema=False)


LOCKED_MESSAGE = N_("Too many failed attempts. Wait 15 minutes and try again.")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def safe_next(target: str | None) -> str:
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
    reset_done: bool = False,
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
        reset_done=reset_done,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login")
def login_form(
    request: Request, session: SessionDep, next: str | None = None, reset: str | None = None
) -> Response:
    return _login_page(request, session, next_url=safe_next(next), reset_done=bool(reset))


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
        signed_in = signin.sign_in(
            uow,
            username=username,
            password=password,
            ip=client_ip(request),
            days=settings.session_days,
            user_agent=request.headers.get("user-agent"),
        )
    except signin.SignInLocked:
        locked = _login_page(
            request,
            session,
            error=LOCKED_MESSAGE,
            username=username,
            next_url=safe_next(next_url),
            status_code=429,
        )
        locked.headers["Retry-After"] = str(int(signin.ACCOUNT_WINDOW.total_seconds()))
        return locked
    except NotAuthenticated:
        return _login_page(
            request,
            session,
            error=N_("Wrong username or password."),
            username=username,
            next_url=safe_next(next_url),
            status_code=401,
        )
    target = safe_next(next_url)
    if signed_in.mfa_pending:
        target = "/login/mfa?" + urlencode({"next": target})
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, settings, signed_in.started.secret)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def set_session_cookie(response: Response, settings: Settings, secret: str) -> None:
    """HttpOnly, SameSite=Lax, and Secure when served behind HTTPS."""
    response.set_cookie(
        settings.session_cookie_name,
        secret,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


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
        found = accounts.user_for_session(session, secret=secret, include_mfa_pending=True)
        if found is not None:
            check_csrf(found[1].csrf_token, csrf)
            accounts.sign_out(uow, secret=secret, ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response
