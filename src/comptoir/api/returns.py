"""Returns and exchanges (X-Series 2.0 `PUT /sales/{id}/actions/return`) and returns
without a receipt (`POST /api/2.0/returns`, a Comptoir extension in the same shapes).

The spec's action takes no body and answers the return as a sale; Comptoir records the
return at once (a CLOSED sale, see docs/decisions/0013-returns.md) and accepts an optional
body choosing the lines, quantities, reasons, restocking, refund and new items (an
exchange). Without a body, everything left of the sale goes back to its tenders.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import AmountIn, TextIn
from comptoir.core.errors import InvalidInput
from comptoir.customers import service as customers
from comptoir.customers.store_credit import CREDIT_LEDGER
from comptoir.http.deps import PrincipalDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.sales import returns
from comptoir.sales import service as sales
from comptoir.sales.inputs import LineInput, PaymentInput
from comptoir.sales.models import Sale

router = APIRouter(tags=["Sales"], default_response_class=DecimalJSONResponse)


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: uuid.UUID | None = None  # the sold line given back (with a receipt)
    product_id: uuid.UUID | None = None  # without a receipt
    quantity: AmountIn = Field(gt=0)
    reason: TextIn | None = Field(default=None, max_length=100)
    restock: bool = True


class TenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_type_id: uuid.UUID
    amount: AmountIn = Field(gt=0)
    # Comptoir: an exchange's difference paid on a card terminal names its terminal payment.
    terminal_payment_id: uuid.UUID | None = None


class NewLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    quantity: AmountIn = Field(gt=0)


class ReturnIn(BaseModel):
    """`id`: the register's own id for the return sale (a retry returns the first one)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    register_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    note: TextIn | None = Field(default=None, max_length=5000)
    line_items: list[ReturnLineIn] = Field(default_factory=list, max_length=1000)
    refund_to: str = Field(default=returns.REFUND_TO_TENDERS, pattern="^(tenders|store_credit)$")
    refunds: list[TenderIn] = Field(default_factory=list, max_length=50)
    new_line_items: list[NewLineIn] = Field(default_factory=list, max_length=1000)
    payments: list[TenderIn] = Field(default_factory=list, max_length=50)


def _request(
    body: ReturnIn, *, register_id: uuid.UUID, lines: list[returns.ReturnLineInput]
) -> returns.ReturnInput:
    return returns.ReturnInput(
        id=body.id,
        register_id=register_id,
        customer_id=body.customer_id,
        note=body.note,
        lines=lines,
        refund_to=body.refund_to,
        refunds=[
            returns.RefundInput(payment_type_id=r.payment_type_id, amount=r.amount)
            for r in body.refunds
        ],
        new_lines=[
            LineInput(product_id=n.product_id, quantity=n.quantity) for n in body.new_line_items
        ],
        payments=[
            PaymentInput(
                payment_type_id=p.payment_type_id,
                amount=p.amount,
                terminal_payment_id=p.terminal_payment_id,
            )
            for p in body.payments
        ],
    )


def _lines(body: ReturnIn) -> list[returns.ReturnLineInput]:
    return [
        returns.ReturnLineInput(
            line_id=line.line_id,
            product_id=line.product_id,
            quantity=line.quantity,
            reason=line.reason,
            restock=line.restock,
        )
        for line in body.line_items
    ]


def _reply(sale: Sale, created: bool) -> Response:
    reply = serialize.data(serialize.sale(sale))
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.put("/api/2.0/sales/{sale_id}/actions/return", summary="Return a sale (or exchange)")
def return_sale(
    sale_id: uuid.UUID,
    uow: UowDep,
    principal: PrincipalDep,
    body: ReturnIn | None = Body(default=None),
    user: User = Depends(require(Permission.RETURN_WITH_RECEIPT)),
) -> Response:
    body = body or ReturnIn()
    original = sales.get_sale(uow.reader, sale_id=sale_id)
    lines = _lines(body) or [
        returns.ReturnLineInput(line_id=line.id, quantity=line.quantity - line.returned_quantity)
        for line in original.lines
        if line.quantity > 0 and line.quantity > line.returned_quantity
    ]
    sale, created = returns.record_return(
        uow,
        original_id=sale_id,
        request=_request(body, register_id=body.register_id or original.register_id, lines=lines),
        user_id=user.id,
        find_customer=customers.get_customer,
        ledger=CREDIT_LEDGER,
        rights=returns.ReturnRights(
            without_receipt=principal.allows(Permission.REFUND_WITHOUT_RECEIPT)
        ),
    )
    return _reply(sale, created)


@router.post("/api/2.0/returns", summary="Return items without a receipt")
def return_without_receipt(
    body: ReturnIn,
    uow: UowDep,
    user: User = Depends(require(Permission.REFUND_WITHOUT_RECEIPT)),
) -> Response:
    if body.register_id is None:
        raise InvalidInput("a return without a receipt names its register", field="register_id")
    sale, created = returns.record_return(
        uow,
        original_id=None,
        request=_request(body, register_id=body.register_id, lines=_lines(body)),
        user_id=user.id,
        find_customer=customers.get_customer,
        ledger=CREDIT_LEDGER,
        rights=returns.ReturnRights(without_receipt=True),
    )
    return _reply(sale, created)
