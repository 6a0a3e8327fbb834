"""My account: password, personal API tokens (the secret shown once), PIN, "sign out
everywhere"; and the change-password page a user given their password by an admin must use."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts import passwords, tokens, users
from comptoir.accounts import service as accounts
from comptoir.accounts.models import User
from comptoir.accounts.permissions import SCOPE_AREAS, Permission
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import PrincipalDep, SessionDep, SettingsDep, UowDep
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render
from comptoir.web.users import ROLE_LABELS, actor_of

router = APIRouter(prefix="/account", include_in_schema=False)
Reader = Annotated[User, Depends(page_requires(Permission.VIEW_OWN_ACCOUNT))]
Writer = Annotated[User, Depends(page_requires(Permission.MANAGE_OWN_ACCOUNT))]
FULL_ACCESS = "*"
ACCESS_OPTIONS = [("", N_("No access")), ("read", N_("Read")), ("write", N_("Read and write"))]


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    secret: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "account.html",
        status_code=status_code,
        tokens=tokens.list_tokens(session, user_id=user.id),
        areas=SCOPE_AREAS,
        access_options=[
            ("", N_("No access")),
            ("read", N_("Read")),
            ("write", N_("Read and write")),
        ],
        role_label=ROLE_LABELS.get(user.role, user.role),  # type: ignore[call-overload]
        values=values or {"full": "on"},
        errors=errors or {},
        secret=secret,
        password_changed=request.query_params.get("password") == "1",
        time_zone=store.get_retailer(session).time_zone,
    )


@router.get("")
def my_account(request: Request, session: SessionDep, user: Reader) -> Response:
    return _page(request, session, user)


async def _form(request: Request) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    return form


def _scopes(form: dict[str, str]) -> list[str]:
    if form.get("full") == "on":
        return [FULL_ACCESS]
    return [f"{area}:{form[f'scope_{area}']}" for area in SCOPE_AREAS if form.get(f"scope_{area}")]


def _days(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidInput(N_("Enter a whole number."), field="expires_days") from exc


@router.post("/tokens")
async def create_token(
    request: Request, session: SessionDep, uow: UowDep, user: Writer
) -> Response:
    form = await _form(request)
    actor = actor_of(request, user)
    try:
        created = tokens.create_token(
            uow,
            user_id=user.id,
            name=form.get("name", ""),
            scopes=_scopes(form),
            expires_days=_days(form.get("expires_days", "")),
            actor_id=user.id,
            ip=actor.ip,
            user_agent=actor.user_agent,
        )
    except InvalidInput as error:
        errors = {str(error.details.get("field", "_form")): error.message}
        return _page(request, session, user, values=form, errors=errors, status_code=422)
    # Shown on this reply only: the secret is never stored nor put in a URL. The listing
    # reads through the unit of work: the request's read session may predate the commit.
    return _page(request, uow.session, user, secret=created.secret)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, uow: UowDep, token_id: uuid.UUID, user: Writer
) -> Response:
    await _form(request)
    actor = actor_of(request, user)
    tokens.revoke_token(
        uow,
        user_id=user.id,
        token_id=token_id,
        actor_id=user.id,
        ip=actor.ip,
        user_agent=actor.user_agent,
    )
    return RedirectResponse("/account", status_code=303)


@router.post("/pin")
async def set_pin(request: Request, session: SessionDep, uow: UowDep, user: Writer) -> Response:
    form = await _form(request)
    pin = form.get("pin", "").strip()
    try:
        users.set_own_pin(
            uow, actor=actor_of(request, user), pin=None if form.get("remove_pin") else pin or None
        )
    except InvalidInput as error:
        errors = {str(error.details.get("field", "_form")): error.message}
        return _page(request, session, user, errors=errors, status_code=422)
    return RedirectResponse("/account?saved=1", status_code=303)


@router.post("/sign-out-everywhere")
async def sign_out_everywhere(
    request: Request, uow: UowDep, settings: SettingsDep, user: Writer
) -> Response:
    await _form(request)
    users.end_sessions_of(uow, actor=actor_of(request, user), user_id=user.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response


def _password_page(
    request: Request,
    *,
    forced: bool,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "account_password.html",
        status_code=status_code,
        forced=forced,
        errors=errors or {},
    )


def _own_account(session: Session, user: User, principal: PrincipalDep) -> User:
    """Who signed in on this browser, never a user switched to by PIN (or the token's user)."""
    if principal.login is None or principal.login.user_id == user.id:
        return user
    return accounts.get_user(session, user_id=principal.login.user_id)


@router.get("/password")
def password_form(
    request: Request, session: SessionDep, user: Reader, principal: PrincipalDep
) -> Response:
    account = _own_account(session, user, principal)
    return _password_page(request, forced=account.require_password_change)


@router.post("/password")
async def change_password(
    request: Request, session: SessionDep, uow: UowDep, user: Writer, principal: PrincipalDep
) -> Response:
    """The password of who signed in on this browser, never of a user switched to by PIN."""
    form = await _form(request)
    account = _own_account(session, user, principal)
    forced = account.require_password_change
    errors: dict[str, str] = {}
    if form.get("new_password", "") != form.get("confirm", ""):
        errors = {"confirm": N_("The two passwords differ.")}
    else:
        actor = actor_of(request, user)
        try:
            passwords.change_password(
                uow,
                user_id=account.id,
                current_password=form.get("current_password", ""),
                new_password=form.get("new_password", ""),
                keep_session_id=principal.login.id if principal.login is not None else None,
                ip=actor.ip,
                user_agent=actor.user_agent,
            )
        except InvalidInput as error:
            errors = {str(error.details.get("field", "_form")): error.message}
    if errors:
        if forced:
            return _password_page(request, forced=True, errors=errors, status_code=422)
        return _page(request, session, user, errors=errors, status_code=422)
    return RedirectResponse("/sell" if forced else "/account?password=1", status_code=303)
