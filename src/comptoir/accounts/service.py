"""Accounts: passwords, users, sign-in sessions and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.accounts.events import SecurityAction, record_event
from comptoir.accounts.models import LoginSession, User
from comptoir.accounts.permissions import Role
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.uow import UnitOfWork

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

MIN_PASSWORD_LENGTH = 8
SIGN_IN_FAILED = "wrong username or password"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def find_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user not found", user_id=str(user_id))
    return user


def list_users(session: Session) -> list[User]:
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.display_name)
    return list(session.scalars(query))


def ensure_owner(uow: UnitOfWork, *, email: str, password: str) -> User:
    """Create the account owner, or reset their password if they exist: safe to run twice.

    The owner's username is always their email.
    """
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput("the owner signs in with an email address", field="email")
    _check_password(password)
    session = uow.session
    owner = find_user(session, username=email)
    if owner is None:
        owner = User(
            id=uuid.uuid4(),
            username=email,
            email=email,
            display_name=email.split("@")[0],
            role=Role.OWNER.value,
            is_primary_user=True,
        )
        session.add(owner)
    owner.password_hash = hash_password(password)
    owner.enabled = True
    uow.commit()
    return owner


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    email: str | None = None,
) -> User:
    session = uow.session
    username = username.strip()
    if not username:
        raise InvalidInput("a username is required", field="username")
    _check_password(password)
    if find_user(session, username=username) is not None:
        raise InvalidInput("this username is taken", field="username")
    user = User(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name.strip() or username,
        email=email,
        role=role.value,
        password_hash=hash_password(password),
    )
    session.add(user)
    uow.commit()
    return user


def sign_out(uow: UnitOfWork, *, secret: str, ip: str | None = None) -> None:
    ended = uow.session.scalars(
        update(LoginSession)
        .where(LoginSession.token_hash == digest(secret), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .returning(LoginSession.user_id)
    ).all()
    for user_id in ended:
        record_event(
            uow.session, action=SecurityAction.SIGN_OUT, user_id=user_id, actor_id=user_id, ip=ip
        )
    uow.commit()


def user_for_session(
    session: Session, *, secret: str, include_mfa_pending: bool = False
) -> tuple[User, LoginSession] | None:
    """The user of a live session; one still waiting for its MFA code counts only when asked."""
    query = (
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == digest(secret),
            LoginSession.ended_at.is_(None),
            LoginSession.expires_at > utcnow(),
            User.enabled.is_(True),
            User.deleted_at.is_(None),
        )
    )
    if not include_mfa_pending:
        query = query.where(LoginSession.mfa_pending.is_(False))
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


TOKEN_PREFIX = "cpt_"  # noqa: S105 - a public prefix, not a secret
