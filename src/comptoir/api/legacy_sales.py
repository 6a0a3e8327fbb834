"""X-Series 0.9 sales reads: `GET /api/register_sales` (numbered pages, filters) and
`GET /api/register_sales/{id}`, in the 0.9 `register_sale` shape that `POST` answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from comptoir.accounts import users
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.legacy_shapes import RegisterSaleCollection, answers
from comptoir.api.params import (
    MAX_SALES_PAGE,
    PageNumber,
    Since,
    TextIn,
)
from comptoir.api.serialize_legacy import pagination
from comptoir.core.paging import check_page_number, check_page_size
from comptoir.customers.listing import names_of
from comptoir.http.deps import SessionDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.sales import queries
from comptoir.sales import service as sales
from comptoir.sales.models import Sale

router = APIRouter(prefix="/api", tags=["Sales (0.9)"], default_response_class=DecimalJSONResponse)
sales_read = [Depends(require(Permission.VIEW_SALES))]

SaleState = Annotated[
    list[TextIn] | None,
    Query(alias="state[]", max_length=20, description="parked, pending, voided or closed"),
]
SaleStatus = Annotated[
    list[TextIn] | None,
    Query(alias="status[]", max_length=20, description="Deprecated: use state[]"),
]
SaleAttribute = Annotated[
    list[TextIn] | None,
    Query(
        alias="attribute[]",
        max_length=20,
        description="onaccount, layby...: Comptoir records no sale attributes, so none match",
    ),
]
RegisterSalesPageSize = Annotated[
    int | None, Query(ge=1, le=MAX_SALES_PAGE, description="At most 500 (default 100)")
]


def register_sales_out(session: Session, found: Sequence[Sale]) -> list[dict[str, Any]]:
    """Sales in the 0.9 shape, with their sellers' and customers' names read in bulk."""
    sellers = users.users_by_ids(session, user_ids=list({s.user_id for s in found}))
    seller_names = {u.id: u.display_name for u in sellers}
    customers = names_of(session, customer_ids={s.customer_id for s in found if s.customer_id})
    return [
        {
            **serialize.register_sale(s, user_name=seller_names.get(s.user_id)),
            "customer_name": customers.get(s.customer_id) if s.customer_id else None,
        }
        for s in found
    ]


@router.get(
    "/register_sales",
    dependencies=sales_read,
    summary="List register sales (0.9)",
    responses=answers(RegisterSaleCollection),
)
def list_register_sales(
    session: SessionDep,
    since: Since = None,
    outlet_id: uuid.UUID | None = None,
    state: SaleState = None,
    status: SaleStatus = None,
    attribute: SaleAttribute = None,
    page: PageNumber = None,
    page_size: RegisterSalesPageSize = None,
) -> Response:
    """Sales in recording order, page by page (`page` from 1): each appears once however
    many pages are read; one changed later moves to the end. With `since`, only those
    changed since then: a client keeps the time of its last copy and asks for what changed."""
    found = queries.page_register_sales(
        session,
        where=queries.SaleFilter(
            since=since,
            outlet_id=outlet_id,
            states=state or (),
            statuses=status or (),
            attributes=attribute or (),
        ),
        page=check_page_number(page),
        page_size=check_page_size(page_size, maximum=MAX_SALES_PAGE, default=100),
    )
    shown = register_sales_out(session, found.items)
    return DecimalJSONResponse({"register_sales": shown, "pagination": pagination(found)})


@router.get(
    "/register_sales/{sale_id}",
    dependencies=sales_read,
    summary="Get a register sale (0.9)",
    responses=answers(RegisterSaleCollection),
)
def get_register_sale(sale_id: uuid.UUID, session: SessionDep) -> Response:
    """The sale alone in a `register_sales` array, as 0.9 answers."""
    sale = sales.get_sale(session, sale_id=sale_id)
    return DecimalJSONResponse({"register_sales": register_sales_out(session, [sale])})
