"""The MFA step of signing in, and each user's own MFA page (enrol, recovery codes, turn off)."""

from __future__ import annotations

import base64
import contextlib
import io
import uuid
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts import mfa, signin
from comptoir.accounts import service as accounts
from comptoir.core.errors import Conflict, InvalidInput, NotAuthenticated
from comptoir.core.i18n import N_
from comptoir.http.deps import PrincipalDep, SessionDep, SettingsDep, UowDep
from comptoir.store import service as store
from comptoir.web.auth import LOCKED_MESSAGE, client_ip, safe_next, set_session_cookie
from comptoir.web.deps import PageUser
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)


def _own_account(user: PageUser, principal: PrincipalDep) -> uuid.UUID:
    """MFA belongs to who signed in on this browser, never to a user switched to by PIN."""
    return principal.login.user_id if principal.login is not None else user.id


OwnAccount = Annotated[uuid.UUID, Depends(_own_account)]


def qr_data_uri(text: str) -> str:
    """A QR code drawn here, as an SVG data: URI (no CDN, allowed by the CSP's img-src)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _step_page(
    request: Request,
    session: SessionDep,
    *,
    csrf: str,
    next_url: str,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    request.state.locale = store.get_retailer(session).locale
    return render(
        request,
        "mfa_step.html",
        status_code=status_code,
        step_csrf=csrf,
        next_url=next_url,
        error=error,
    )


@router.get("/login/mfa")
def mfa_step_form(
    request: Request, session: SessionDep, settings: SettingsDep, next: str | None = None
) -> Response:
    secret = request.cookies.get(settings.session_cookie_name, "")
    found = signin.pending_login(session, secret=secret) if secret else None
    if found is None:
        return RedirectResponse("/login", status_code=303)
    return _step_page(request, session, csrf=found[1].csrf_token, next_url=safe_next(next))


@router.post("/login/mfa")
def mfa_step(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=50)],
    csrf: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form()] = "/sell",
) -> Response:
    secret = request.cookies.get(settings.session_cookie_name, "")
    found = signin.pending_login(session, secret=secret) if secret else None
    if found is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(found[1].csrf_token, csrf)
    try:
        started = mfa.complete_sign_in(
            uow,
            secret=secret,
            code=code,
            ip=client_ip(request),
            days=settings.session_days,
            user_agent=request.headers.get("user-agent"),
        )
    except signin.SignInLocked:
        locked = _step_page(
            request,
            session,
            csrf=csrf,
            next_url=safe_next(next_url),
            error=LOCKED_MESSAGE,
            status_code=429,
        )
        locked.headers["Retry-After"] = str(int(signin.ACCOUNT_WINDOW.total_seconds()))
        return locked
    except NotAuthenticated:
        return _step_page(
            request,
            session,
            csrf=csrf,
            next_url=safe_next(next_url),
            error=N_("Wrong code. Try again."),
            status_code=401,
        )
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session_cookie(response, settings, started.secret)
    return response


def _account_page(
    request: Request,
    session: SessionDep,
    user_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    recovery_codes: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    user = accounts.get_user(session, user_id=user_id)
    qr = None
    secret = None
    if user.mfa_secret is None and user.mfa_pending_secret is not None and not recovery_codes:
        secret = user.mfa_pending_secret
        qr = qr_data_uri(mfa.provisioning_uri(user, secret))
    return render(
        request,
        "account_mfa.html",
        status_code=status_code,
        account=user,
        required=mfa.must_enrol(store.get_retailer(session), user),
        qr=qr,
        secret=secret,
        errors=errors or {},
        recovery_codes=recovery_codes,
        remaining=mfa.remaining_recovery_codes(session, user_id=user.id),
    )


@router.get("/account/mfa")
def account_mfa(request: Request, session: SessionDep, account: OwnAccount) -> Response:
    return _account_page(request, session, account)


@router.post("/account/mfa/start")
def account_mfa_start(
    request: Request, uow: UowDep, account: OwnAccount, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request.state.csrf_token, csrf)
    with contextlib.suppress(Conflict):  # already on: the page says so
        mfa.begin_enrolment(uow, user_id=account)
    return RedirectResponse("/account/mfa", status_code=303)


@router.post("/account/mfa/confirm")
def account_mfa_confirm(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    account: OwnAccount,
    code: Annotated[str, Form(max_length=50)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.state.csrf_token, csrf)
    try:
        codes = mfa.confirm_enrolment(uow, user_id=account, code=code, ip=client_ip(request))
    except InvalidInput:
        return _account_page(
            request,
            session,
            account,
            errors={"code": N_("Wrong code. Try again.")},
            status_code=422,
        )
    session.expire_all()
    return _account_page(request, session, account, recovery_codes=codes)


@router.post("/account/mfa/disable")
def account_mfa_disable(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    account: OwnAccount,
    password: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.state.csrf_token, csrf)
    try:
        mfa.disable(uow, user_id=account, password=password, ip=client_ip(request))
    except InvalidInput:
        return _account_page(
            request,
            session,
            account,
            errors={"password": N_("Wrong password.")},
            status_code=422,
        )
    return RedirectResponse("/account/mfa", status_code=303)
