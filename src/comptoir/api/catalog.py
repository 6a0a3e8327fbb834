from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from comptoir.accounts.permissions import Permission
from comptoir.api import serialize, serialize_customers
from comptoir.api.params import After, Before, Deleted, PageSize, TextIn
from comptoir.catalog import service as catalog
from comptoir.core.paging import check_page_size
from comptoir.customers import service as customer_search
from comptoir.http.deps import PrincipalDep, SessionDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.inventory import service as inventory

router = APIRouter(prefix="/api/2.0", tags=["Products"], default_response_class=DecimalJSONResponse)
catalog_read = [Depends(require(Permission.VIEW_CATALOG))]
stock_read = [Depends(require(Permission.VIEW_STOCK))]


@router.get("/products", dependencies=catalog_read)
def list_products(
    session: SessionDep,
    after: After = None,
    before: Before = None,
    page_size: PageSize = None,
    deleted: Deleted = False,
    sku: TextIn | None = None,
) -> Response:
    page = catalog.page_products(
        session,
        after=after,
        before=before,
        page_size=check_page_size(page_size),
        include_deleted=deleted,
        sku=sku,
    )
    return serialize.collection([serialize.product(p) for p in page.items], page)


@router.get("/products/{product_id}", dependencies=catalog_read)
def get_product(product_id: uuid.UUID, session: SessionDep) -> Response:
    return serialize.data(serialize.product(catalog.get_product(session, product_id=product_id)))


@router.get("/products/{product_id}/inventory", dependencies=stock_read)
def get_product_inventory(product_id: uuid.UUID, session: SessionDep) -> Response:
    catalog.get_product(session, product_id=product_id)
    levels = inventory.levels_of_product(session, product_id=product_id)
    return serialize.collection([serialize.inventory(level) for level in levels])


@router.get("/inventory", dependencies=stock_read)
def list_inventory(
    session: SessionDep, after: After = None, before: Before = None, page_size: PageSize = None
) -> Response:
    page = inventory.page_levels(
        session, after=after, before=before, page_size=check_page_size(page_size)
    )
    return serialize.collection([serialize.inventory(level) for level in page.items], page)


@router.get("/search")
def search(
    session: SessionDep,
    principal: PrincipalDep,
    q: Annotated[TextIn, Query(min_length=1, max_length=200)],
    type: Literal["products", "customers"] = "products",
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Products or customers, each behind its own read permission."""
    if type == "customers":
        require(Permission.VIEW_CUSTOMERS)(principal)
        found_customers = customer_search.search_customers(session, text=q, limit=page_size)
        figures = customer_search.figures_of(session, customer_ids=[c.id for c in found_customers])
        return serialize.collection(
            [serialize_customers.customer(c, figures.get(c.id)) for c in found_customers]
        )
    require(Permission.VIEW_CATALOG)(principal)
    found = catalog.search_products(session, text=q, limit=page_size)
    return serialize.collection([serialize.product(p) for p in found])
