"""Switching who sells at a register (a Comptoir extension, not in the X-Series API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts import switching
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.core.errors import InvalidInput
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse

router = APIRouter(tags=["Users"], default_response_class=DecimalJSONResponse)


class SwitchUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    pin: str | None = Field(default=None, max_length=50)
    password: str | None = Field(default=None, max_length=500)
    register_id: uuid.UUID | None = None


def _targets(session: SessionDep, user: User) -> list[dict[str, object]]:
    return [
        {
            "user_id": str(t.user_id),
            "display_name": t.display_name,
            "role": t.role,
            "needs_password": t.needs_password,
        }
        for t in switching.switch_targets(session, current=user)
    ]


@router.post(
    "/api/comptoir/switch_user",
    summary="Switch the user selling on this browser session (PIN, or password when protected)",
    responses={429: {"description": "Too many wrong PINs or passwords: wait Retry-After"}},
)
def switch_user(
    body: SwitchUserIn,
    request: Request,
    uow: UowDep,
    session: SessionDep,
    principal: PrincipalDep,
    _user: User = Depends(require(Permission.SELL)),
) -> Response:
    if principal.login is None:
        raise InvalidInput("user switching is for a register's browser session, not a token")
    target = switching.switch_user(
        uow,
        login_id=principal.login.id,
        target_user_id=body.user_id,
        pin=body.pin,
        password=body.password,
        register_id=body.register_id,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    return serialize.data(
        {
            "user_id": str(target.id),
            "display_name": target.display_name,
            "role": target.role,
            "switch_targets": _targets(session, target),
        }
    )
