"""Card payments on a terminal (a Comptoir extension, not in the X-Series API). The register
starts a payment with its own id (the idempotency key: sent again, it is the same payment),
polls it until it is approved, declined, cancelled or failed, and may cancel it; the sale
then names the approved one in `register_sale_payments[].terminal_payment_id`."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import AmountIn
from comptoir.http.deps import SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.payments import service
from comptoir.payments.models import TerminalPayment, TerminalRefund
from comptoir.payments.refunds import refunds_of_sale

router = APIRouter(tags=["Terminal payments"], default_response_class=DecimalJSONResponse)

_SELL = Depends(require(Permission.SELL))
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown terminal payment, register or payment type"},
    409: {"description": "The id was used for another payment, or the payment pays a sale"},
    422: {"description": "Not an integrated payment type, or a wrong amount"},
}


class TerminalPaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID  # the register's idempotency key for this payment
    register_id: uuid.UUID
    payment_type_id: uuid.UUID
    amount: AmountIn


def refund_json(refund: TerminalRefund) -> dict[str, Any]:
    return {
        "id": str(refund.id),
        "terminal_payment_id": str(refund.terminal_payment_id),
        "sale_id": str(refund.sale_id),
        "amount": serialize.num(refund.amount),
        "status": refund.status,
        "provider_reference": refund.provider_reference,
        "attempts": refund.attempts,
        "last_error": refund.last_error,
        "created_at": serialize.ts(refund.created_at),
        "completed_at": serialize.ts(refund.completed_at),
    }


def payment_json(payment: TerminalPayment) -> dict[str, Any]:
    return {
        "id": str(payment.id),
        "register_id": str(payment.register_id),
        "payment_type_id": str(payment.payment_type_id),
        "amount": serialize.num(payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "provider": payment.provider,
        "provider_reference": payment.provider_reference,
        "message": payment.message,
        "sale_id": serialize.uid(payment.sale_id),
        "refunded_amount": serialize.num(payment.refunded_amount),
        "created_at": serialize.ts(payment.created_at),
        "completed_at": serialize.ts(payment.completed_at),
    }


@router.post(
    "/api/comptoir/terminal_payments",
    status_code=201,
    summary="Start a card payment on the register's terminal (idempotent on its id)",
    responses=_ERRORS,
)
def start(body: TerminalPaymentIn, uow: UowDep, user: User = _SELL) -> Response:
    payment, created = service.start_terminal_payment(
        uow,
        request=service.StartInput(
            id=body.id,
            register_id=body.register_id,
            payment_type_id=body.payment_type_id,
            amount=body.amount,
        ),
        user_id=user.id,
    )
    reply = serialize.data(payment_json(payment))
    reply.status_code = 201 if created else 200
    return reply


@router.get(
    "/api/comptoir/terminal_payments/{payment_id}",
    summary="A terminal payment's state (a pending one is asked of its provider)",
    responses=_ERRORS,
    dependencies=[_SELL],
)
def poll(payment_id: uuid.UUID, uow: UowDep) -> Response:
    payment = service.refresh_terminal_payment(uow, payment_id=payment_id)
    body = payment_json(payment)
    body["refunds"] = [
        refund_json(r) for r in service.refunds_of(uow.reader, payment_id=payment_id)
    ]
    return serialize.data(body)


@router.post(
    "/api/comptoir/terminal_payments/{payment_id}/actions/cancel",
    summary="Cancel a pending terminal payment (an approved, unused one is voided)",
    responses=_ERRORS,
    dependencies=[_SELL],
)
def cancel(payment_id: uuid.UUID, uow: UowDep) -> Response:
    payment = service.cancel_terminal_payment(uow, payment_id=payment_id)
    return serialize.data(payment_json(payment))


@router.get(
    "/api/comptoir/sales/{sale_id}/terminal_refunds",
    summary="The card refunds of a return and their state",
    dependencies=[Depends(require(Permission.VIEW_SALES))],
)
def sale_refunds(sale_id: uuid.UUID, session: SessionDep) -> Response:
    return serialize.collection([refund_json(r) for r in refunds_of_sale(session, sale_id=sale_id)])
