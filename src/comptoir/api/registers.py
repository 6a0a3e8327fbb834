"""Register sessions in the 2.0 API (X-Series `/registers/{id}/actions/open|close`,
`/registers/{id}/payments_summary`), with cash movements, the X report and past closures in
the same style.

Permissions (the same on the pages): a cashier (`registers:write`) opens, moves cash, counts
and closes; the closing is blind: what the register expects (payments summary, X report,
closures and their differences) needs `reports:read` (a manager), so a cashier counts the
drawer without knowing the figure to reach.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import AmountIn, Paging
from comptoir.core.paging import page_by_version
from comptoir.http.deps import SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.registers import reports
from comptoir.registers import service as registers
from comptoir.registers.figures import Figures
from comptoir.registers.models import CashMovement, RegisterSession
from comptoir.store import service as store

router = APIRouter(
    prefix="/api/2.0", tags=["Registers"], default_response_class=DecimalJSONResponse
)
CLOSED_REGISTER: dict[int | str, dict[str, Any]] = {
    409: {"description": "The register is closed: it has no open session"}
}
Counts = Annotated[dict[str, Annotated[int, Field(ge=0, le=100_000)]], Field(max_length=40)]


class RegisterOpenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # X-Series sends the time it opened; Comptoir records its own clock (a register's
    # clock is not trusted with the day's boundaries).
    register_open_time: str | None = None
    # Comptoir: the float, as a total or counted by denomination ({"20": 5}).
    opening_float: AmountIn | None = None
    denominations: Counts | None = None
    note: str | None = Field(default=None, max_length=1000)


class ClosePaymentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payment_type_id: uuid.UUID
    total: AmountIn | None = None  # what was counted
    denominations: Counts | None = None
    note: str | None = Field(default=None, max_length=1000)


class RegisterCloseIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payments: list[ClosePaymentIn] = Field(default_factory=list, max_length=100)
    note: str | None = Field(default=None, max_length=1000)
    # Comptoir: the closer's id for this close; sent again, the same closure comes back.
    client_id: str | None = Field(default=None, max_length=100)


class CashMovementIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The sender's id for the movement: sent again, nothing changes.
    id: str = Field(min_length=1, max_length=100)
    type: str = Field(max_length=20, description="CASH_IN, CASH_OUT, PETTY_CASH_IN, PETTY_CASH_OUT")
    amount: AmountIn
    note: str | None = Field(default=None, max_length=1000)


def _register_reply(session: Session, register_id: uuid.UUID, **extra: Any) -> Response:
    register = store.get_register(session, register_id=register_id)
    session.refresh(register)
    opened_at, closed_at = registers.register_times(session, registers=[register])[register.id]
    body = serialize.register(register, opened_at=opened_at, closed_at=closed_at)
    return serialize.data(body | extra)


@router.put("/registers/{register_id}/actions/open", summary="Open a single register")
def open_register(
    register_id: uuid.UUID,
    body: RegisterOpenIn,
    uow: UowDep,
    user: User = Depends(require(Permission.OPERATE_REGISTER)),
) -> Response:
    """Opens the register with its float; an open register stays as it is (a retry)."""
    _opened, created = registers.open_register(
        uow,
        register_id=register_id,
        user_id=user.id,
        opening_float=body.opening_float,
        counts=body.denominations,
        note=body.note,
    )
    reply = _register_reply(uow.session, register_id)
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.put("/registers/{register_id}/actions/close", summary="Close a single register")
def close_register(
    register_id: uuid.UUID,
    body: RegisterCloseIn,
    uow: UowDep,
    user: User = Depends(require(Permission.OPERATE_REGISTER)),
) -> Response:
    """Closes the register with what was counted per payment type (cash by denomination or
    as a total); final. Sent again with its `client_id`, the same closure comes back; any
    other close of a closed register is a 409."""
    closed, created = registers.close_register(
        uow,
        register_id=register_id,
        user_id=user.id,
        counts=[
            registers.CountInput(
                payment_type_id=p.payment_type_id,
                counted=p.total,
                denominations=p.denominations,
                note=p.note,
            )
            for p in body.payments
        ],
        note=body.note,
        client_id=body.client_id,
    )
    reply = _register_reply(
        uow.session,
        register_id,
        register_closure_id=str(closed.id),
        register_closure_sequence_number=closed.sequence,
    )
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.get(
    "/registers/{register_id}/payments_summary",
    summary="Get all the payments data associated with a single register.",
    dependencies=[Depends(require(Permission.VIEW_REPORTS))],
    responses=CLOSED_REGISTER,
)
def payments_summary(register_id: uuid.UUID, session: SessionDep) -> Response:
    """What the open session expects per payment type (cash: float and movements included).
    A manager's figure: cashiers count blind."""
    open_session, figures = reports.x_report(session, register_id=register_id)
    return serialize.data(
        {
            "register_open_time": serialize.ts(open_session.opened_at),
            "register_closure_sequence_number": open_session.sequence,
            "register_closure_id": str(open_session.id),
            "payments": [
                {
                    "payment_type_id": p.payment_type_id,
                    "payment_type_name": p.name,
                    "total": f"{p.expected:.2f}",
                }
                for p in figures.payments
            ],
        }
    )


