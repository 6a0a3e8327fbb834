"""`GET /api/2.0/search?type=sales`: sales by the X-Series 2.0 search filters, paged by
offset as the spec pages them. The route itself is the catalog's (`api/catalog.py`), which
hands sales searches here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from comptoir.accounts import users
from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import TextIn, UTCDateTimeQuery
from comptoir.http.deps import Principal, require
from comptoir.sales import search as sale_search

MAX_OFFSET = 10_000_000


@dataclass(frozen=True, kw_only=True)
class SalesSearchParams:
    """The 2.0 spec's **SALES** filters of `/search`."""

    date_from: UTCDateTimeQuery | None = None
    date_to: UTCDateTimeQuery | None = None
    outlet_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    invoice_number: TextIn | None = None
    status: list[str] | None = None
    state: list[str] | None = None
    offset: int = 0
    order_direction: Literal["asc", "desc"] = "desc"


def sales_search_params(
    date_from: Annotated[
        UTCDateTimeQuery | None,
        Query(description="**SALES** Sale date at or after (UTC, e.g. 2016-08-08T12:00:00Z)"),
    ] = None,
    date_to: Annotated[
        UTCDateTimeQuery | None, Query(description="**SALES** Sale date before (UTC)")
    ] = None,
    outlet_id: Annotated[uuid.UUID | None, Query(description="**SALES** The sale's outlet")] = None,
    customer_id: Annotated[uuid.UUID | None, Query(description="**SALES** Its customer")] = None,
    user_id: Annotated[uuid.UUID | None, Query(description="**SALES** Its seller")] = None,
    invoice_number: Annotated[
        TextIn | None, Query(max_length=60, description="**SALES** Its invoice number")
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(max_length=30, description="**SALES** Status (repeat for several)"),
    ] = None,
    state: Annotated[
        list[str] | None,
        Query(max_length=20, description="**SALES** State (repeat for several)"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Objects skipped")] = 0,
    order_direction: Annotated[
        Literal["asc", "desc"], Query(description="By sale date; newest first by default")
    ] = "desc",
) -> SalesSearchParams:
    return SalesSearchParams(
        date_from=date_from,
        date_to=date_to,
        outlet_id=outlet_id,
        customer_id=customer_id,
        user_id=user_id,
        invoice_number=invoice_number,
        status=status,
        state=state,
        offset=offset,
        order_direction=order_direction,
    )


def search_sales_reply(
    session: Session, *, principal: Principal, params: SalesSearchParams, page_size: int
) -> Response:
    """Sales the caller may read (`sales:read`, in the outlets they may work in)."""
    require(Permission.VIEW_SALES)(principal)
    user_id = principal.user.id
    visible = users.outlets_of(session, user_ids=[user_id]).get(user_id)
    found = sale_search.search_sales(
        session,
        search=sale_search.SaleSearch(
            date_from=params.date_from,
            date_to=params.date_to,
            visible_outlet_ids=visible,
            outlet_id=params.outlet_id,
            customer_id=params.customer_id,
            user_id=params.user_id,
            statuses=params.status or (),
            states=params.state or (),
            invoice_number=params.invoice_number,
        ),
        offset=params.offset,
        limit=page_size,
        ascending=params.order_direction == "asc",
    )
    return serialize.collection([serialize.sale(s) for s in found])
