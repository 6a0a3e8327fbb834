from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import PermissionDenied
from comptoir.http.deps import Principal, PrincipalDep, SessionDep
from comptoir.store import service as store


def page_user(request: Request, principal: PrincipalDep, session: SessionDep) -> User:
    """The signed-in user of a page, with the locale and CSRF token the page renders with."""
    request.state.user = principal.user
    request.state.csrf_token = principal.login.csrf_token if principal.login else ""
    request.state.locale = principal.user.locale or store.get_retailer(session).locale
    return principal.user


PageUser = Annotated[User, Depends(page_user)]


def page_requires(permission: Permission) -> Callable[[User, Principal], User]:
    """The page twin of `require`: the same check (role, and scopes for a token)."""

    def check(user: PageUser, principal: PrincipalDep) -> User:
        if not principal.allows(permission):
            raise PermissionDenied(
                "you are not allowed to see this page", permission=permission.value
            )
        return user

    check.permission = permission  # type: ignore[attr-defined]
    return check
