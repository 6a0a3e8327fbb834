"""Stock control in the 2.0 API: X-Series `/consignments` (purchase orders, transfers,
supplier returns, stocktakes), their products, `/bulk` and `/totals`.

Reading needs `consignments:read`; every change `consignments:write` (X-Series splits the
write scope by type: `consignments:write:stock_order` and so on; a Comptoir token's
`consignments:write` covers them all), except counting a stock count in progress, which
`consignments:count` allows. The same permissions guard the stock control pages. This
module reads; the writes are in `consignment_writes.py`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api.params import Paging, PagingWithDeleted
from comptoir.api.serialize import collection, data
from comptoir.api.serialize_consignments import consignment, consignment_product, totals
from comptoir.http.deps import SessionDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.inventory.consignments import common
from comptoir.inventory.consignments.listing import (
    ConsignmentFilter,
    page_consignment_products,
    page_consignments,
)
from comptoir.inventory.consignments.models import ConsignmentStatus, ConsignmentType

router = APIRouter(
    prefix="/api/2.0", tags=["Consignments"], default_response_class=DecimalJSONResponse
)
Reader = Annotated[User, Depends(require(Permission.VIEW_CONSIGNMENTS))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such consignment"}}


@router.get("/consignments", summary="List consignments")
def list_consignments(
    session: SessionDep,
    paging: PagingWithDeleted,
    _user: Reader,
    type: Annotated[ConsignmentType | None, Query(description="The consignment type")] = None,
    status: Annotated[ConsignmentStatus | None, Query(description="The status")] = None,
    outlet_id: Annotated[uuid.UUID | None, Query(description="The outlet")] = None,
) -> Response:
    """Consignments in version order (`after=` paging), filtered by type, status, outlet."""
    bounds = paging.bounds()
    page = page_consignments(
        session,
        wanted=ConsignmentFilter(
            type=type, status=status.value if status else None, outlet_id=outlet_id
        ),
        deleted=paging.deleted,
        **bounds,
    )
    return collection([consignment(item) for item in page.items], page)


@router.get("/consignments/{consignment_id}", summary="Get a single consignment",
            responses=NOT_FOUND)  # fmt: skip
def get_consignment(consignment_id: uuid.UUID, session: SessionDep, _user: Reader) -> Response:
    return data(consignment(common.get_consignment(session, consignment_id)))


@router.get(
    "/consignments/{consignment_id}/products",
    summary="List all products for a specific consignment",
    responses=NOT_FOUND,
)
def list_consignment_products(
    consignment_id: uuid.UUID, session: SessionDep, paging: Paging, _user: Reader
) -> Response:
    common.get_consignment(session, consignment_id)
    page = page_consignment_products(session, consignment_id=consignment_id, **paging.bounds())
    return collection([consignment_product(line) for line in page.items], page)


@router.get("/consignments/{consignment_id}/totals", summary="Get consignment totals",
            responses=NOT_FOUND)  # fmt: skip
def get_consignment_totals(
    consignment_id: uuid.UUID, session: SessionDep, _user: Reader
) -> Response:
    """The count and cost sent and received (orders, transfers, returns; X-Series gives
    them as a one-item list)."""
    common.get_consignment(session, consignment_id)
    return DecimalJSONResponse({"data": [totals(common.totals_of(session, consignment_id))]})
