"""Signing in: password check, back-off and lockout, the MFA step, a fresh session id.

Limits (stated in README.md too), counted from `SignInAttempt` rows:

- per account: `ACCOUNT_MAX_FAILURES` failures for one username within `ACCOUNT_WINDOW`
  (since its last success) lock that username until the oldest of them leaves the window;
- per IP: `IP_MAX_FAILURES` failures from one address within `IP_WINDOW` block that address
  for every username.

While locked or blocked the password is not even checked, and the refusal is itself counted,
so a continuing attack keeps the lock on (the back-off). A wrong TOTP code, recovery code or
register PIN counts as a failure like a wrong password. Messages are the same whether or not
the username exists, and an unknown username costs an argon2 verification like a known one.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.accounts import service
from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import LoginSession, SignInAttempt, User
from comptoir.core.clock import utcnow
from comptoir.core.errors import NotAuthenticated
from comptoir.core.uow import UnitOfWork

ACCOUNT_MAX_FAILURES = 5
ACCOUNT_WINDOW = timedelta(minutes=15)
IP_MAX_FAILURES = 20
IP_WINDOW = timedelta(minutes=15)

# A password-checked session waiting for its MFA code lives this long.
MFA_PENDING_TTL = timedelta(minutes=10)

SIGN_IN_FAILED = service.SIGN_IN_FAILED
LOCKED = "too many failed attempts; try again later"


class SignInLocked(NotAuthenticated):
    """Too many failures for this username or from this address (the page answers 429)."""

    code = "locked"


@dataclass(frozen=True)
class StartedSession:
    secret: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    user: User
    started: StartedSession
    # The password was right; a TOTP or recovery code must follow before the session counts.
    mfa_pending: bool


def _normal(username: str) -> str:
    return username.strip().lower()[:200]


def _failures(session: Session, *, username: str | None, ip: str | None) -> tuple[int, int]:
    """Failures within the windows: for the username (since its last success) and the IP."""
    now = utcnow()
    by_account = 0
    if username is not None:
        since = now - ACCOUNT_WINDOW
        last_success = session.scalar(
            select(func.max(SignInAttempt.created_at)).where(
                SignInAttempt.username == username,
                SignInAttempt.succeeded.is_(True),
                SignInAttempt.created_at > since,
            )
        )
        if last_success is not None:
            since = last_success
        by_account = (
            session.scalar(
                select(func.count()).where(
                    SignInAttempt.username == username,
                    SignInAttempt.succeeded.is_(False),
                    SignInAttempt.created_at > since,
                )
            )
            or 0
        )
    by_ip = 0
    if ip is not None:
        by_ip = (
            session.scalar(
                select(func.count()).where(
                    SignInAttempt.ip == ip,
                    SignInAttempt.succeeded.is_(False),
                    SignInAttempt.created_at > now - IP_WINDOW,
                )
            )
            or 0
        )
    return by_account, by_ip


def is_locked(session: Session, *, username: str, ip: str | None) -> bool:
    by_account, by_ip = _failures(session, username=_normal(username), ip=ip)
    return by_account >= ACCOUNT_MAX_FAILURES or by_ip >= IP_MAX_FAILURES


def check_not_locked(session: Session, *, username: str, ip: str | None) -> None:
    if is_locked(session, username=username, ip=ip):
        raise SignInLocked(LOCKED)


def record_failure(
    uow: UnitOfWork,
    *,
    username: str,
    user: User | None,
    ip: str | None,
    user_agent: str | None = None,
    reason: str = "password",
) -> None:
    """Count a failure and write its event (and LOCKOUT when it crosses a limit); the caller
    commits and then refuses."""
    session = uow.session
    name = _normal(username)
    before = _failures(session, username=name, ip=ip)
    session.add(SignInAttempt(username=name, ip=ip, succeeded=False))
    user_id = user.id if user is not None else None
    record_event(
        session,
        action=SecurityAction.SIGN_IN_FAILED,
        user_id=user_id,
        ip=ip,
        user_agent=user_agent,
        details={"reason": reason},
    )
    if before[0] + 1 == ACCOUNT_MAX_FAILURES:
        record_event(
            session,
            action=SecurityAction.LOCKOUT,
            user_id=user_id,
            ip=ip,
            user_agent=user_agent,
            details={"scope": "account", "minutes": ACCOUNT_WINDOW.seconds // 60},
        )
    if ip is not None and before[1] + 1 == IP_MAX_FAILURES:
        record_event(
            session,
            action=SecurityAction.LOCKOUT,
            user_id=None,
            ip=ip,
            user_agent=user_agent,
            details={"scope": "ip", "minutes": IP_WINDOW.seconds // 60},
        )


def record_success(uow: UnitOfWork, *, username: str, ip: str | None) -> None:
    uow.session.add(SignInAttempt(username=_normal(username), ip=ip, succeeded=True))


def sign_in(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    ip: str | None,
    days: int,
    user_agent: str | None = None,
) -> SignedIn:
    """Check the password and open a session (MFA-pending when the user has MFA on).

    Raises `SignInLocked` or `NotAuthenticated`; the message never says which part was wrong
    nor whether the user exists. Failures are committed before the refusal."""
    session = uow.session
    if is_locked(session, username=username, ip=ip):
        record_failure(
            uow, username=username, user=None, ip=ip, user_agent=user_agent, reason="locked"
        )
        uow.commit()
        raise SignInLocked(LOCKED)
    user = service.find_user(session, username=username)
    ok = service.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.enabled or user.deleted_at is not None:
        record_failure(uow, username=username, user=user, ip=ip, user_agent=user_agent)
        uow.commit()
        raise NotAuthenticated(SIGN_IN_FAILED)
    mfa_pending = user.mfa_secret is not None
    started = _open_session(
        uow, user=user, ip=ip, days=days, user_agent=user_agent, mfa_pending=mfa_pending
    )
    if not mfa_pending:
        record_success(uow, username=username, ip=ip)
        record_event(
            session,
            action=SecurityAction.SIGN_IN,
            user_id=user.id,
            actor_id=user.id,
            ip=ip,
            user_agent=user_agent,
        )
    uow.commit()
    return SignedIn(user=user, started=started, mfa_pending=mfa_pending)


def _open_session(
    uow: UnitOfWork,
    *,
    user: User,
    ip: str | None,
    days: int,
    user_agent: str | None,
    mfa_pending: bool,
) -> StartedSession:
    secret = secrets.token_urlsafe(32)
    started = StartedSession(
        secret=secret,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + (MFA_PENDING_TTL if mfa_pending else timedelta(days=days)),
    )
    uow.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=service.digest(secret),
            csrf_token=started.csrf_token,
            expires_at=started.expires_at,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
            mfa_pending=mfa_pending,
        )
    )
    return started


def pending_login(session: Session, *, secret: str) -> tuple[User, LoginSession] | None:
    """The session waiting for its MFA code, if `secret` is one."""
    found = service.user_for_session(session, secret=secret, include_mfa_pending=True)
    if found is None or not found[1].mfa_pending:
        return None
    return found


def upgrade_pending_session(
    uow: UnitOfWork,
    *,
    login_id: uuid.UUID,
    ip: str | None,
    days: int,
    user_agent: str | None = None,
    details: dict[str, object] | None = None,
) -> StartedSession:
    """The code was right: replace the pending session by a full one with a new id (the
    caller commits)."""
    session = uow.session
    login = session.get(LoginSession, login_id)
    if login is None or not login.mfa_pending or login.ended_at is not None:
        raise NotAuthenticated(SIGN_IN_FAILED)
    login.ended_at = utcnow()
    user = service.get_user(session, user_id=login.user_id)
    started = _open_session(
        uow, user=user, ip=ip, days=days, user_agent=user_agent, mfa_pending=False
    )
    record_success(uow, username=user.username, ip=ip)
    record_event(
        session,
        action=SecurityAction.SIGN_IN,
        user_id=user.id,
        actor_id=user.id,
        ip=ip,
        user_agent=user_agent,
        details=details or {"mfa": True},
    )
    return started
