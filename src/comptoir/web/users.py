"""Settings > Users and Settings > Security events.

Forms post back to their own URL; a refused change shows the form again with the error
next to its field and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts import audit, users
from comptoir.accounts.events import SecurityAction
from comptoir.accounts.models import User
from comptoir.accounts.permissions import ASSIGNABLE_ROLES, Permission, Role
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(prefix="/settings", include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_USERS))]
Manager = Annotated[User, Depends(page_requires(Permission.MANAGE_USERS))]
Auditor = Annotated[User, Depends(page_requires(Permission.VIEW_ALL_SECURITY_EVENTS))]

ROLE_LABELS = {
    Role.CASHIER: N_("Cashier"),
    Role.MANAGER: N_("Manager"),
    Role.ADMIN: N_("Admin"),
    Role.OWNER: N_("Account owner"),
}
ACTION_LABELS = {
    SecurityAction.SIGN_IN: N_("Signed in"),
    SecurityAction.SIGN_IN_FAILED: N_("Sign-in failed"),
    SecurityAction.LOCKOUT: N_("Locked out"),
    SecurityAction.SIGN_OUT: N_("Signed out"),
    SecurityAction.SIGN_OUT_EVERYWHERE: N_("Signed out everywhere"),
    SecurityAction.MFA_ENABLED: N_("Two-step verification on"),
    SecurityAction.MFA_DISABLED: N_("Two-step verification off"),
    SecurityAction.MFA_RECOVERY_CODE_USED: N_("Recovery code used"),
    SecurityAction.PASSWORD_RESET_REQUESTED: N_("Password reset requested"),
    SecurityAction.PASSWORD_CHANGED: N_("Password changed"),
    SecurityAction.ROLE_CHANGED: N_("Role changed"),
    SecurityAction.USER_CREATED: N_("User created"),
    SecurityAction.USER_DEACTIVATED: N_("User deactivated"),
    SecurityAction.USER_REACTIVATED: N_("User reactivated"),
    SecurityAction.PIN_CHANGED: N_("PIN changed"),
    SecurityAction.TOKEN_CREATED: N_("API token created"),
    SecurityAction.TOKEN_REVOKED: N_("API token revoked"),
    SecurityAction.USER_SWITCH: N_("User switched"),
    SecurityAction.CUSTOMER_DATA_EXPORTED: N_("Customer data exported (GDPR)"),
    SecurityAction.CUSTOMER_ERASED: N_("Customer erased (GDPR)"),
    SecurityAction.CUSTOMERS_EXPORTED: N_("Customer list exported"),
}
EVENTS_PAGE = 50


def actor_of(request: Request, user: User) -> users.Actor:
    return users.Actor(
        user=user,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


async def posted_form(request: Request) -> tuple[dict[str, str], list[str]]:
    """The form's single values, its checked outlets, after checking the CSRF token."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    values = {k: str(v) for k, v in form.items() if k != "outlet_ids"}
    return values, [str(v) for v in form.getlist("outlet_ids")]


def _outlet_ids(raw: list[str]) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(v) for v in raw]
    except ValueError as exc:
        raise InvalidInput(N_("Choose outlets from the list."), field="outlet_ids") from exc


def _fields(form: dict[str, str], outlets: list[str], *, keep_pin: bool) -> users.UserFields:
    pin = form.get("pin", "").strip()
    if keep_pin and form.get("remove_pin") == "on":
        pin_value: str | None = ""
    elif keep_pin and not pin:
        pin_value = None
    else:
        pin_value = pin or None
    return users.UserFields(
        username=form.get("username", ""),
        display_name=form.get("display_name", ""),
        email=form.get("email") or None,
        role=form.get("role", ""),
        outlet_ids=_outlet_ids(outlets),
        pin=pin_value,
    )


def _listing(session: Session, principal: PrincipalDep) -> dict[str, Any]:
    everyone = users.list_users(session)
    return {
        "users": everyone,
        "user_outlets": users.outlets_of(session, user_ids=[u.id for u in everyone]),
        "outlets": store.list_outlets(session),
        "roles": [(r.value, ROLE_LABELS[r]) for r in ASSIGNABLE_ROLES],
        "role_labels": {r.value: label for r, label in ROLE_LABELS.items()},
        "can_manage": principal.allows(Permission.MANAGE_USERS),
    }


