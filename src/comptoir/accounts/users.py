"""Managing users: create, edit, PIN, outlets, deactivate, delete (always a soft delete).

Rules: admins manage every user below the account owner; nobody but the owner changes the
owner, and the owner role is never given or taken here (ownership is transferred, not
granted). Nobody changes their own role or deactivates themselves. A user is never removed
from the database: sales, the security trail and closings keep pointing at them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import User, user_outlet
from comptoir.accounts.permissions import ASSIGNABLE_ROLES, Permission, Role, role_allows
from comptoir.accounts.service import MIN_PASSWORD_LENGTH, find_user, hash_password
from comptoir.accounts.tokens import end_access, sign_out_everywhere
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.core.i18n import N_
from comptoir.core.paging import Page, page_live
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import events as fiscal_events
from comptoir.store.models import Outlet

TEXT_MAX = 200
PIN_PATTERN = re.compile(r"[0-9]{4,8}")
USERNAME_PATTERN = re.compile(r"[^\s]+")


@dataclass(frozen=True)
class UserFields:
    """What an admin sets on a user; `pin` None keeps the PIN, "" removes it."""

    username: str
    display_name: str
    role: str
    email: str | None = None
    outlet_ids: list[uuid.UUID] = field(default_factory=list)
    pin: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from where (for the security trail)."""

    user: User
    ip: str | None = None
    user_agent: str | None = None


# Reading ------------------------------------------------------------------------------


def get_user(session: Session, *, user_id: uuid.UUID, include_deleted: bool = False) -> User:
    user = session.get(User, user_id)
    if user is None or (user.deleted_at is not None and not include_deleted):
        raise NotFound("user not found", user_id=str(user_id))
    return user


def list_users(session: Session, *, include_deleted: bool = False) -> list[User]:
    query = select(User).order_by(User.display_name, User.username)
    if not include_deleted:
        query = query.where(User.deleted_at.is_(None))
    return list(session.scalars(query))


def page_users(
    session: Session,
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
) -> Page[User]:
    return page_live(
        session,
        User,
        after=after,
        before=before,
        page_size=page_size,
        include_deleted=include_deleted,
    )


def users_by_ids(session: Session, *, user_ids: list[uuid.UUID]) -> list[User]:
    if not user_ids:
        return []
    query = select(User).where(User.id.in_(user_ids)).order_by(User.version)
    return list(session.scalars(query))


