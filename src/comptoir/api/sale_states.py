"""The sale's states in the 2.0 API: void a sale, pay an open layby or on-account sale,
read quotes (X-Series `/quotes`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import AmountIn
from comptoir.customers import account as customer_account
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.sales import quotes
from comptoir.sales.account import pay_sale
from comptoir.sales.models import Sale
from comptoir.sales.voiding import void_sale

router = APIRouter(tags=["Sales"], default_response_class=DecimalJSONResponse)


@router.put("/api/2.0/sales/{sale_id}/actions/void", summary="Void a sale")
def void(
    sale_id: uuid.UUID,
    uow: UowDep,
    principal: PrincipalDep,
    user: User = Depends(require(Permission.SELL)),
) -> Response:
    """A parked or open sale is voided by its cashier; a completed one needs `sales:void`.
    Its stock, payments and account charge are reversed; nothing is deleted."""
    sale = void_sale(
        uow,
        sale_id=sale_id,
        user_id=user.id,
        may_void_completed=principal.allows(Permission.VOID_SALE),
        ledger=customer_account.LEDGER,
    )
    return serialize.data(serialize.sale(sale))


class SalePaymentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The sender's id for the payment: sent again, nothing changes.
    id: uuid.UUID
    retailer_payment_type_id: uuid.UUID
    amount: AmountIn
    register_id: uuid.UUID | None = None
    # Comptoir: a payment on a card terminal names its approved terminal payment.
    terminal_payment_id: uuid.UUID | None = None


@router.post("/api/2.0/sales/{sale_id}/payments", summary="Pay an open layby or on-account sale")
def add_payment(
    sale_id: uuid.UUID,
    body: SalePaymentIn,
    uow: UowDep,
    user: User = Depends(require(Permission.SELL)),
) -> Response:
    sale, created = pay_sale(
        uow,
        sale_id=sale_id,
        payment_id=body.id,
        payment_type_id=body.retailer_payment_type_id,
        amount=body.amount,
        register_id=body.register_id,
        user_id=user.id,
        ledger=customer_account.LEDGER,
        terminal_payment_id=body.terminal_payment_id,
    )
    reply = serialize.data(serialize.sale(sale))
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


def quote_out(sale: Sale) -> dict[str, Any]:
    """The X-Series 2.0 `Quote` shape."""
    return {
        "id": serialize.uid(sale.id),
        "retailer_id": None,
        "outlet_id": serialize.uid(sale.outlet_id),
        "register_id": serialize.uid(sale.register_id),
        "customer_id": serialize.uid(sale.customer_id),
        "user_id": serialize.uid(sale.user_id),
        "short_code": sale.invoice_number,
        "status": quotes.quote_status(sale),
        "note": sale.note,
        "total_price": serialize.num(sale.total_price),
        "total_tax": serialize.num(sale.total_tax),
        "grand_total": serialize.num(sale.total_price_incl),
        "loyalty": None,
        "sales_ids": None,
        "expired_at": serialize.ts(sale.quote_expires_at),
        "created_at": serialize.ts(sale.created_at),
        "updated_at": serialize.ts(sale.updated_at),
        "deleted_at": serialize.ts(sale.deleted_at),
        "products": [
            {
                "id": serialize.uid(line.id),
                "quote_id": serialize.uid(sale.id),
                "product_id": serialize.uid(line.product_id),
                "quantity": serialize.num(line.quantity),
                "price": serialize.num(line.price),
                "tax": serialize.num(line.tax),
                "tax_id": serialize.uid(line.tax_id),
                "discount": serialize.num(line.discount),
                "note": line.note,
                "sequence": line.sequence,
                "salesperson_id": serialize.uid(sale.user_id),
            }
            for line in sale.lines
        ],
    }


QuoteLimit = Annotated[int, Query(ge=1, le=500, description="At most 500 (default 100)")]


@router.get(
    "/api/2.0/quotes",
    dependencies=[Depends(require(Permission.VIEW_SALES))],
    summary="List quotes",
)
def list_quotes(
    session: SessionDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: QuoteLimit = 100,
) -> Response:
    found, has_next, total = quotes.list_quotes(session, after=after, limit=limit)
    return DecimalJSONResponse(
        {"Quotes": [quote_out(q) for q in found], "HasNext": has_next, "TotalCount": total}
    )


@router.get(
    "/api/2.0/quotes/{quote_id}",
    dependencies=[Depends(require(Permission.VIEW_SALES))],
    summary="Get a quote",
)
def get_quote(quote_id: uuid.UUID, session: SessionDep) -> Response:
    return DecimalJSONResponse(quote_out(quotes.get_quote(session, quote_id=quote_id)))
