""" "Forgot password?": a single-use, expiring link sent by email through the outbox.

The answer to a request is the same whether or not the username exists. The link holds a
256-bit secret; only its SHA-256 is stored. Using it sets the new password, ends every
session of the user and every other pending link.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.accounts import service
from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import LoginSession, PasswordResetToken, User
from comptoir.accounts.users import check_new_password
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork

RESET_TTL = timedelta(hours=1)
# At most this many links per user per hour: the form cannot be used to flood a mailbox.
MAX_LINKS_PER_HOUR = 3
RESET_EMAIL_TOPIC = "accounts.password_reset_email"
BAD_LINK = "this link is invalid, used or expired; ask for a new one"


def request_reset(
    uow: UnitOfWork, *, username: str, base_url: str, ip: str | None, locale: str | None = None
) -> None:
    """Email a reset link to the user, if there is such a user with an email address."""
    session = uow.session
    user = service.find_user(session, username=username)
    if user is None or not user.enabled or user.deleted_at is not None or not user.email:
        return
    recent = session.scalar(
        select(func.count()).where(
            PasswordResetToken.user_id == user.id,
            PasswordResetToken.created_at > utcnow() - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_LINKS_PER_HOUR:
        return
    secret = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=service.digest(secret),
            expires_at=utcnow() + RESET_TTL,
        )
    )
    link = base_url.rstrip("/") + "/login/reset?" + urlencode({"token": secret})
    enqueue(
        uow,
        topic=RESET_EMAIL_TOPIC,
        payload={
            "to": user.email,
            "link": link,
            "locale": user.locale or locale or "fr",
            "minutes": RESET_TTL.seconds // 60,
        },
    )
    record_event(session, action=SecurityAction.PASSWORD_RESET_REQUESTED, user_id=user.id, ip=ip)
    uow.commit()


def _live_token(session: Session, secret: str) -> PasswordResetToken | None:
    return session.scalar(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == service.digest(secret),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > utcnow(),
        )
    )


def link_is_valid(session: Session, *, secret: str) -> bool:
    return bool(secret) and _live_token(session, secret) is not None


def reset_password(uow: UnitOfWork, *, secret: str, password: str, ip: str | None) -> User:
    """Set the new password; the link then stops working and every session ends."""
    session = uow.session
    token = _live_token(session, secret) if secret else None
    if token is None:
        raise InvalidInput(BAD_LINK, field="token")
    check_new_password(password)
    user = service.get_user(session, user_id=token.user_id)
    now = utcnow()
    user.password_hash = service.hash_password(password)
    user.require_password_change = False
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    record_event(
        session,
        action=SecurityAction.PASSWORD_CHANGED,
        user_id=user.id,
        ip=ip,
        details={"via": "reset_link"},
    )
    uow.commit()
    return user
