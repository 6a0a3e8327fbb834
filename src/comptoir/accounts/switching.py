"""User switching at a register: who sells now, on this browser session.

A switch is quick with the target user's PIN. With the store's switch protection on, moving
to a higher role (cashier < manager < admin < owner) asks for that user's password instead.
A user without a PIN always gives their password. Wrong PINs and passwords count towards the
target's lockout like failed sign-ins (a 4-digit PIN must not be guessable). Each switch is a
`UserSwitch` row and a USER_SWITCH event; the session's `acting_user_id` names who sells.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.accounts import service, signin
from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import LoginSession, User, UserSwitch
from comptoir.accounts.permissions import Permission, Role, role_allows
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.core.uow import UnitOfWork
from comptoir.store.models import Register, Retailer

ROLE_RANK = {Role.CASHIER.value: 0, Role.MANAGER.value: 1, Role.ADMIN.value: 2, Role.OWNER.value: 3}
WRONG_SECRET = "wrong PIN or password"  # noqa: S105 - a message, not a secret


class SwitchRefused(PermissionDenied):
    """The PIN or password did not match (403, and it counts towards the lockout)."""


def rank(user: User) -> int:
    return ROLE_RANK.get(user.role, 0)


def needs_password(retailer: Retailer | None, current: User, target: User) -> bool:
    protected = retailer is not None and retailer.switch_protection
    return target.pin_hash is None or (protected and rank(target) > rank(current))


@dataclass(frozen=True)
class SwitchTarget:
    user_id: uuid.UUID
    display_name: str
    role: str
    needs_password: bool


def switch_targets(session: Session, *, current: User) -> list[SwitchTarget]:
    """The users one can switch to from `current`, and whether each asks for a password."""
    retailer = session.scalars(select(Retailer)).first()
    return [
        SwitchTarget(
            user_id=user.id,
            display_name=user.display_name,
            role=user.role,
            needs_password=needs_password(retailer, current, user),
        )
        for user in service.list_users(session)
        if user.enabled and user.id != current.id and role_allows(user.role, Permission.SELL)
    ]


def sold_on_session(session: Session, *, login: LoginSession, user_id: uuid.UUID) -> bool:
    """Whether `user_id` signed in or was switched to on this browser session: a sale built
    before a switch and re-sent after it (offline retry) keeps its seller."""
    if user_id in (login.user_id, login.acting_user_id):
        return True
    found = session.scalar(
        select(UserSwitch.id)
        .where(UserSwitch.login_session_id == login.id, UserSwitch.to_user_id == user_id)
        .limit(1)
    )
    return found is not None


def _live_login(session: Session, login_id: uuid.UUID) -> LoginSession:
    login = session.get(LoginSession, login_id)
    if (
        login is None
        or login.ended_at is not None
        or login.mfa_pending
        or login.expires_at <= utcnow()
    ):
        raise InvalidInput("user switching needs a signed-in register session")
    return login


def verify_user_secret(
    uow: UnitOfWork,
    *,
    user: User,
    pin: str | None,
    password: str | None,
    password_only: bool,
    reason: str,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Check `user`'s PIN (or password: when `password_only`, when no PIN is given, or when
    the user has none); returns "pin" or "password". A locked account is refused; a wrong
    secret counts towards the lockout (committed) and raises SwitchRefused. Used by user
    switching and by a manager's approval at the register (`sales/approvals.py`)."""
    signin.check_not_locked(uow.session, username=user.username, ip=ip)
    if not password_only and pin and user.pin_hash is not None:
        verified_with = "pin"
        ok = service.verify_password(user.pin_hash, pin)
    else:
        verified_with = "password"
        ok = bool(password) and service.verify_password(user.password_hash, password or "")
    if not ok:
        signin.record_failure(
            uow,
            username=user.username,
            user=user,
            ip=ip,
            user_agent=user_agent,
            reason=f"{reason}_{verified_with}",
        )
        uow.commit()
        raise SwitchRefused(WRONG_SECRET, password_required=verified_with == "password")
    return verified_with


def switch_user(
    uow: UnitOfWork,
    *,
    login_id: uuid.UUID,
    target_user_id: uuid.UUID,
    pin: str | None = None,
    password: str | None = None,
    register_id: uuid.UUID | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> User:
    """Make `target_user_id` the user selling on this session; returns them."""
    session = uow.session
    login = _live_login(session, login_id)
    current = session.get(User, login.acting_user_id or login.user_id)
    target = session.get(User, target_user_id)
    if current is None or target is None or target.deleted_at is not None or not target.enabled:
        raise NotFound("user not found", user_id=str(target_user_id))
    if not role_allows(target.role, Permission.SELL):
        raise PermissionDenied("this user may not sell", user_id=str(target.id))
    if register_id is not None and session.get(Register, register_id) is None:
        raise InvalidInput("unknown register", field="register_id")
    retailer = session.scalars(select(Retailer)).first()
    verified_with = verify_user_secret(
        uow,
        user=target,
        pin=pin,
        password=password,
        password_only=needs_password(retailer, current, target),
        reason="switch",
        ip=ip,
        user_agent=user_agent,
    )
    login.acting_user_id = None if target.id == login.user_id else target.id
    session.add(
        UserSwitch(
            login_session_id=login.id,
            register_id=register_id,
            from_user_id=current.id,
            to_user_id=target.id,
            verified_with=verified_with,
        )
    )
    record_event(
        session,
        action=SecurityAction.USER_SWITCH,
        user_id=target.id,
        actor_id=current.id,
        ip=ip,
        user_agent=user_agent,
        details={
            "from_user_id": str(current.id),
            "verified_with": verified_with,
            "register_id": str(register_id) if register_id else None,
        },
    )
    uow.commit()
    return target
