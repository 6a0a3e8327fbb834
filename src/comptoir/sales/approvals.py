"""A manager approves, at the register, a discount beyond the cashier's limit.

The manager types their username and PIN (or password) on the cashier's screen: the same
check as switching users (`accounts.switching.verify_user_secret`, wrong secrets count
towards the lockout). The approval is for one sale id, up to a percent, for 15 minutes,
and single use: the sale that names it marks it used in its own transaction, with a guarded
UPDATE, so two sales can never spend it twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from comptoir.accounts import service as accounts
from comptoir.accounts.permissions import Permission, role_allows
from comptoir.accounts.switching import SwitchRefused, verify_user_secret
from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.sales.discount_models import DiscountApproval

APPROVAL_LIFETIME = timedelta(minutes=15)


class ApprovalAlreadyUsed(InvalidInput):
    """The approval was used; it is bound to one sale id, so by that very sale: a retry of a
    recorded sale (`service.record_sale` answers it as a replay)."""


class ApprovalRefused(SwitchRefused):
    """The approver may not approve discounts (same 403 as a wrong secret: a cashier learns
    nothing from trying usernames)."""


def approve_discount(
    uow: UnitOfWork,
    *,
    sale_id: uuid.UUID,
    requested_by: uuid.UUID,
    username: str,
    max_percent: Decimal,
    pin: str | None = None,
    password: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> DiscountApproval:
    """A manager's approval of discounts up to `max_percent` on sale `sale_id`; commits."""
    if not Decimal(0) < max_percent <= Decimal(100):
        raise InvalidInput(
            "an approved discount is a percent above 0, up to 100", field="max_percent"
        )
    session = uow.session
    approver = accounts.find_user(session, username=username)
    if approver is None or approver.deleted_at is not None or not approver.enabled:
        raise ApprovalRefused("wrong username, PIN or password")
    verify_user_secret(
        uow,
        user=approver,
        pin=pin,
        password=password,
        password_only=False,
        reason="discount_approval",
        ip=ip,
        user_agent=user_agent,
    )
    if not role_allows(approver.role, Permission.DISCOUNT_OVER_LIMIT):
        raise ApprovalRefused(
            "this user may not approve discounts beyond the cashier's limit",
            permission=Permission.DISCOUNT_OVER_LIMIT.value,
        )
    now = utcnow()
    approval = DiscountApproval(
        sale_id=sale_id,
        approver_id=approver.id,
        requested_by=requested_by,
        max_percent=max_percent,
        created_at=now,
        expires_at=now + APPROVAL_LIFETIME,
    )
    session.add(approval)
    uow.commit()
    return approval


def find_usable_approval(
    session: Session, *, approval_id: uuid.UUID, sale_id: uuid.UUID | None, now: datetime
) -> DiscountApproval:
    """The approval a sale names, if it is for this sale, unused and not expired."""
    approval = session.get(DiscountApproval, approval_id)
    if approval is None or sale_id is None or approval.sale_id != sale_id:
        raise InvalidInput(
            "this discount approval is not for this sale (send the sale's id it was given for)",
            field="discount_approval_id",
        )
    if approval.used_at is not None:
        raise ApprovalAlreadyUsed(
            "this discount approval was already used", field="discount_approval_id"
        )
    if approval.expires_at <= now:
        raise InvalidInput("this discount approval has expired", field="discount_approval_id")
    return approval


def use_approval(session: Session, *, approval_id: uuid.UUID, now: datetime) -> None:
    """Mark the approval used, in the sale's transaction; only one sale ever wins."""
    result = session.execute(
        update(DiscountApproval)
        .where(
            DiscountApproval.id == approval_id,
            DiscountApproval.used_at.is_(None),
            DiscountApproval.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "this discount approval was used by another sale", field="discount_approval_id"
        )
