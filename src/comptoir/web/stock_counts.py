"""Stock control > Counts: a new count (full or partial), its page, the count page used on a
phone or an iPad (scan or type, counts add up), the review and Apply, counts imported from
a file. Counting needs consignments:count (cashiers too); seeing the review needs
consignments:read; creating, starting, applying and cancelling need consignments:write.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission, role_allows
from comptoir.catalog import entities
from comptoir.catalog.models import Brand, Product, ProductType, Supplier, Tag
from comptoir.core.errors import DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.inventory.consignments import stocktakes
from comptoir.inventory.consignments.common import history
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
)
from comptoir.store import service as store
from comptoir.web import stock_count_imports
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(prefix="/stock-control/counts", include_in_schema=False)
Counter = Annotated[User, Depends(page_requires(Permission.COUNT_STOCK))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CONSIGNMENTS))]
Manager = Annotated[User, Depends(page_requires(Permission.MANAGE_CONSIGNMENTS))]
RECENT = 30
STATUS_LABELS = {
    ConsignmentStatus.STOCKTAKE_SCHEDULED.value: N_("Scheduled"),
    ConsignmentStatus.STOCKTAKE_IN_PROGRESS.value: N_("In progress"),
    ConsignmentStatus.STOCKTAKE_IN_PROGRESS_PROCESSED.value: N_("In progress"),
    ConsignmentStatus.STOCKTAKE_COMPLETE.value: N_("Complete"),
    ConsignmentStatus.CANCELLED.value: N_("Cancelled"),
}
FILTER_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("brand_ids", N_("Brands"), Brand),
    ("product_type_ids", N_("Product types"), ProductType),
    ("supplier_ids", N_("Suppliers"), Supplier),
    ("tag_ids", N_("Tags"), Tag),
)


async def _form(request: Request) -> Any:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    return form


def _can(user: User, permission: Permission) -> bool:
    return role_allows(user.role, permission)


# -- the counts in progress, a new count ----------------------------------------------------


@router.get("")
def open_counts(request: Request, session: SessionDep, user: Counter) -> Response:
    """The counts scheduled or in progress: where a counter finds the one to count."""
    counts = session.scalars(
        select(Consignment)
        .where(
            Consignment.type == ConsignmentType.STOCKTAKE.value,
            Consignment.status.in_(
                [
                    ConsignmentStatus.STOCKTAKE_SCHEDULED.value,
                    ConsignmentStatus.STOCKTAKE_IN_PROGRESS.value,
                ]
            ),
            Consignment.deleted_at.is_(None),
        )
        .order_by(desc(Consignment.created_at))
    ).all()
    outlets = {o.id: o.name for o in store.list_outlets(session)}
    return render(
        request,
        "stock/counts/list.html",
        counts=counts,
        outlets=outlets,
        labels=STATUS_LABELS,
        can_manage=_can(user, Permission.MANAGE_CONSIGNMENTS),
    )


def _new_page(
    request: Request, session: Session, *, values: Any, error: str | None, status_code: int = 200
) -> Response:
    choices = {
        name: [(str(e.id), e.name) for e in entities.list_entities(session, model)]
        for name, _label, model in FILTER_FIELDS
    }
    return render(
        request,
        "stock/counts/new.html",
        outlets=store.list_outlets(session),
        filter_fields=FILTER_FIELDS,
        choices=choices,
        values=values,
        error=error,
        status_code=status_code,
    )


@router.get("/new")
def new_count(request: Request, session: SessionDep, _user: Manager) -> Response:
    return _new_page(request, session, values={}, error=None)


def _ids(form: Any, name: str) -> tuple[uuid.UUID, ...]:
    try:
        return tuple(uuid.UUID(str(v)) for v in form.getlist(name) if str(v).strip())
    except ValueError:
        raise InvalidInput(N_("a choice in the list is not valid"), field=name) from None


def _picked_products(session: Session, text: str) -> tuple[uuid.UUID, ...]:
    """The hand-picked list: one SKU or barcode per line."""
    picked: list[uuid.UUID] = []
    for code in (line.strip() for line in text.splitlines()):
        if not code:
            continue
        product = stocktakes.find_product_by_code(session, code)
        if product is None:
            raise InvalidInput(
                N_("no product has this SKU or barcode"), field="products", code=code
            )
        picked.append(product.id)
    return tuple(dict.fromkeys(picked))


@router.post("/new")
async def create_count(
    request: Request, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    form = await _form(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    try:
        try:
            outlet_id = uuid.UUID(values.get("outlet_id", ""))
        except ValueError:
            raise InvalidInput(N_("choose an outlet"), field="outlet_id") from None
        filters = stocktakes.StocktakeFilters()
        if values.get("scope") == "partial":
            filters = stocktakes.StocktakeFilters(
                brand_ids=_ids(form, "brand_ids"),
                product_type_ids=_ids(form, "product_type_ids"),
                supplier_ids=_ids(form, "supplier_ids"),
                tag_ids=_ids(form, "tag_ids"),
                product_ids=_picked_products(session, values.get("products", "")),
            )
            if filters.is_full:
                raise InvalidInput(
                    N_("a partial count needs a brand, a type, a supplier, a tag or a product"),
                    field="scope",
                )
        count = stocktakes.create_stocktake(
            uow,
            outlet_id=outlet_id,
            name=values.get("name"),
            filters=filters,
            show_inactive=values.get("show_inactive") == "on",
            user_id=user.id,
        )
        if values.get("start_now") == "on":
            stocktakes.start_stocktake(uow, consignment_id=count.id, user_id=user.id)
        uow.commit()
    except DomainError as error:
        return _new_page(
            request, session, values=values, error=error.message, status_code=status_of(error)
        )
    return RedirectResponse(f"/stock-control/counts/{count.id}", status_code=303)


# -- a count's page ---------------------------------------------------------------------------


def _figures(session: Session, count_id: uuid.UUID) -> dict[str, int]:
    lines = session.execute(
        select(ConsignmentProduct.received).where(
            ConsignmentProduct.consignment_id == count_id,
            ConsignmentProduct.deleted_at.is_(None),
        )
    ).all()
    return {"lines": len(lines), "counted": sum(1 for (r,) in lines if r is not None)}


@router.get("/{count_id}")
def count_page(
    request: Request, session: SessionDep, user: Counter, count_id: uuid.UUID
) -> Response:
    count = stocktakes.get_stocktake(session, count_id)
    filters = stocktakes.filters_of(count)
    names = {
        name: [
            e.name
            for e in session.scalars(select(model).where(model.id.in_(getattr(filters, name))))
        ]
        if getattr(filters, name)
        else []
        for name, _label, model in FILTER_FIELDS
    }
    picked = (
        list(session.scalars(select(Product.name).where(Product.id.in_(filters.product_ids))))
        if filters.product_ids
        else []
    )
    outlet = next(o for o in store.list_outlets(session) if o.id == count.outlet_id)
    return render(
        request,
        "stock/counts/count.html",
        count=count,
        outlet=outlet,
        filters=filters,
        filter_fields=FILTER_FIELDS,
        names=names,
        picked=picked,
        figures=_figures(session, count_id),
        events=history(session, count_id),
        labels=STATUS_LABELS,
        can_manage=_can(user, Permission.MANAGE_CONSIGNMENTS),
        can_review=_can(user, Permission.VIEW_CONSIGNMENTS),
        error=request.query_params.get("error"),
    )


def _manage(uow: Any, action: str, count_id: uuid.UUID, user: User) -> str | None:
    try:
        if action == "start":
            stocktakes.start_stocktake(uow, consignment_id=count_id, user_id=user.id)
        else:
            stocktakes.cancel_stocktake(uow, consignment_id=count_id, user_id=user.id)
        uow.commit()
    except DomainError as error:
        return error.message
    return None


@router.post("/{count_id}/start")
async def start_count(
    request: Request, uow: UowDep, user: Manager, count_id: uuid.UUID
) -> Response:
    await _form(request)
    error = _manage(uow, "start", count_id, user)
    if error is None:
        return RedirectResponse(f"/stock-control/counts/{count_id}/scan", status_code=303)
    return _back(count_id, error)


@router.post("/{count_id}/cancel")
async def cancel_count(
    request: Request, uow: UowDep, user: Manager, count_id: uuid.UUID
) -> Response:
    await _form(request)
    return _back(count_id, _manage(uow, "cancel", count_id, user))


def _back(count_id: uuid.UUID, error: str | None) -> Response:
    """Back to the count's page, with the refusal to show there."""
    query = f"?{urlencode({'error': error})}" if error else ""
    return RedirectResponse(f"/stock-control/counts/{count_id}{query}", status_code=303)


