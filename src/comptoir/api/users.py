"""Users, the current user, "sign out everywhere" and the security trail (X-Series 2.0)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts import audit, users
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import Paging, PagingWithDeleted
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse

router = APIRouter(prefix="/api/2.0", tags=["Users"], default_response_class=DecimalJSONResponse)
users_read = [Depends(require(Permission.VIEW_USERS))]


def _actor(request: Request, user: User) -> users.Actor:
    return users.Actor(
        user=user,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


def _users_out(session: SessionDep, found: list[User]) -> list[dict[str, object]]:
    outlets = users.outlets_of(session, user_ids=[u.id for u in found])
    return [serialize.user(u, outlet_ids=outlets.get(u.id)) for u in found]


@router.get("/users", dependencies=users_read)
def list_users(
    session: SessionDep,
    paging: PagingWithDeleted,
) -> Response:
    page = users.page_users(
        session,
        **paging.bounds(),
        include_deleted=paging.deleted,
    )
    return serialize.collection(_users_out(session, page.items), page)


class UserIdsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    user_ids: list[uuid.UUID] = Field(max_length=1000)


@router.post("/users/bulk", dependencies=users_read)
def get_users_by_ids(body: UserIdsIn, session: SessionDep) -> Response:
    found = users.users_by_ids(session, user_ids=body.user_ids)
    return serialize.collection(_users_out(session, found))


@router.get("/users/{user_id}", dependencies=users_read)
def get_user(user_id: uuid.UUID, session: SessionDep) -> Response:
    user = users.get_user(session, user_id=user_id)
    return serialize.data(_users_out(session, [user])[0])


@router.delete("/users/{user_id}")
def delete_user(
    user_id: uuid.UUID,
    request: Request,
    uow: UowDep,
    session: SessionDep,
    actor: Annotated[User, Depends(require(Permission.MANAGE_USERS))],
) -> Response:
    """A soft delete: the user can no longer sign in; sales keep pointing at them."""
    users.delete_user(uow, actor=_actor(request, actor), user_id=user_id)
    deleted = users.get_user(session, user_id=user_id, include_deleted=True)
    return serialize.data(_users_out(session, [deleted])[0])


@router.delete("/users/{user_id}/sessions")
def delete_user_sessions(
    user_id: uuid.UUID,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    actor: Annotated[User, Depends(require(Permission.MANAGE_OWN_ACCOUNT))],
) -> Response:
    """End every session and revoke every personal token of the user."""
    if user_id != actor.id:
        principal.ensure(Permission.MANAGE_USERS)
    ended, revoked = users.end_sessions_of(uow, actor=_actor(request, actor), user_id=user_id)
    return serialize.data(
        {"user_id": str(user_id), "sessions_ended": ended, "tokens_revoked": revoked}
    )


@router.get("/user")
def get_current_user(
    session: SessionDep, user: Annotated[User, Depends(require(Permission.VIEW_OWN_ACCOUNT))]
) -> Response:
    return serialize.data(_users_out(session, [user])[0])


@router.get("/security_events")
def list_security_events(
    session: SessionDep,
    principal: PrincipalDep,
    user: Annotated[User, Depends(require(Permission.VIEW_OWN_SECURITY_EVENTS))],
    paging: Paging,
    user_id: Annotated[uuid.UUID | None, Query(description="Another user's events")] = None,
    all_users: Annotated[bool, Query(alias="all", description="Every user's events")] = False,
) -> Response:
    """The current user's security events; with `user_id=` or `all=true`, another user's
    or everyone's (needs the permission to read the whole trail)."""
    whose: uuid.UUID | None = user.id
    if all_users or (user_id is not None and user_id != user.id):
        principal.ensure(Permission.VIEW_ALL_SECURITY_EVENTS)
        whose = None if all_users else user_id
    page = audit.page_events(
        session,
        user_id=whose,
        **paging.bounds(),
    )
    return serialize.collection([serialize.security_event(e) for e in page.items], page)
