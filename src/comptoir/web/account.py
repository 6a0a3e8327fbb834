"""My account: personal API tokens (the secret shown once), PIN, "sign out everywhere"."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts import tokens, users
from comptoir.accounts.models import User
from comptoir.accounts.permissions import SCOPE_AREAS, Permission
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, SettingsDep, UowDep
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
