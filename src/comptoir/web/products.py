from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import service as catalog
from comptoir.http.deps import SessionDep
from comptoir.inventory import service as inventory
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/products")
def product_list(
    request: Request,
    session: SessionDep,
    _user: Annotated[User, Depends(page_requires(Permission.VIEW_CATALOG))],
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    products = catalog.list_products(
        session, text=q.strip() or None, offset=(page - 1) * PAGE, limit=PAGE + 1
    )
    has_next = len(products) > PAGE
    products = products[:PAGE]
    outlets = store.list_outlets(session)
    stock = {
        outlet.id: inventory.stock_by_product(
            session, product_ids=[p.id for p in products], outlet_id=outlet.id
        )
        for outlet in outlets
    }
    return render(
        request,
        "products.html",
        products=products,
        outlets=outlets,
        stock=stock,
        q=q,
        page=page,
        has_next=has_next,
        retailer=store.get_retailer(session),
    )
