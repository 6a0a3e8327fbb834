from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api import product_bodies as bodies
from comptoir.api import product_body_parts as parts
from comptoir.api import search as api_search
from comptoir.api import serialize, serialize_customers
from comptoir.api.params import Paging, PagingWithDeleted, TextIn
from comptoir.catalog import product_deletion
from comptoir.catalog import products as catalog_products
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product
from comptoir.catalog.references import references_of
from comptoir.core.errors import InvalidInput
from comptoir.core.paging import MAX_PAGE_SIZE
from comptoir.customers import service as customer_search
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.inventory import service as inventory

router = APIRouter(prefix="/api/2.0", tags=["Products"], default_response_class=DecimalJSONResponse)
catalog_read = [Depends(require(Permission.VIEW_CATALOG))]
stock_read = [Depends(require(Permission.VIEW_STOCK))]
ManagesCatalog = Annotated[User, Depends(require(Permission.MANAGE_CATALOG))]
MAX_SEARCH_RESULTS = 1000  # X-Series: "currently limited to 1000"


def products_out(session: Session, products: Sequence[Product]) -> list[dict[str, object]]:
    """Products in the 2.0 shape, with their brands, suppliers and types read in bulk."""
    refs = references_of(session, products)
    return [serialize.product(p, refs) for p in products]


@router.get("/products", dependencies=catalog_read)
def list_products(
    session: SessionDep,
    paging: PagingWithDeleted,
    sku: TextIn | None = None,
    name: Annotated[TextIn | None, Query(max_length=255)] = None,
    family_name: Annotated[TextIn | None, Query(max_length=255)] = None,
) -> Response:
    page = catalog.page_products(
        session,
        **paging.bounds(),
        include_deleted=paging.deleted,
        sku=sku,
        name=name if name is not None else family_name,
    )
    return serialize.collection(products_out(session, page.items), page)


@router.post("/products", summary="Create a product, a variant family or a composite")
def create_product(
    body: bodies.ProductCreateIn,
    uow: UowDep,
    user: ManagesCatalog,
    idempotency_key: parts.IdempotencyKey = None,
) -> Response:
    """Answers the ids of the products created (a family's variants in order). Send the
    request again with the same body `id` or `Idempotency-Key` header (after a timeout, say)
    and the first answer comes back, with `Idempotent-Replayed: true`, and nothing changes."""
    new = bodies.new_product(
        body, product_id=parts.client_id(body.id, key=idempotency_key, user_id=user.id)
    )
    products, created = catalog_products.create_product_once(uow, new=new, user_id=user.id)
    reply = DecimalJSONResponse({"data": [str(p.id) for p in products]})
    if not created:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.get("/products/{product_id}", dependencies=catalog_read)
def get_product(product_id: uuid.UUID, session: SessionDep) -> Response:
    product = catalog.get_product(session, product_id=product_id)
    return serialize.data(products_out(session, [product])[0])


@router.delete("/products/{product_id}", summary="Delete a product (one variant)")
def delete_product(product_id: uuid.UUID, uow: UowDep, user: ManagesCatalog) -> Response:
    """A soft delete: the product keeps its SKU, history and stock records; its barcodes
    are freed. 409 while it is a component of a composite."""
    product = product_deletion.delete_product(uow, product_id=product_id)
    return serialize.data(products_out(uow.session, [product])[0])


@router.delete("/products/{product_id}/all", summary="Delete a product family")
def delete_product_family(product_id: uuid.UUID, uow: UowDep, user: ManagesCatalog) -> Response:
    products = product_deletion.delete_family(uow, product_id=product_id)
    return serialize.collection(products_out(uow.session, products))


@router.get("/products/{product_id}/inventory", dependencies=stock_read)
def get_product_inventory(
    product_id: uuid.UUID,
    session: SessionDep,
    paging: Paging,
) -> Response:
    catalog.get_product(session, product_id=product_id)
    page = inventory.page_levels(
        session,
        **paging.bounds(),
        product_id=product_id,
    )
    return serialize.collection([serialize.inventory(level) for level in page.items], page)


@router.get("/inventory", dependencies=stock_read)
def list_inventory(session: SessionDep, paging: Paging) -> Response:
    page = inventory.page_levels(session, **paging.bounds())
    return serialize.collection([serialize.inventory(level) for level in page.items], page)


@router.get("/search")
def search(
    session: SessionDep,
    principal: PrincipalDep,
    sales_filters: Annotated[api_search.SalesSearchParams, Depends(api_search.sales_search_params)],
    q: Annotated[TextIn | None, Query(min_length=1, max_length=200)] = None,
    type: Literal["products", "customers", "sales"] = "products",
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="At most 1000 are returned")
    ] = 20,
) -> Response:
    """Products or customers (by `q`) or sales (by the **SALES** filters), each behind its
    own read permission. As X-Series: a `page_size` over 1000 returns 1000."""
    page_size = min(page_size, MAX_SEARCH_RESULTS)
    if type == "sales":
        return api_search.search_sales_reply(
            session, principal=principal, params=sales_filters, page_size=page_size
        )
    if q is None:
        raise InvalidInput("q is required to search products or customers", field="q")
    if type == "customers":
        require(Permission.VIEW_CUSTOMERS)(principal)
        found_customers = customer_search.search_customers(session, text=q, limit=page_size)
        figures = customer_search.figures_of(session, customer_ids=[c.id for c in found_customers])
        return serialize.collection(
            [serialize_customers.customer(c, figures.get(c.id)) for c in found_customers]
        )
    require(Permission.VIEW_CATALOG)(principal)
    found = catalog.search_products(session, text=q, limit=page_size)
    return serialize.collection(products_out(session, found))
