from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class User(Versioned, Base):
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    role: Mapped[str] = mapped_column(String(20), default="cashier")
    is_primary_user: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    # Quick switching at a register: an argon2 hash of a short PIN.
    pin_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    # TOTP: the shared secret (base32) once enrolment is confirmed; None when MFA is off.
    mfa_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # A secret offered during enrolment, kept until the first code confirms it.
    mfa_pending_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    require_password_change: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    seen_at: Mapped[datetime | None] = mapped_column(default=None)


# The outlets a user may work in; none listed means every outlet.
user_outlet = Table(
    "user_outlet",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("outlet_id", ForeignKey("outlet.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(Base):
    """A personal API token. Only a SHA-256 of the secret is kept: tokens are 256-bit random,
    so a fast hash is safe and keeps the per-request check to one indexed lookup."""

    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Areas and access, such as ["products:read", "sales:write"]; ["*"] is the user's full rights.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["*"])


class LoginSession(Base):
    """A signed-in browser. The cookie holds the secret; the table holds its SHA-256."""

    __tablename__ = "login_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)
    # Password checked, TOTP code not yet: the session may only finish signing in.
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Who is selling at this browser's register now (user switching); None: the signed-in user.
    acting_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )


class SignInAttempt(Base):
    """Every password check, for back-off and lockout per account and per IP."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_username_created_at", "username", "created_at"),
        Index("ix_sign_in_attempt_ip_created_at", "ip", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Lower-cased as typed, whether or not such a user exists.
    username: Mapped[str] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MfaRecoveryCode(Base):
    """A one-time code that replaces a TOTP code once; only its hash is kept."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordResetToken(Base):
    """A single-use, expiring link sent by email; only its SHA-256 is kept."""

    __tablename__ = "password_reset_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class UserSwitch(Base):
    """A change of who sells at a register, and how it was allowed."""

    __tablename__ = "user_switch"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    login_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("login_session.id", ondelete="CASCADE"), index=True
    )
    register_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("register.id"), default=None)
    from_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    # "pin" or "password" (switch protection, moving to a higher role)
    verified_with: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecurityEvent(Base):
    """Sign-ins, failures, lockouts, MFA and role changes, tokens, user switches.

    Ids and an IP only, no names or emails (DESIGN.md rule 11). `user_id` is whom the event
    concerns (None for a failed sign-in of an unknown username); `actor_id` who caused it.
    """

    __tablename__ = "security_event"
    __table_args__ = (Index("ix_security_event_occurred_at", "occurred_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    action: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # From the store-wide counter, for `?after=` paging like every other list.
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
