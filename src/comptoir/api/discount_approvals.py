"""A manager's approval of a discount beyond the cashier's limit (a Comptoir extension, not
in the X-Series API): the sale then names it in `discount_approval_id`."""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import AmountIn
from comptoir.http.deps import UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.sales import approvals

router = APIRouter(tags=["Sales"], default_response_class=DecimalJSONResponse)


class DiscountApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sale_id: uuid.UUID
    username: str = Field(min_length=1, max_length=254)
    pin: str | None = Field(default=None, max_length=50)
    password: str | None = Field(default=None, max_length=500)
    max_percent: AmountIn = Decimal(100)


@router.post(
    "/api/comptoir/discount_approvals",
    status_code=201,
    summary="A manager approves a discount beyond the cashier's limit (PIN or password)",
    responses={429: {"description": "Too many wrong PINs or passwords: wait Retry-After"}},
)
def create_discount_approval(
    body: DiscountApprovalIn,
    request: Request,
    uow: UowDep,
    user: User = Depends(require(Permission.SELL)),
) -> Response:
    approval = approvals.approve_discount(
        uow,
        sale_id=body.sale_id,
        requested_by=user.id,
        username=body.username,
        pin=body.pin,
        password=body.password,
        max_percent=body.max_percent,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    reply = serialize.data(
        {
            "id": str(approval.id),
            "sale_id": str(approval.sale_id),
            "approver_id": str(approval.approver_id),
            "requested_by": str(approval.requested_by),
            "max_percent": approval.max_percent,
            "expires_at": serialize.ts(approval.expires_at),
        }
    )
    reply.status_code = 201
    return reply