def _users_page(
    request: Request,
    session: Session,
    principal: PrincipalDep,
    *,
    values: dict[str, Any],
    outlet_ids: list[str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings/users.html",
        status_code=status_code,
        values=values,
        checked_outlets=set(outlet_ids),
        errors=errors or {},
        **_listing(session, principal),
    )


@router.get("/users")
def user_list(
    request: Request, session: SessionDep, principal: PrincipalDep, _user: Viewer
) -> Response:
    values = {"role": Role.CASHIER.value}
    return _users_page(request, session, principal, values=values, outlet_ids=[])


@router.post("/users")
async def create_user(
    request: Request, session: SessionDep, uow: UowDep, principal: PrincipalDep, user: Manager
) -> Response:
    form, outlets = await posted_form(request)
    try:
        users.create_user(
            uow,
            actor=actor_of(request, user),
            fields=_fields(form, outlets, keep_pin=False),
            password=form.get("password", ""),
        )
    except InvalidInput as error:
        form.pop("password", None)
        form.pop("pin", None)
        errors = {str(error.details.get("field", "_form")): error.message}
        return _users_page(
            request,
            session,
            principal,
            values=form,
            outlet_ids=outlets,
            errors=errors,
            status_code=422,
        )
    return RedirectResponse("/settings/users", status_code=303)


def _edit_page(
    request: Request,
    session: Session,
    target: User,
    *,
    values: dict[str, Any] | None = None,
    outlet_ids: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if values is None:
        values = {
            "username": target.username,
            "display_name": target.display_name,
            "email": target.email or "",
            "role": target.role,
        }
    if outlet_ids is None:
        outlet_ids = [
            str(o) for o in users.outlets_of(session, user_ids=[target.id]).get(target.id, [])
        ]
    is_owner = target.role == Role.OWNER
    return render(
        request,
        "settings/user.html",
        status_code=status_code,
        target=target,
        is_owner=is_owner,
        values=values,
        checked_outlets=set(outlet_ids),
        errors=errors or {},
        outlets=store.list_outlets(session),
        roles=[(Role.OWNER.value, ROLE_LABELS[Role.OWNER])]
        if is_owner
        else [(r.value, ROLE_LABELS[r]) for r in ASSIGNABLE_ROLES],
    )


@router.get("/users/{user_id}")
def edit_user(
    request: Request, session: SessionDep, user_id: uuid.UUID, _user: Manager
) -> Response:
    return _edit_page(request, session, users.get_user(session, user_id=user_id))


@router.post("/users/{user_id}")
async def save_user(
    request: Request, session: SessionDep, uow: UowDep, user_id: uuid.UUID, user: Manager
) -> Response:
    target = users.get_user(session, user_id=user_id)
    form, outlets = await posted_form(request)
    try:
        users.update_user(
            uow,
            actor=actor_of(request, user),
            user_id=user_id,
            fields=_fields(form, outlets, keep_pin=True),
        )
    except InvalidInput as error:
        form.pop("pin", None)
        errors = {str(error.details.get("field", "_form")): error.message}
        return _edit_page(
            request,
            session,
            target,
            values=form,
            outlet_ids=outlets,
            errors=errors,
            status_code=422,
        )
    return RedirectResponse("/settings/users", status_code=303)


@router.post("/users/{user_id}/{change}")
async def change_user_status(
    request: Request,
    session: SessionDep,
    uow: UowDep,
    user_id: uuid.UUID,
    change: str,
    user: Manager,
) -> Response:
    """Deactivate, reactivate, delete (a soft delete) or sign out everywhere a user."""
    actions: dict[str, Callable[..., object]] = {
        "deactivate": users.deactivate_user,
        "reactivate": users.reactivate_user,
        "delete": users.delete_user,
        "sign-out-everywhere": users.end_sessions_of,
    }
    if change not in actions:
        return Response(status_code=404)
    target = users.get_user(session, user_id=user_id)
    await posted_form(request)
    try:
        actions[change](uow, actor=actor_of(request, user), user_id=user_id)
    except InvalidInput as error:
        return _edit_page(
            request, session, target, errors={"_form": error.message}, status_code=422
        )
    return RedirectResponse("/settings/users", status_code=303)


@router.get("/security-events")
def security_events(
    request: Request,
    session: SessionDep,
    _user: Auditor,
    user_id: uuid.UUID | None = None,
    action: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> Response:
    events = audit.latest_events(
        session, user_id=user_id, action=action or None, before=before, limit=EVENTS_PAGE + 1
    )
    has_more = len(events) > EVENTS_PAGE
    events = events[:EVENTS_PAGE]
    everyone = users.list_users(session, include_deleted=True)
    return render(
        request,
        "settings/security_events.html",
        events=events,
        has_more=has_more,
        names={u.id: u.display_name for u in everyone},
        people=[(str(u.id), u.display_name) for u in everyone],
        actions=[(a.value, label) for a, label in ACTION_LABELS.items()],
        action_labels={a.value: label for a, label in ACTION_LABELS.items()},
        values={"user_id": str(user_id or ""), "action": action},
        time_zone=store.get_retailer(session).time_zone,
    )
