from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import (
    MAX_SALES_PAGE,
    After,
    AmountIn,
    Before,
    SalesPageSize,
    TextIn,
    UTCDateTimeIn,
)
from comptoir.core.paging import check_page_size
from comptoir.customers import service as customers
from comptoir.customers.store_credit import CREDIT_LEDGER
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.sales import service as sales

router = APIRouter(tags=["Sales"], default_response_class=DecimalJSONResponse)


class RegisterSaleProductIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID | None = None
    product_id: uuid.UUID
    quantity: AmountIn
    price: AmountIn | None = None
    tax: AmountIn | None = None
    tax_id: uuid.UUID | None = None
    sequence: int | None = Field(default=None, ge=0)
    note: TextIn | None = Field(default=None, max_length=2000)


class RegisterSalePaymentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    retailer_payment_type_id: uuid.UUID
    amount: AmountIn
    payment_date: UTCDateTimeIn | None = None


class RegisterSaleIn(BaseModel):
    """The 0.9 `register_sale` body. `id` is the register's own UUID for the sale: sending
    the same sale twice returns the first result."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID | None = None
    register_id: uuid.UUID
    user_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    state: str | None = None
    status: str | None = None
    note: TextIn | None = Field(default=None, max_length=5000)
    sale_date: UTCDateTimeIn | None = None
    source: TextIn | None = Field(default=None, max_length=20)
    source_id: TextIn | None = Field(default=None, max_length=100)
    register_sale_products: list[RegisterSaleProductIn] = Field(max_length=1000)
    register_sale_payments: list[RegisterSalePaymentIn] = Field(default_factory=list, max_length=50)


def _sale_input(body: RegisterSaleIn) -> sales.SaleInput:
    return sales.SaleInput(
        id=body.id,
        register_id=body.register_id,
        state=sales.resolve_state(state=body.state, status=body.status),
        user_id=body.user_id,
        customer_id=body.customer_id,
        note=body.note,
        sale_date=body.sale_date,
        source=body.source,
        source_id=body.source_id,
        lines=[
            sales.LineInput(
                product_id=line.product_id,
                quantity=line.quantity,
                price=line.price,
                tax=line.tax,
                tax_id=line.tax_id,
                sequence=line.sequence,
                note=line.note,
            )
            for line in body.register_sale_products
        ],
        payments=[
            sales.PaymentInput(
                payment_type_id=p.retailer_payment_type_id,
                amount=p.amount,
                payment_date=p.payment_date,
            )
            for p in body.register_sale_payments
        ],
    )


@router.post("/api/register_sales", summary="Create a register sale (0.9)")
def create_register_sale(
    body: RegisterSaleIn,
    uow: UowDep,
    principal: PrincipalDep,
    user: User = Depends(require(Permission.SELL)),
) -> Response:
    sale, created = sales.record_sale(
        uow,
        sale=_sale_input(body),
        user_id=user.id,
        find_customer=customers.get_customer,
        register_session=principal.login,
        rights=sales.SaleRights(
            override_prices=principal.allows(Permission.OVERRIDE_PRICE),
            sell_for_others=principal.allows(Permission.SELL_FOR_OTHERS),
        ),
        credit=CREDIT_LEDGER,
    )
    reply = DecimalJSONResponse({"register_sale": serialize.register_sale(sale)})
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.get("/api/2.0/sales", dependencies=[Depends(require(Permission.VIEW_SALES))])
def list_sales(
    session: SessionDep,
    after: After = None,
    before: Before = None,
    page_size: SalesPageSize = None,
) -> Response:
    page = sales.page_sales(
        session,
        after=after,
        before=before,
        page_size=check_page_size(page_size, maximum=MAX_SALES_PAGE),
    )
    return serialize.collection([serialize.sale(s) for s in page.items], page)


@router.get("/api/2.0/sales/{sale_id}", dependencies=[Depends(require(Permission.VIEW_SALES))])
def get_sale(sale_id: uuid.UUID, session: SessionDep) -> Response:
    return serialize.data(serialize.sale(sales.get_sale(session, sale_id=sale_id)))