def outlets_of(session: Session, *, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The outlets each user is limited to; a user missing here may work in every outlet."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    if not user_ids:
        return found
    rows = session.execute(
        select(user_outlet.c.user_id, user_outlet.c.outlet_id)
        .where(user_outlet.c.user_id.in_(user_ids))
        .order_by(user_outlet.c.outlet_id)
    )
    for user_id, outlet_id in rows:
        found.setdefault(user_id, []).append(outlet_id)
    return found


def may_use_outlet(session: Session, *, user_id: uuid.UUID, outlet_id: uuid.UUID) -> bool:
    """Whether the user may work at the outlet: it is one of theirs, or they have no limit."""
    allowed = outlets_of(session, user_ids=[user_id]).get(user_id)
    return allowed is None or outlet_id in allowed


# Checking -----------------------------------------------------------------------------


def _text(value: str | None, name: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(N_("This field is required."), field=name)
        return None
    if len(value) > TEXT_MAX or "\x00" in value:
        raise InvalidInput(N_("Enter at most 200 characters."), field=name)
    return value


def _email(value: str | None, *, required: bool) -> str | None:
    email = _text(value, "email", required=required)
    if email is not None and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise InvalidInput(N_("Enter an email address."), field="email")
    return email.lower() if email else None


def _role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError as exc:
        raise InvalidInput(N_("Choose a role from the list."), field="role") from exc
    if role not in ASSIGNABLE_ROLES:
        raise InvalidInput(N_("The owner role belongs to the account owner alone."), field="role")
    return role


def hash_pin(pin: str) -> str:
    if not PIN_PATTERN.fullmatch(pin):
        raise InvalidInput(N_("A PIN is 4 to 8 digits."), field="pin")
    return hash_password(pin)


def check_new_password(password: str) -> str:
    """The password rules, for every password a person chooses (creation, reset, change)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(N_("A password has at least 8 characters."), field="password")
    return password


def _check_outlets(session: Session, outlet_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    wanted = sorted(set(outlet_ids))
    if not wanted:
        return []
    known = set(
        session.scalars(select(Outlet.id).where(Outlet.id.in_(wanted), Outlet.deleted_at.is_(None)))
    )
    if known != set(wanted):
        raise InvalidInput(N_("Choose outlets from the list."), field="outlet_ids")
    return wanted


def _check_username(session: Session, username: str, *, user_id: uuid.UUID | None) -> str:
    name = _text(username, "username", required=True) or ""
    if not USERNAME_PATTERN.fullmatch(name):
        raise InvalidInput(N_("A username has no spaces."), field="username")
    taken = find_user(session, username=name)
    if taken is not None and taken.id != user_id:
        raise InvalidInput(N_("This username is taken."), field="username")
    return name


def _may_manage(actor: User, target: User | None) -> None:
    if not role_allows(actor.role, Permission.MANAGE_USERS):
        raise PermissionDenied("you are not allowed to do this", permission="users:write")
    if target is not None and target.role == Role.OWNER and actor.id != target.id:
        raise PermissionDenied("only the account owner can change the owner")


def _set_outlets(session: Session, user_id: uuid.UUID, outlet_ids: list[uuid.UUID]) -> None:
    session.execute(delete(user_outlet).where(user_outlet.c.user_id == user_id))
    if outlet_ids:
        session.execute(
            insert(user_outlet), [{"user_id": user_id, "outlet_id": o} for o in outlet_ids]
        )


def _event(
    session: Session, actor: Actor, action: SecurityAction, user: User, **details: object
) -> None:
    record_event(
        session,
        action=action,
        user_id=user.id,
        actor_id=actor.user.id,
        ip=actor.ip,
        user_agent=actor.user_agent,
        details=dict(details),
    )
    fiscal_events.security_event(
        session, action=action.value, user_id=user.id, actor_id=actor.user.id, details=details
    )


# Use cases ----------------------------------------------------------------------------


def create_user(uow: UnitOfWork, *, actor: Actor, fields: UserFields, password: str) -> User:
    """A new cashier, manager or admin, who changes the given password on first sign-in."""
    session = uow.session
    _may_manage(actor.user, None)
    role = _role(fields.role)
    user = User(
        id=uuid.uuid4(),
        username=_check_username(session, fields.username, user_id=None),
        display_name=_text(fields.display_name, "display_name", required=False) or "",
        email=_email(fields.email, required=False),
        role=role.value,
        password_hash=hash_password(check_new_password(password)),
        pin_hash=hash_pin(fields.pin) if fields.pin else None,
        require_password_change=True,
    )
    user.display_name = user.display_name or user.username
    outlets = _check_outlets(session, fields.outlet_ids)
    session.add(user)
    session.flush()
    _set_outlets(session, user.id, outlets)
    _event(session, actor, SecurityAction.USER_CREATED, user, role=role.value)
    uow.commit()
    return user


def update_user(uow: UnitOfWork, *, actor: Actor, user_id: uuid.UUID, fields: UserFields) -> User:
    session = uow.session
    user = get_user(session, user_id=user_id)
    _may_manage(actor.user, user)
    is_owner = user.role == Role.OWNER
    if is_owner:
        if fields.role != Role.OWNER:
            raise InvalidInput(N_("The account owner keeps the owner role."), field="role")
        email = _email(fields.email, required=True) or ""
        # The owner signs in with their email: the username follows it.
        username = _check_username(session, email, user_id=user.id)
        outlets: list[uuid.UUID] = []
        new_role = Role.OWNER
    else:
        new_role = _role(fields.role)
        if new_role != user.role and user.id == actor.user.id:
            raise InvalidInput(N_("You cannot change your own role."), field="role")
        email = _email(fields.email, required=False) or ""
        username = _check_username(session, fields.username, user_id=user.id)
        outlets = _check_outlets(session, fields.outlet_ids)
    display_name = _text(fields.display_name, "display_name", required=False) or username
    pin_hash = hash_pin(fields.pin) if fields.pin else None
    old_role = user.role
    user.username, user.display_name, user.email = username, display_name, email or None
    user.role = new_role.value
    if fields.pin is not None:
        user.pin_hash = pin_hash
        _event(session, actor, SecurityAction.PIN_CHANGED, user, removed=pin_hash is None)
    if set(outlets) != set(outlets_of(session, user_ids=[user.id]).get(user.id, [])):
        _set_outlets(session, user.id, outlets)
        # The outlets live in their own table: touching the user gives it a new version, so a
        # client syncing users with `after=` sees the change.
        user.updated_at = utcnow()
    if old_role != new_role.value:
        _event(session, actor, SecurityAction.ROLE_CHANGED, user, old=old_role, new=new_role.value)
    uow.commit()
    return user


def set_own_pin(uow: UnitOfWork, *, actor: Actor, pin: str | None) -> None:
    """A user sets (or, with None, removes) the PIN they switch in with."""
    user = get_user(uow.session, user_id=actor.user.id)
    user.pin_hash = hash_pin(pin) if pin else None
    _event(uow.session, actor, SecurityAction.PIN_CHANGED, user, removed=not pin)
    uow.commit()


def _refuse_self_or_owner(actor: Actor, user: User) -> None:
    _may_manage(actor.user, user)
    if user.role == Role.OWNER:
        raise PermissionDenied("the account owner cannot be deactivated or deleted")
    if user.id == actor.user.id:
        raise InvalidInput(N_("You cannot deactivate yourself."), field="_form")


def deactivate_user(uow: UnitOfWork, *, actor: Actor, user_id: uuid.UUID) -> User:
    """Stop the user signing in: sessions end and tokens are revoked. Reversible."""
    user = get_user(uow.session, user_id=user_id)
    _refuse_self_or_owner(actor, user)
    if user.enabled:
        user.enabled = False
        _event(uow.session, actor, SecurityAction.USER_DEACTIVATED, user, deleted=False)
        end_access(uow.session, user_id=user.id)
    uow.commit()
    return user


def reactivate_user(uow: UnitOfWork, *, actor: Actor, user_id: uuid.UUID) -> User:
    user = get_user(uow.session, user_id=user_id)
    _may_manage(actor.user, user)
    if not user.enabled:
        user.enabled = True
        _event(uow.session, actor, SecurityAction.USER_REACTIVATED, user)
    uow.commit()
    return user


def delete_user(uow: UnitOfWork, *, actor: Actor, user_id: uuid.UUID) -> User:
    """ "Delete" is a soft delete: the row stays, so sales and the trail keep their user."""
    user = get_user(uow.session, user_id=user_id)
    _refuse_self_or_owner(actor, user)
    user.enabled = False
    user.deleted_at = utcnow()
    _event(uow.session, actor, SecurityAction.USER_DEACTIVATED, user, deleted=True)
    end_access(uow.session, user_id=user.id)
    uow.commit()
    return user


def end_sessions_of(uow: UnitOfWork, *, actor: Actor, user_id: uuid.UUID) -> tuple[int, int]:
    """ "Sign out everywhere" for a user: themselves, or someone an admin manages."""
    user = get_user(uow.session, user_id=user_id)
    if user.id != actor.user.id:
        _may_manage(actor.user, user)
    done = sign_out_everywhere(
        uow, user_id=user.id, actor_id=actor.user.id, ip=actor.ip, user_agent=actor.user_agent
    )
    return done.sessions_ended, done.tokens_revoked