# -- counting on a phone or an iPad -------------------------------------------------------------


def _scan_page(
    request: Request,
    session: Session,
    count_id: uuid.UUID,
    *,
    error: str | None = None,
    last: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    count = stocktakes.get_stocktake(session, count_id)
    recent = session.execute(
        select(Product.name, Product.sku, ConsignmentProduct.received, Product.id)
        .join(Product, Product.id == ConsignmentProduct.product_id)
        .where(
            ConsignmentProduct.consignment_id == count_id,
            ConsignmentProduct.received.is_not(None),
            ConsignmentProduct.deleted_at.is_(None),
        )
        .order_by(desc(ConsignmentProduct.updated_at))
        .limit(RECENT)
    ).all()
    last_line = next((r for r in recent if str(r.id) == last), None) if last else None
    return render(
        request,
        "stock/counts/scan.html",
        count=count,
        recent=recent,
        last=last_line,
        figures=_figures(session, count_id),
        batch=uuid.uuid4(),
        values=values or {},
        error=error,
        status_code=status_code,
    )


@router.get("/{count_id}/scan")
def scan_page(
    request: Request,
    session: SessionDep,
    _user: Counter,
    count_id: uuid.UUID,
    last: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _scan_page(request, session, count_id, last=last)


@router.post("/{count_id}/scan")
async def post_scan(
    request: Request, uow: UowDep, session: SessionDep, user: Counter, count_id: uuid.UUID
) -> Response:
    form = await _form(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    try:
        code = values.get("code", "").strip()
        if not code:
            raise InvalidInput(N_("scan or type a barcode or a SKU"), field="code")
        product = stocktakes.find_product_by_code(session, code)
        if product is None:
            raise InvalidInput(N_("no product has this SKU or barcode"), field="code", code=code)
        try:
            batch = uuid.UUID(values.get("batch", ""))
        except ValueError:
            batch = uuid.uuid4()
        stocktakes.count_products(
            uow,
            consignment_id=count_id,
            counts=[(product.id, values.get("quantity", "").strip() or "1")],
            user_id=user.id,
            delivery_id=batch,
        )
        uow.commit()
    except DomainError as error:
        return _scan_page(
            request,
            session,
            count_id,
            error=error.message,
            values=values,
            status_code=status_of(error),
        )
    return RedirectResponse(
        f"/stock-control/counts/{count_id}/scan?last={product.id}", status_code=303
    )


@router.post("/{count_id}/scan/clear")
async def clear_line(
    request: Request, uow: UowDep, session: SessionDep, user: Counter, count_id: uuid.UUID
) -> Response:
    form = await _form(request)
    try:
        try:
            product_id = uuid.UUID(str(form.get("product_id") or ""))
        except ValueError:
            raise InvalidInput(
                N_("no product has this SKU or barcode"), field="product_id"
            ) from None
        stocktakes.clear_count(uow, consignment_id=count_id, product_id=product_id, user_id=user.id)
        uow.commit()
    except DomainError as error:
        return _scan_page(
            request, session, count_id, error=error.message, status_code=status_of(error)
        )
    return RedirectResponse(f"/stock-control/counts/{count_id}/scan", status_code=303)


# -- review and apply ---------------------------------------------------------------------------


def _review_page(
    request: Request,
    session: Session,
    user: User,
    count_id: uuid.UUID,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    count = stocktakes.get_stocktake(session, count_id)
    review = stocktakes.review_stocktake(session, consignment_id=count_id)
    return render(
        request,
        "stock/counts/review.html",
        count=count,
        review=review,
        currency=store.get_retailer(session).currency,
        can_apply=_can(user, Permission.MANAGE_CONSIGNMENTS)
        and count.status == ConsignmentStatus.STOCKTAKE_IN_PROGRESS.value,
        shown=500,
        error=error,
        status_code=status_code,
    )


@router.get("/{count_id}/review")
def review_page(
    request: Request, session: SessionDep, user: Viewer, count_id: uuid.UUID
) -> Response:
    return _review_page(request, session, user, count_id)


@router.post("/{count_id}/apply")
async def apply_count(
    request: Request, uow: UowDep, session: SessionDep, user: Manager, count_id: uuid.UUID
) -> Response:
    form = await _form(request)
    try:
        stocktakes.apply_stocktake(
            uow,
            consignment_id=count_id,
            uncounted=str(form.get("uncounted") or ""),
            user_id=user.id,
        )
        uow.commit()
    except DomainError as error:
        return _review_page(
            request, session, user, count_id, error=error.message, status_code=status_of(error)
        )
    return RedirectResponse(f"/stock-control/counts/{count_id}", status_code=303)


# Counts from a file: their routes live beside these, under the same prefix.
router.include_router(stock_count_imports.router)
