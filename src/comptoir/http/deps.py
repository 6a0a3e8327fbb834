"""Request dependencies: the database, the unit of work, the signed-in user, permissions."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from comptoir.accounts import mfa, tokens
from comptoir.accounts import service as accounts
from comptoir.accounts.models import LoginSession, User
from comptoir.accounts.permissions import Permission, allows
from comptoir.core.db import Database
from comptoir.core.errors import NotAuthenticated, PermissionDenied
from comptoir.core.settings import Settings
from comptoir.core.uow import UnitOfWork
from comptoir.store.models import Retailer

log = logging.getLogger(__name__)


# Dependencies that do no I/O are `async`: FastAPI then calls them inline instead of handing
# each one to the thread pool (a measurable share of a sale's CPU, see bench/README.md).
async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.read_sessions() as session:
        yield session


def get_uow(database: Annotated[Database, Depends(get_database)]) -> Iterator[UnitOfWork]:
    with database.unit_of_work() as uow:
        yield uow


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, through a browser session or a personal token."""

    user: User
    login: LoginSession | None  # None for token calls
    # A token's scopes, which narrow the user's permissions; None for a browser session.
    scopes: tuple[str, ...] | None = None
    token_id: uuid.UUID | None = None
    # The token's last-used time is over a minute old: record this use.
    token_used_stale: bool = False

    def allows(self, permission: Permission) -> bool:
        return allows(self.user.role, self.scopes, permission)

    def ensure(self, permission: Permission) -> None:
        if not self.allows(permission):
            raise PermissionDenied("you are not allowed to do this", permission=permission.value)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def get_principal(request: Request, database: DatabaseDep, settings: SettingsDep) -> Principal:
    # A session of its own, closed before the route runs: holding a pooled connection for
    # the whole request while the route takes another can exhaust the pool under load.
    with database.read_sessions() as session:
        principal = _authenticate(request, session, settings)
    if principal.token_id is not None and principal.token_used_stale:
        try:
            with database.unit_of_work() as uow:
                tokens.touch(uow, token_id=principal.token_id)
        except OperationalError as error:  # best effort: a busy database must not fail the call
            log.warning("could not record the last use of a token: %s", error.orig)
    return principal


def _authenticate(request: Request, session: Session, settings: Settings) -> Principal:
    token = bearer_token(request)
    if token is not None:
        by_token = tokens.authenticate(session, secret=token)
        if by_token is None:
            raise NotAuthenticated("invalid, expired or revoked token")
        user, api_token = by_token
        if user.require_password_change:
            # A token must not outlive the password an admin gave: the user chooses theirs
            # first (signing in), and only then do their tokens work.
            raise PasswordChangeRequired(
                "this user must choose their password before using API tokens: sign in at "
                "/login to choose it",
                reason="password_change_required",
            )
        return Principal(
            user=user,
            login=None,
            scopes=tuple(api_token.scopes),
            token_id=api_token.id,
            token_used_stale=tokens.needs_touch(api_token),
        )
    cookie = request.cookies.get(settings.session_cookie_name)
    if cookie:
        # A session still waiting for its MFA code is not signed in (see web/mfa.py).
        found = accounts.user_for_session(session, secret=cookie)
        if found is not None:
            user, login = found
            if request.method not in SAFE_METHODS and request.url.path.startswith("/api"):
                # A browser calling the API with its cookie must prove the call comes from
                # our own page: cross-site requests cannot read the token to send it.
                sent = request.headers.get("x-csrf-token", "")
                if not secrets.compare_digest(sent, login.csrf_token):
                    raise PermissionDenied("missing or wrong X-CSRF-Token header")
            _check_password_change(request, user)
            _check_mfa_enrolment(request, session, user)
            return Principal(user=_acting_user(session, user, login), login=login)
    raise NotAuthenticated("sign in or send an API token")


# Paths an admin who must turn MFA on may still use before enrolling.
MFA_ENROLMENT_PATHS = ("/account/mfa", "/logout")


class MfaEnrolmentRequired(PermissionDenied):
    """The store requires MFA for this user's role and it is not on yet (pages redirect)."""


def _check_mfa_enrolment(request: Request, session: Session, user: User) -> None:
    if user.mfa_secret is not None or request.url.path.startswith(MFA_ENROLMENT_PATHS):
        return
    if mfa.must_enrol(session.scalars(select(Retailer)).first(), user):
        raise MfaEnrolmentRequired("turn on multi-factor authentication first")


# Paths a user who must change their password may still use before changing it.
PASSWORD_CHANGE_PATHS = ("/account/password", "/account/mfa", "/logout")


class PasswordChangeRequired(PermissionDenied):
    """The user was given their password by an admin and must choose their own (pages
    redirect to /account/password; the API, tokens included, answers 403)."""


def _check_password_change(request: Request, user: User) -> None:
    if user.require_password_change and not request.url.path.startswith(PASSWORD_CHANGE_PATHS):
        raise PasswordChangeRequired(
            "change your password first, at /account/password", reason="password_change_required"
        )


def _acting_user(session: Session, user: User, login: LoginSession) -> User:
    """After a switch at the register, the session acts as the switched-to user."""
    if login.acting_user_id is None or login.acting_user_id == user.id:
        return user
    acting = session.get(User, login.acting_user_id)
    if acting is None or not acting.enabled or acting.deleted_at is not None:
        return user
    return acting


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[[Principal], User]:
    """A dependency that lets the call through only if the caller holds `permission`."""

    def check(principal: PrincipalDep) -> User:
        principal.ensure(permission)
        return principal.user

    check.permission = permission  # type: ignore[attr-defined]
    return check
