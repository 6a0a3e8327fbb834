"""Receipts and printers in the 2.0 API: a register's printer (its state for the sell screen,
its configuration for administrators), a receipt emailed or printed again."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from comptoir.accounts import users
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.product_body_parts import NO_NUL
from comptoir.core.errors import NotFound
from comptoir.fiscal import records as fiscal
from comptoir.http.deps import SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.printing import config
from comptoir.printing.jobs import printer_on, queue_print_job
from comptoir.printing.receipt_mail import queue_receipt_to
from comptoir.sales.service import get_sale
from comptoir.store import service as store

router = APIRouter(tags=["Printing"], default_response_class=DecimalJSONResponse)


def _state(state: config.PrinterState) -> dict[str, Any]:
    return {
        "register_id": str(state.register_id),
        "configured": state.configured,
        "enabled": state.enabled,
        "kind": state.kind,
        "status": state.status,
        "last_success_at": serialize.ts(state.last_success_at),
        "last_error_at": serialize.ts(state.last_error_at),
        "last_error": state.last_error,
        "pending_jobs": state.pending_jobs,
    }


@router.get("/api/2.0/registers/{register_id}/printer", summary="A register's printer state")
def printer_state(
    register_id: uuid.UUID,
    session: SessionDep,
    _user: Annotated[User, Depends(require(Permission.VIEW_REGISTERS))],
) -> Response:
    """Whether the register prints on a network printer, and how its last job went: the
    sell screen shows it. `status`: none, disabled, ready, ok or error (jobs wait)."""
    return serialize.data(_state(config.printer_state(session, register_id=register_id)))


class PrinterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["epson_escpos", "star_escpos", "star_line"]
    host: Annotated[str, NO_NUL] = Field(min_length=1, max_length=255)
    port: StrictInt = Field(default=9100, ge=1, le=65535)
    enabled: StrictBool = True


@router.put("/api/2.0/registers/{register_id}/printer", summary="Set a register's printer")
def set_printer(
    register_id: uuid.UUID,
    body: PrinterIn,
    uow: UowDep,
    _user: Annotated[User, Depends(require(Permission.MANAGE_SETUP))],
) -> Response:
    config.configure_printer(
        uow,
        register_id=register_id,
        fields=config.PrinterFields(
            kind=body.kind, host=body.host, port=body.port, enabled=body.enabled
        ),
    )
    return serialize.data(_state(config.printer_state(uow.session, register_id=register_id)))


@router.delete(
    "/api/2.0/registers/{register_id}/printer",
    summary="Remove a register's printer",
    status_code=204,
)
def remove_printer(
    register_id: uuid.UUID,
    uow: UowDep,
    _user: Annotated[User, Depends(require(Permission.MANAGE_SETUP))],
) -> Response:
    config.configure_printer(uow, register_id=register_id, fields=None)
    return Response(status_code=204)


@router.put(
    "/api/2.0/registers/{register_id}/printer/actions/retry",
    summary="Print the receipts waiting for a register's printer now",
)
def retry_printing(
    register_id: uuid.UUID,
    uow: UowDep,
    _user: Annotated[User, Depends(require(Permission.OPERATE_REGISTER))],
) -> Response:
    """Once the printer is back: receipts waiting in a long back-off are tried again at the
    outbox worker's next poll instead of their next scheduled retry."""
    woken = config.retry_printing_now(uow, register_id=register_id)
    state = _state(config.printer_state(uow.session, register_id=register_id))
    return serialize.data({**state, "retried_jobs": woken})


class EmailReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Typed at the till; without it, the sale's customer's address.
    email: Annotated[str, NO_NUL] | None = Field(default=None, max_length=200)


def _visible_sale_id(session: Any, user: User, sale_id: uuid.UUID) -> uuid.UUID:
    sale = get_sale(session, sale_id=sale_id)
    visible = users.outlets_of(session, user_ids=[user.id]).get(user.id)
    if visible is not None and sale.outlet_id not in visible:
        raise NotFound("sale not found", sale_id=str(sale_id))
    return sale.id


@router.put(
    "/api/2.0/sales/{sale_id}/actions/email_receipt",
    summary="Email a sale's receipt",
    status_code=202,
)
def email_receipt(
    sale_id: uuid.UUID,
    body: EmailReceiptIn,
    uow: UowDep,
    user: Annotated[User, Depends(require(Permission.VIEW_SALES))],
) -> Response:
    """Queue the receipt (HTML, with a PDF attached) for `email` or the customer's address;
    the outbox sends it after commit and retries a failed delivery (see the sale's page)."""
    found = _visible_sale_id(uow.session, user, sale_id)
    queue_receipt_to(uow, sale_id=found, email=body.email, requested_by=user.id)
    return DecimalJSONResponse({"data": {"sale_id": str(found), "queued": True}}, 202)


@router.put(
    "/api/2.0/sales/{sale_id}/actions/print_receipt",
    summary="Print a sale's receipt again",
    status_code=202,
)
def print_receipt(
    sale_id: uuid.UUID,
    uow: UowDep,
    user: Annotated[User, Depends(require(Permission.VIEW_SALES))],
) -> Response:
    """Queue a reprint on the printer of the register the sale was made at (409 when that
    register has no enabled printer: print from the browser)."""
    found = _visible_sale_id(uow.session, user, sale_id)
    sale = get_sale(uow.session, sale_id=found)
    register = store.get_register(uow.session, register_id=sale.register_id)
    if printer_on(uow, register=register, always=True) is None:
        raise config.NoPrinter(register_id=str(register.id))
    duplicate = fiscal.record_reprint(uow.session, sale=sale)  # "DUPLICATA n°k"
    queue_print_job(
        uow, sale_id=str(found), register_id=str(register.id), reprint=True, duplicate=duplicate
    )
    uow.commit()
    return DecimalJSONResponse({"data": {"sale_id": str(found), "queued": True}}, 202)