@router.get(
    "/registers/{register_id}/x_report",
    summary="The open register's figures so far (X report)",
    dependencies=[Depends(require(Permission.VIEW_REPORTS))],
    responses=CLOSED_REGISTER,
)
def x_report(register_id: uuid.UUID, session: SessionDep) -> Response:
    open_session, figures = reports.x_report(session, register_id=register_id)
    return serialize.data(closure_body(open_session, figures))


@router.post("/registers/{register_id}/cash_movements", summary="Put cash in or take it out")
def add_cash_movement(
    register_id: uuid.UUID,
    body: CashMovementIn,
    uow: UowDep,
    user: User = Depends(require(Permission.OPERATE_REGISTER)),
) -> Response:
    movement, created = registers.record_cash_movement(
        uow,
        register_id=register_id,
        kind=body.type,
        amount=body.amount,
        note=body.note,
        user_id=user.id,
        client_id=body.id,
    )
    reply = serialize.data(movement_body(movement))
    if created:
        reply.status_code = 201
    else:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.get(
    "/registers/{register_id}/cash_movements",
    summary="The open session's cash movements",
    dependencies=[Depends(require(Permission.VIEW_REGISTERS))],
)
def list_cash_movements(register_id: uuid.UUID, session: SessionDep) -> Response:
    register = store.get_register(session, register_id=register_id)
    open_session = registers.current_session(session, register=register)
    items = (
        []
        if open_session is None
        else registers.list_movements(session, session_id=open_session.id)
    )
    return DecimalJSONResponse({"data": [movement_body(m) for m in items]})


@router.get(
    "/register_closures",
    summary="Past closures, in version order",
    dependencies=[Depends(require(Permission.VIEW_REPORTS))],
)
def list_closures(
    session: SessionDep,
    paging: Paging,
    register_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    query = select(RegisterSession).where(RegisterSession.closed_at.isnot(None))
    if register_id is not None:
        query = query.where(RegisterSession.register_id == register_id)
    page = page_by_version(session, query, RegisterSession.version, **paging.bounds())
    return serialize.collection([closure_summary(s) for s in page.items], page)


@router.get(
    "/register_closures/{closure_id}",
    summary="One closure and its figures",
    dependencies=[Depends(require(Permission.VIEW_REPORTS))],
)
def get_closure(closure_id: uuid.UUID, session: SessionDep) -> Response:
    closed, figures = reports.closure_of(session, session_id=closure_id)
    return serialize.data(closure_body(closed, figures))


def movement_body(m: CashMovement) -> dict[str, Any]:
    return {
        "id": m.client_id,
        "register_id": str(m.register_id),
        "register_open_sequence_id": str(m.session_id),
        "type": m.kind,
        "amount": serialize.num(m.amount),
        "note": m.note,
        "user_id": str(m.user_id),
        "created_at": serialize.ts(m.created_at),
    }


def closure_summary(s: RegisterSession) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "register_id": str(s.register_id),
        "outlet_id": str(s.outlet_id),
        "sequence_number": s.sequence,
        "register_open_time": serialize.ts(s.opened_at),
        "register_close_time": serialize.ts(s.closed_at),
        "opened_by": str(s.opened_by),
        "closed_by": serialize.uid(s.closed_by),
        "version": s.version,
    }


def closure_body(s: RegisterSession, f: Figures) -> dict[str, Any]:
    counts = {str(c.payment_type_id): c for c in s.counts}

    def sales(x: Any) -> dict[str, Any]:
        return {
            "count": x.count,
            "total": serialize.num(x.total),
            "total_tax": serialize.num(x.tax),
            "total_discount": serialize.num(x.discounts),
            "rounding": serialize.num(x.rounding),
        }

    return closure_summary(s) | {
        "opening_float": serialize.num(f.opening_float),
        "opening_denominations": s.opening_counts,
        "sales": sales(f.sales),
        "returns": sales(f.returns),
        "taxes": [
            {
                "name": t.name,
                "rate": serialize.num(t.rate),
                "total_excluding_tax": serialize.num(t.net),
                "total_tax": serialize.num(t.tax),
                "total": serialize.num(t.gross),
            }
            for t in f.taxes
        ],
        "payments": [
            {
                "payment_type_id": p.payment_type_id,
                "payment_type_name": p.name,
                "provider": p.provider,
                "count": p.count,
                "taken": serialize.num(p.taken),
                "refunded": serialize.num(p.refunded),
                "expected": serialize.num(p.expected),
                # An integrated type at closing: "provider" (counted from the provider's
                # totals) or "recorded" (the provider could not be reached).
                "counted_from": p.counted_from,
                "provider_total": serialize.num(p.provider_total),
                "counted": serialize.num(counts[p.payment_type_id].counted)
                if p.payment_type_id in counts
                else None,
                "difference": serialize.num(counts[p.payment_type_id].difference)
                if p.payment_type_id in counts
                else None,
                "note": counts[p.payment_type_id].note if p.payment_type_id in counts else None,
                "denominations": counts[p.payment_type_id].denominations
                if p.payment_type_id in counts
                else None,
            }
            for p in f.payments
        ],
        "cash_movements": [
            {"type": m.kind, "count": m.count, "total": serialize.num(m.total)} for m in f.movements
        ],
        "cash_expected": serialize.num(f.cash_expected),
        "parked_sales": f.parked_sales,
        "warnings": f.warnings,
        "note": s.closing_note,
    }
