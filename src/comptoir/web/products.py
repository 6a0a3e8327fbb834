from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import labels
from comptoir.catalog import service as catalog
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep
from comptoir.inventory import service as inventory
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
PAGE = 50
CatalogViewer = Annotated[User, Depends(page_requires(Permission.VIEW_CATALOG))]


@router.get("/products")
def product_list(
    request: Request,
    session: SessionDep,
    _user: CatalogViewer,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _list_page(request, session, q=q, page=page)


def _list_page(
    request: Request,
    session: SessionDep,
    *,
    q: str,
    page: int,
    error: str | None = None,
    label_size: str = labels.DEFAULT_SIZE,
    selected: dict[str, str] | None = None,
    status_code: int = 200,
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
        status_code=status_code,
        error=error,
        label_sizes=labels.LABEL_SIZES.values(),
        label_size=label_size,
        selected=selected or {},
        products=products,
        outlets=outlets,
        stock=stock,
        q=q,
        page=page,
        has_next=has_next,
        retailer=store.get_retailer(session),
    )


@router.post("/products/labels")
async def print_labels(request: Request, session: SessionDep, _user: CatalogViewer) -> Response:
    """Barcode labels (PDF, one label per page) for the ticked products and their quantities."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    size = str(form.get("size") or "")
    q = str(form.get("q") or "")[:200]
    try:
        page = max(1, min(int(str(form.get("page") or "1")), 100_000))
    except ValueError:
        page = 1
    retailer = store.get_retailer(session)
    try:
        chosen = [(_product_id(str(v)), str(v)) for v in form.getlist("product")]
        products = [
            (
                catalog.get_product(session, product_id=product_id),
                _quantity(str(form.get(f"qty_{raw}") or "")),
            )
            for product_id, raw in chosen
        ]
        items = labels.items_from_products(
            products,
            currency=retailer.currency,
            tax_exclusive=retailer.tax_exclusive,
            locale=retailer.locale,
        )
        pdf = labels.render_labels(items, size)
    except InvalidInput as exc:
        # Shown above the list, with the ticked products and quantities lost: print again.
        return _list_page(
            request,
            session,
            q=q,
            page=page,
            error=exc.message,  # translated by the page, in the user's language
            label_size=size if size in labels.LABEL_SIZES else labels.DEFAULT_SIZE,
            selected={
                str(v): str(form.get(f"qty_{v}") or "1")[:10] for v in form.getlist("product")
            },
            status_code=422,
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="labels.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _product_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(N_("Choose products from the list."), field="product") from exc


def _quantity(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidInput(N_("Enter a whole number of labels."), field="quantity") from exc
