"""Multi-factor authentication: TOTP enrolment, one-time recovery codes, the sign-in step.

A secret is offered (`begin_enrolment`), confirmed by a first code (`confirm_enrolment`, which
returns the recovery codes: shown once, stored as SHA-256 digests), and removed only with the
password (`disable`). A retailer setting makes MFA mandatory for admins and the owner.
"""

from __future__ import annotations

import hmac
import secrets
import uuid

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from comptoir.accounts import service, signin
from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import MfaRecoveryCode, SecurityEvent, User
from comptoir.accounts.permissions import Role
from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput, NotAuthenticated
from comptoir.core.uow import UnitOfWork
from comptoir.store.models import Retailer

ISSUER = "Comptoir"
RECOVERY_CODES = 10
# One step either side: a phone clock a little off still signs in.
VALID_WINDOW = 1
WRONG_CODE = "wrong code"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def must_enrol(retailer: Retailer | None, user: User) -> bool:
    """Admins and the owner must turn MFA on when the store requires it."""
    return (
        retailer is not None
        and retailer.mfa_required_for_admins
        and user.role in (Role.ADMIN.value, Role.OWNER.value)
        and user.mfa_secret is None
    )


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def begin_enrolment(uow: UnitOfWork, *, user_id: uuid.UUID) -> str:
    """Offer a new secret (kept pending until a code confirms it); returns the secret."""
    user = service.get_user(uow.session, user_id=user_id)
    if user.mfa_secret is not None:
        raise Conflict("multi-factor authentication is already on")
    user.mfa_pending_secret = pyotp.random_base32()
    secret = user.mfa_pending_secret
    uow.commit()
    return secret


def _totp_ok(secret: str, code: str) -> bool:
    code = "".join(code.split())
    return (
        code.isdigit()
        and len(code) == 6
        and pyotp.TOTP(secret).verify(code, valid_window=VALID_WINDOW)
    )


def _totp_step(secret: str, code: str) -> int | None:
    """The time step a right code belongs to (now, or one step either side), else None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return int(totp.timecode(now)) + offset
    return None


def _last_sign_in_step(session: Session, user_id: uuid.UUID) -> int:
    """The newest TOTP step used to sign in: a code is accepted once (no replay)."""
    details = session.scalars(
        select(SecurityEvent.details)
        .where(SecurityEvent.user_id == user_id, SecurityEvent.action == SecurityAction.SIGN_IN)
        .order_by(SecurityEvent.version.desc())
        .limit(5)
    )
    return max((int(d.get("totp_step", -1)) for d in details), default=-1)


def _normal_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def confirm_enrolment(
    uow: UnitOfWork, *, user_id: uuid.UUID, code: str, ip: str | None = None
) -> list[str]:
    """Turn MFA on with the first code from the app; returns the recovery codes, once."""
    session = uow.session
    user = service.get_user(session, user_id=user_id)
    if user.mfa_pending_secret is None:
        raise InvalidInput("start the set-up again", field="code")
    if not _totp_ok(user.mfa_pending_secret, code):
        raise InvalidInput(WRONG_CODE, field="code")
    user.mfa_secret, user.mfa_pending_secret = user.mfa_pending_secret, None
    user.mfa_enabled_at = utcnow()
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    for plain in codes:
        session.add(
            MfaRecoveryCode(user_id=user.id, code_hash=service.digest(_normal_recovery(plain)))
        )
    record_event(
        session, action=SecurityAction.MFA_ENABLED, user_id=user.id, actor_id=user.id, ip=ip
    )
    uow.commit()
    return codes


def disable(uow: UnitOfWork, *, user_id: uuid.UUID, password: str, ip: str | None = None) -> None:
    """Turn MFA off; the password is asked again so a session left open cannot do it."""
    session = uow.session
    user = service.get_user(session, user_id=user_id)
    if not service.verify_password(user.password_hash, password):
        raise InvalidInput("wrong password", field="password")
    if user.mfa_secret is None:
        return
    user.mfa_secret = None
    user.mfa_pending_secret = None
    user.mfa_enabled_at = None
    session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    record_event(
        session, action=SecurityAction.MFA_DISABLED, user_id=user.id, actor_id=user.id, ip=ip
    )
    uow.commit()


def remaining_recovery_codes(session: Session, *, user_id: uuid.UUID) -> int:
    rows = session.scalars(
        select(MfaRecoveryCode.id).where(
            MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None)
        )
    )
    return len(list(rows))


def _use_recovery_code(uow: UnitOfWork, user: User, code: str) -> bool:
    normal = _normal_recovery(code)
    if len(normal) != 10:
        return False
    row = uow.session.scalar(
        select(MfaRecoveryCode).where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == service.digest(normal),
            MfaRecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def complete_sign_in(
    uow: UnitOfWork,
    *,
    secret: str,
    code: str,
    ip: str | None,
    days: int,
    user_agent: str | None = None,
) -> signin.StartedSession:
    """The MFA step: a TOTP code or an unused recovery code turns the pending session into a
    signed-in one with a new id. Wrong codes count towards the lockout like wrong passwords."""
    session = uow.session
    found = signin.pending_login(session, secret=secret)
    if found is None:
        raise NotAuthenticated(signin.SIGN_IN_FAILED)
    user, login = found
    signin.check_not_locked(session, username=user.username, ip=ip)
    assert user.mfa_secret is not None  # a pending session exists only for MFA users
    step = _totp_step(user.mfa_secret, code)
    if step is not None and step > _last_sign_in_step(session, user.id):
        used_recovery = False
    elif _use_recovery_code(uow, user, code):
        used_recovery = True
    else:
        signin.record_failure(
            uow, username=user.username, user=user, ip=ip, user_agent=user_agent, reason="mfa"
        )
        uow.commit()
        raise NotAuthenticated(WRONG_CODE)
    if used_recovery:
        record_event(
            session,
            action=SecurityAction.MFA_RECOVERY_CODE_USED,
            user_id=user.id,
            actor_id=user.id,
            ip=ip,
            user_agent=user_agent,
        )
    started = signin.upgrade_pending_session(
        uow,
        login_id=login.id,
        ip=ip,
        days=days,
        user_agent=user_agent,
        details={"mfa": "recovery_code"} if used_recovery else {"mfa": "totp", "totp_step": step},
    )
    uow.commit()
    return started
