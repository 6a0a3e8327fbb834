"""The security trail: one row per sign-in, failure, lockout, MFA or role change, token
created or revoked, and user switch."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from comptoir.accounts.models import SecurityEvent
from comptoir.core.versioning import allocate_versions


class SecurityAction(StrEnum):
    SIGN_IN = "signin"
    SIGN_IN_FAILED = "signin_failed"
    LOCKOUT = "lockout"
    SIGN_OUT = "signout"
    SIGN_OUT_EVERYWHERE = "signout_everywhere"
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"
    MFA_RECOVERY_CODE_USED = "mfa_recovery_code_used"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    ROLE_CHANGED = "role_changed"
    USER_CREATED = "user_created"
    USER_DEACTIVATED = "user_deactivated"
    TOKEN_CREATED = "token_created"  # noqa: S105
    TOKEN_REVOKED = "token_revoked"  # noqa: S105
    USER_SWITCH = "user_switch"
    USER_REACTIVATED = "user_reactivated"
    PIN_CHANGED = "pin_changed"
    # GDPR requests about a customer (details: the customer id, never their data).
    CUSTOMER_DATA_EXPORTED = "customer_data_exported"
    CUSTOMER_ERASED = "customer_erased"
    # The whole customer list exported (details: the row count and format).
    CUSTOMERS_EXPORTED = "customers_exported"


def record_event(
    session: Session,
    *,
    action: SecurityAction,
    user_id: uuid.UUID | None,
    actor_id: uuid.UUID | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Add an event to the caller's transaction. `details` holds ids and flags, never names."""
    (version,) = allocate_versions(session, 1)
    event = SecurityEvent(
        action=action.value,
        user_id=user_id,
        actor_id=actor_id,
        ip_address=ip,
        user_agent=(user_agent or "")[:300] or None,
        details=details or {},
        version=version,
    )
    session.add(event)
    return event
