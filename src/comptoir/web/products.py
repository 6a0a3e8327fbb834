from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import entities, labels
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Brand, ProductType, Supplier, Tag
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep
from comptoir.inventory import service as inventory
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.product_form import chosen_id
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
PAGE = 50
CatalogViewer = Annotated[User, Depends(page_requires(Permission.VIEW_CATALOG))]


FILTER_FIELDS = ("q", "brand", "supplier", "type", "tag", "status", "low_stock")


@dataclass(frozen=True)
class ListRequest:
    """The list's filters and position as they stand in the URL (kept by every link)."""

    values: dict[str, str]
    after: str = ""
    before: str = ""

    def query(self, **position: str) -> str:
        """The URL query of this list at another position (`after=` or `before=`)."""
        kept = {k: v for k, v in self.values.items() if v}
        return urlencode({**kept, **{k: v for k, v in position.items() if v}})


def encode_key(key: catalog.FamilyKey | None) -> str:
    if key is None:
        return ""
    raw = json.dumps([key.name, str(key.family_id)], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(value: str) -> catalog.FamilyKey | None:
    """A position from the URL; a damaged one starts the list from the top."""
    if not value:
        return None
    try:
        name, family_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        return catalog.FamilyKey(str(name), uuid.UUID(str(family_id)))
    except (ValueError, TypeError):
        return None


def product_filter(values: dict[str, str], errors: dict[str, str]) -> catalog.ProductFilter:
    status = values.get("status", "")
    if status not in ("", "active", "inactive"):
        errors["status"] = N_("Choose a value from the list.")
    return catalog.ProductFilter(
        text=values.get("q", "").strip() or None,
        brand_id=chosen_id(values, "brand", errors),
        supplier_id=chosen_id(values, "supplier", errors),
        product_type_id=chosen_id(values, "type", errors),
        tag_id=chosen_id(values, "tag", errors),
        active={"active": True, "inactive": False}.get(status),
        low_stock_at=chosen_id(values, "low_stock", errors),
    )


@router.get("/products")
def product_list(
    request: Request,
    session: SessionDep,
    _user: CatalogViewer,
    q: Annotated[str, Query(max_length=200)] = "",
    brand: Annotated[str, Query(max_length=40)] = "",
    supplier: Annotated[str, Query(max_length=40)] = "",
    type: Annotated[str, Query(max_length=40)] = "",
    tag: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=10)] = "",
    low_stock: Annotated[str, Query(max_length=40)] = "",
    after: Annotated[str, Query(max_length=2000)] = "",
    before: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    values = {
        "q": q,
        "brand": brand,
        "supplier": supplier,
        "type": type,
        "tag": tag,
        "status": status,
        "low_stock": low_stock,
    }
    return _list_page(request, session, listing=ListRequest(values, after=after, before=before))


def _list_page(
    request: Request,
    session: SessionDep,
    *,
    listing: ListRequest,
    error: str | None = None,
    label_size: str = labels.DEFAULT_SIZE,
    selected: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors: dict[str, str] = {}
    filters = product_filter(listing.values, errors)
    page = catalog.list_product_families(
        session,
        filters=filters,
        after=decode_key(listing.after),
        before=decode_key(listing.before),
        limit=PAGE,
    )
    listed = [p.id for family in page.families for p in family]
    outlets = store.list_outlets(session)
    stock = {
        outlet.id: inventory.stock_by_product(session, product_ids=listed, outlet_id=outlet.id)
        for outlet in outlets
    }
    return render(
        request,
        "products.html",
        status_code=422 if errors and status_code == 200 else status_code,
        error=error,
        errors=errors,
        label_sizes=labels.LABEL_SIZES.values(),
        label_size=label_size,
        selected=selected or {},
        families=page.families,
        outlets=outlets,
        stock=stock,
        listing=listing,
        values=listing.values,
        next_query=listing.query(after=encode_key(page.next_after)) if page.next_after else None,
        previous_query=(
            listing.query(before=encode_key(page.previous_before)) if page.previous_before else None
        ),
        brands=entities.list_entities(session, Brand),
        suppliers=entities.list_entities(session, Supplier),
        product_types=entities.list_entities(session, ProductType),
        tags=entities.list_entities(session, Tag),
        retailer=store.get_retailer(session),
    )


@router.post("/products/labels")
async def print_labels(request: Request, session: SessionDep, _user: CatalogViewer) -> Response:
    """Barcode labels (PDF, one label per page) for the ticked products and their quantities."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    size = str(form.get("size") or "")
    listing = ListRequest(
        {name: str(form.get(name) or "")[:200] for name in FILTER_FIELDS},
        after=str(form.get("after") or "")[:2000],
        before=str(form.get("before") or "")[:2000],
    )
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
            listing=listing,
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
