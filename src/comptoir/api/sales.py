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
from comptoir.customers import account as customer_account
from comptoir.customers import service as customers
from comptoir.customers.store_credit import CREDIT_LEDGER
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.sales import service as sales
from comptoir.sales.inputs import resolve_status

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
    # X-Series: the unit discount excluding tax; `price_set` is informational (a price sent
    # below the catalog's is a discount whatever it says). Comptoir: percent or amount off.
    discount: AmountIn | None = None
    price_set: int | bool | None = None
    discount_percent: AmountIn | None = None
    discount_amount: AmountIn | None = None


class RegisterSalePaymentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    retailer_payment_type_id: uuid.UUID
    amount: AmountIn
    payment_date: UTCDateTimeIn | None = None
    # Comptoir: a payment on a card terminal names its approved terminal payment
    # (POST /api/comptoir/terminal_payments).
    terminal_payment_id: uuid.UUID | None = None


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
    # The version of a parked sale the register read before continuing it (409 if changed).
    version: int | None = Field(default=None, ge=0)
    is_quote: bool = False
    quote_expires_at: UTCDateTimeIn | None = None
    note: TextIn | None = Field(default=None, max_length=5000)
    sale_date: UTCDateTimeIn | None = None
    source: TextIn | None = Field(default=None, max_length=20)
    source_id: TextIn | None = Field(default=None, max_length=100)
    register_sale_products: list[RegisterSaleProductIn] = Field(max_length=1000)
    register_sale_payments: list[RegisterSalePaymentIn] = Field(default_factory=list, max_length=50)
    # Comptoir: a whole-sale discount (percent or amount), the manager's approval of a
    # discount beyond the cashier's limit, a sale the register recorded while offline.
    discount_percent: AmountIn | None = None
    discount_amount: AmountIn | None = None
    discount_approval_id: uuid.UUID | None = None
    recorded_offline: bool = False


def _sale_input(body: RegisterSaleIn) -> sales.SaleInput:
    return sales.SaleInput(
        id=body.id,
        register_id=body.register_id,
        state=sales.resolve_state(state=body.state, status=body.status),
        status=resolve_status(state=body.state, status=body.status),
        version=body.version,
        is_quote=body.is_quote,
        quote_expires_at=body.quote_expires_at,
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
                discount=line.discount,
                discount_percent=line.discount_percent,
                discount_amount=line.discount_amount,
            )
            for line in body.register_sale_products
        ],
        payments=[
            sales.PaymentInput(
                payment_type_id=p.retailer_payment_type_id,
                amount=p.amount,
                payment_date=p.payment_date,
                terminal_payment_id=p.terminal_payment_id,
            )
            for p in body.register_sale_payments
        ],
        discount_percent=body.discount_percent,
        discount_amount=body.discount_amount,
        discount_approval_id=body.discount_approval_id,
        recorded_offline=body.recorded_offline,
    )


@router.post("/api/register_sales", summary="Create a register sale (0.9)")
def create_register_sale(
    body: RegisterSaleIn,
    uow: UowDep,
    principal: PrincipalDep,
    user: User = Depends(require(Permission.SELL)),
) -> Response:
    sale_input = _sale_input(body)
    if sale_input.wanted_status == "SAVED":
        principal.ensure(Permission.PARK_SALE)
    sale, created = sales.record_sale(
        uow,
        sale=sale_input,
        user_id=user.id,
        find_customer=customers.get_customer,
        register_session=principal.login,
        rights=sales.SaleRights(
            override_prices=principal.allows(Permission.OVERRIDE_PRICE),
            discount_over_limit=principal.allows(Permission.DISCOUNT_OVER_LIMIT),
            sell_for_others=principal.allows(Permission.SELL_FOR_OTHERS),
            exceed_account_limit=principal.allows(Permission.EXCEED_ACCOUNT_LIMIT),
        ),
        ledger=customer_account.LEDGER,
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
