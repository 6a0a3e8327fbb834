"""Personal API tokens (named, scoped, expiring, revocable) and "sign out everywhere".

A token's secret is shown once and only its SHA-256 is kept. A token acts with its user's
permissions narrowed by its scopes (see permissions.allows).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import ApiToken, LoginSession, User
from comptoir.accounts.permissions import FULL_SCOPE, SCOPE_ACCESS, SCOPE_AREAS
from comptoir.accounts.service import TOKEN_PREFIX, digest, find_user
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork

NAME_MAX = 100
MAX_EXPIRY_DAYS = 3650
# The last-used time is written at most this often per token: not one write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once; never stored


def check_scopes(scopes: list[str]) -> list[str]:
    """Known "area:read|write" scopes, or ["*"]; write makes read of the same area redundant."""
    cleaned = sorted({s.strip().lower() for s in scopes if s.strip()})
    if not cleaned:
        raise InvalidInput(N_("Choose at least one scope."), field="scopes")
    if FULL_SCOPE in cleaned:
        return [FULL_SCOPE]
    for scope in cleaned:
        area, _, access = scope.partition(":")
        if area not in SCOPE_AREAS or access not in SCOPE_ACCESS:
            raise InvalidInput(N_("Unknown scope."), field="scopes", scope=scope)
    return [s for s in cleaned if not (s.endswith(":read") and f"{s[:-5]}:write" in cleaned)]


def _check_expiry(expires_days: int | None) -> datetime | None:
    if expires_days is None:
        return None
    if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(
            N_("A token expires after 1 to 3650 days."), field="expires_days", maximum=3650
        )
    return utcnow() + timedelta(days=expires_days)


def create_token(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    name: str,
    scopes: list[str] | None = None,
    expires_days: int | None = None,
    actor_id: uuid.UUID | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> CreatedToken:
    """A new personal token for the user; the secret is returned once and stored hashed."""
    session = uow.session
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("no such user", user_id=str(user_id))
    if user.require_password_change:
        raise PermissionDenied(
            "this user must choose their password (by signing in) before getting API tokens",
            reason="password_change_required",
        )
    name = name.strip()
    if not name:
        raise InvalidInput(N_("A token needs a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("A token name has at most 100 characters."), field="name")
    checked = check_scopes(scopes if scopes is not None else [FULL_SCOPE])
    expires_at = _check_expiry(expires_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=digest(secret),
        scopes=checked,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        action=SecurityAction.TOKEN_CREATED,
        user_id=user.id,
        actor_id=actor_id or user.id,
        ip=ip,
        user_agent=user_agent,
        details={"token_id": str(token.id), "scopes": checked},
    )
    uow.commit()
    return CreatedToken(token=token, secret=secret)


def create_token_for_username(
    uow: UnitOfWork,
    *,
    username: str,
    name: str,
    scopes: list[str] | None = None,
    expires_days: int | None = None,
) -> CreatedToken:
    """The command line's way in: the user by username, the user as actor."""
    user = find_user(uow.session, username=username)
    if user is None or user.deleted_at is not None:
        raise NotFound("no such user", username=username)
    return create_token(uow, user_id=user.id, name=name, scopes=scopes, expires_days=expires_days)


def list_tokens(session: Session, *, user_id: uuid.UUID) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they show as revoked)."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    return list(session.scalars(query))


def revoke_token(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    token_id: uuid.UUID,
    actor_id: uuid.UUID,
    ip: str | None = None,
    user_agent: str | None = None,
) -> ApiToken:
    """Revoke one of the user's tokens; revoking it again changes nothing."""
    session = uow.session
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("token not found", token_id=str(token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(
            session,
            action=SecurityAction.TOKEN_REVOKED,
            user_id=user_id,
            actor_id=actor_id,
            ip=ip,
            user_agent=user_agent,
            details={"token_id": str(token.id)},
        )
    uow.commit()
    return token


def authenticate(session: Session, *, secret: str) -> tuple[User, ApiToken] | None:
    """The user and token for a bearer secret, unless revoked, expired or the user is gone."""
    now = utcnow()
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == digest(secret),
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
            User.enabled.is_(True),
            User.deleted_at.is_(None),
        )
    ).first()
    return (row[0], row[1]) if row else None


def needs_touch(token: ApiToken, *, now: datetime | None = None) -> bool:
    last = token.last_used_at
    return last is None or last <= (now or utcnow()) - LAST_USED_PRECISION


def touch(uow: UnitOfWork, *, token_id: uuid.UUID) -> None:
    """Record that the token was used; a no-op if another request did so within the minute."""
    now = utcnow()
    uow.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            (ApiToken.last_used_at.is_(None))
            | (ApiToken.last_used_at <= now - LAST_USED_PRECISION),
        )
        .values(last_used_at=now)
    )
    uow.commit()


@dataclass(frozen=True)
class SignedOutEverywhere:
    sessions_ended: int
    tokens_revoked: int


def end_access(session: Session, *, user_id: uuid.UUID) -> SignedOutEverywhere:
    """End the user's login sessions and revoke their tokens, in the caller's transaction."""
    now = utcnow()
    ended = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return SignedOutEverywhere(
        sessions_ended=ended.rowcount or 0,  # type: ignore[attr-defined]
        tokens_revoked=revoked.rowcount or 0,  # type: ignore[attr-defined]
    )


def sign_out_everywhere(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    actor_id: uuid.UUID,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SignedOutEverywhere:
    """End every login session of the user and revoke all their personal tokens."""
    result = end_access(uow.session, user_id=user_id)
    record_event(
        uow.session,
        action=SecurityAction.SIGN_OUT_EVERYWHERE,
        user_id=user_id,
        actor_id=actor_id,
        ip=ip,
        user_agent=user_agent,
        details={"sessions": result.sessions_ended, "tokens": result.tokens_revoked},
    )
    uow.commit()
    return result
