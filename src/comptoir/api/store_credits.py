"""Store credit (X-Series 2.0-beta `/store_credits`): balances, ledgers, transactions.

Reading needs customers:read. Adding a transaction by hand (credit out of no sale) needs
sales:refund_without_receipt: issuing credit is giving money back without a receipt, so it
takes the same manager's trust; credit issued by a return comes with the return.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api.params import AmountIn, TextIn
from comptoir.api.serialize import num, ts, uid
from comptoir.customers import store_credit
from comptoir.customers.ledger_models import StoreCreditTransaction
from comptoir.http.deps import SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse

router = APIRouter(tags=["Store Credits"], default_response_class=DecimalJSONResponse)
_READ = [Depends(require(Permission.VIEW_CUSTOMERS))]


def transaction(t: StoreCreditTransaction) -> dict[str, Any]:
    return {
        "id": uid(t.id),
        "amount": num(t.amount),
        "type": store_credit.API_TYPE.get(t.type, t.type),
        "notes": t.note,
        "user_id": uid(t.user_id),
        "client_id": t.client_id,
        "created_at": ts(t.created_at),
        "sale_id": uid(t.sale_id),
    }


def account(a: store_credit.CreditAccount) -> dict[str, Any]:
    return {
        "customer_id": uid(a.customer_id),
        "store_credit_transactions": [transaction(t) for t in a.transactions],
        "balance": num(a.balance),
        "total_credit_issued": num(a.total_credit_issued),
    }


@router.get("/api/2.0/store_credits/report", dependencies=_READ, summary="Store credit report")
def credit_report(session: SessionDep) -> Response:
    return DecimalJSONResponse({k: num(v) for k, v in store_credit.credit_report(session).items()})


@router.get("/api/2.0/store_credits", dependencies=_READ, summary="Store credit customers")
def list_credits(session: SessionDep, page_size: int = 1000) -> Response:
    accounts = store_credit.credit_accounts(session, limit=max(1, min(page_size, 1000)))
    return DecimalJSONResponse({"data": [account(a) for a in accounts]})


@router.post("/api/2.0/store_credits/bulk", dependencies=_READ, summary="Store credit of customers")
def bulk_credits(
    session: SessionDep,
    ids: list[uuid.UUID] = Body(max_length=1000),
) -> Response:
    accounts = store_credit.credit_accounts(session, customer_ids=ids)
    return DecimalJSONResponse({"data": [account(a) for a in accounts]})


@router.get(
    "/api/2.0/store_credits/{customer_id}", dependencies=_READ, summary="A customer's credit"
)
def customer_credit(customer_id: uuid.UUID, session: SessionDep) -> Response:
    found = store_credit.credit_account(session, customer_id=customer_id)
    return DecimalJSONResponse({"data": account(found)})


class TransactionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    store_credit_customer_id: TextIn | None = Field(default=None, max_length=100)
    amount: AmountIn
    type: str = Field(max_length=20)
    notes: TextIn | None = Field(default=None, max_length=2000)
    user_id: uuid.UUID | None = None
    client_id: TextIn = Field(min_length=1, max_length=100)


@router.post("/api/2.0/store_credits/{customer_id}/transactions", summary="Add a transaction")
def add_transaction(
    customer_id: uuid.UUID,
    body: TransactionIn,
    uow: UowDep,
    user: User = Depends(require(Permission.REFUND_WITHOUT_RECEIPT)),
) -> Response:
    row, created = store_credit.record_credit_transaction(
        uow,
        customer_id=customer_id,
        amount=body.amount,
        type=body.type,
        client_id=body.client_id,
        user_id=user.id,
        note=body.notes,
    )
    reply = DecimalJSONResponse({"data": transaction(row)})
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply
