"""Stock control > returns to a supplier: create with a reason, add products (search or
scan) with quantities and unit costs, send (the stock leaves, the credit note is emailed to
the supplier), download the credit note PDF, cancel; history. VIEW_CONSIGNMENTS to see,
MANAGE_CONSIGNMENTS to change (a cashier gets 403)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import entities
from comptoir.catalog.models import Product, Supplier
from comptoir.core.errors import DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.inventory import service as inventory
from comptoir.inventory.consignments import supplier_returns
from comptoir.inventory.consignments.common import LineInput, lines_of
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import posted_form, uuid_or_none
from comptoir.web.render import render
from comptoir.web.stock_transfers import (
    STATUS_LABELS,
    error_of,
    find_product,
    history_rows,
    line_inputs,
    plain,
    products_of,
    quantity_field,
)

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CONSIGNMENTS))]
Manager = Annotated[User, Depends(page_requires(Permission.MANAGE_CONSIGNMENTS))]
BAD_COST = N_("Enter a unit cost of zero or more (up to 5 decimals).")


def _new_page(
    request: Request,
    session: Session,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "stock/returns/new.html",
        outlets=[(str(o.id), o.name) for o in store.list_outlets(session)],
        suppliers=[(str(s.id), s.name) for s in entities.list_entities(session, Supplier)],
        reasons=supplier_returns.REASONS,
        values=values,
        errors=errors,
        status_code=status_code,
    )


@router.get("/stock-control/returns/new")
def new_return_page(request: Request, session: SessionDep, _user: Manager) -> Response:
    outlets = store.list_outlets(session)
    values = {"outlet_id": str(outlets[0].id)} if outlets else {}
    return _new_page(request, session, values=values, errors={})


@router.post("/stock-control/returns/new")
async def create_return(
    request: Request, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    values = await posted_form(request)
    try:
        outlet_id = uuid_or_none(values.get("outlet_id"))
        supplier_id = uuid_or_none(values.get("supplier_id"))
        if outlet_id is None:
            raise InvalidInput(N_("Choose an outlet."), field="outlet_id")
        if supplier_id is None:
            raise InvalidInput(N_("Choose a supplier."), field="supplier_id")
        created = supplier_returns.create_supplier_return(
            uow,
            outlet_id=outlet_id,
            supplier_id=supplier_id,
            reason=values.get("reason"),
            name=values.get("name"),
            user_id=user.id,
        )
        return_id = created.id
        uow.commit()
    except DomainError as error:
        return _new_page(
            request, session, values=values, errors=error_of(error), status_code=status_of(error)
        )
    return RedirectResponse(f"/stock-control/returns/{return_id}", status_code=303)


def _return_page(
    request: Request,
    session: Session,
    return_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    candidates: Sequence[Product] = (),
    status_code: int = 200,
) -> Response:
    consignment = supplier_returns.get_supplier_return(session, return_id)
    lines = sorted(lines_of(session, return_id).values(), key=lambda line: line.created_at)
    products = products_of(session, lines)
    ids = [line.product_id for line in lines]
    on_hand = inventory.stock_by_product(session, product_ids=ids, outlet_id=consignment.outlet_id)
    supplier = session.get(Supplier, consignment.supplier_id) if consignment.supplier_id else None
    rows = [
        {
            "line": line,
            "product": products[line.product_id],
            "plain_count": plain(line.count),
            "plain_cost": plain(line.cost),
            "on_hand": on_hand.get(line.product_id, Decimal(0)),
            "total": (line.count or Decimal(0)) * (line.cost or Decimal(0)),
        }
        for line in lines
    ]
    return render(
        request,
        "stock/returns/return.html",
        consignment=consignment,
        outlet=store.get_outlet(session, outlet_id=consignment.outlet_id),
        supplier=supplier,
        rows=rows,
        total=sum(
            ((line.count or Decimal(0)) * (line.cost or Decimal(0)) for line in lines), Decimal(0)
        ),
        history=history_rows(session, return_id),
        status_labels=STATUS_LABELS,
        reasons=supplier_returns.REASONS,
        currency=store.get_retailer(session).currency,
        candidates=candidates,
        errors=errors or {},
        # The form shows what was typed, else what is saved.
        values={
            "reason": consignment.reason or "",
            "name": consignment.name or "",
            **(values or {}),
        },
        status_code=status_code,
    )


@router.get("/stock-control/returns/{return_id}")
def return_page(
    request: Request, return_id: uuid.UUID, session: SessionDep, _user: Viewer
) -> Response:
    return _return_page(request, session, return_id)


def _back(return_id: uuid.UUID, anchor: str = "") -> Response:
    return RedirectResponse(f"/stock-control/returns/{return_id}{anchor}", status_code=303)


@router.post("/stock-control/returns/{return_id}/lines")
async def add_to_return(
    request: Request, return_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    values = await posted_form(request)
    try:
        quantity = quantity_field(values.get("quantity") or "1", field="quantity")
        product_id = uuid_or_none(values.get("product_id"))
        candidates: list[Product] = []
        if product_id is None:
            product, candidates = find_product(session, values.get("code", ""))
            product_id = product.id if product else None
        if product_id is None:
            return _return_page(request, session, return_id, values=values, candidates=candidates)
        supplier_returns.change_return_lines(
            uow,
            consignment_id=return_id,
            lines=[LineInput(product_id, count=quantity)],
            accumulate=True,
            user_id=user.id,
        )
        uow.commit()
    except DomainError as error:
        return _return_page(
            request, session, return_id, values=values, errors=error_of(error),
            status_code=status_of(error),
        )  # fmt: skip
    return _back(return_id, "#add-product")


@router.post("/stock-control/returns/{return_id}/details")
async def save_return(
    request: Request, return_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    """The reason, the note, and each line's quantity and unit cost."""
    values = await posted_form(request)
    try:
        ids = list(lines_of(session, return_id))
        counts = {
            line.product_id: line.count
            for line in line_inputs(values, "count", field="count", products=ids)
        }
        costs: dict[uuid.UUID, Decimal] = {}
        for product_id in ids:
            typed = values.get(f"cost.{product_id}")
            if typed is not None:
                try:
                    costs[product_id] = quantity_field(typed, field=f"cost.{product_id}")
                except InvalidInput:
                    raise InvalidInput(BAD_COST, field=f"cost.{product_id}") from None
        supplier_returns.change_supplier_return(
            uow,
            consignment_id=return_id,
            reason=values.get("reason"),
            name=values.get("name"),
            user_id=user.id,
        )
        lines = [
            LineInput(product_id, count=counts.get(product_id), cost=costs.get(product_id))
            for product_id in ids
            if product_id in counts or product_id in costs
        ]
        if lines:
            supplier_returns.change_return_lines(
                uow, consignment_id=return_id, lines=lines, user_id=user.id
            )
        uow.commit()
    except DomainError as error:
        return _return_page(
            request, session, return_id, values=values, errors=error_of(error),
            status_code=status_of(error),
        )  # fmt: skip
    return _back(return_id)


@router.post("/stock-control/returns/{return_id}/lines/{product_id}/remove")
async def remove_from_return(
    request: Request,
    return_id: uuid.UUID,
    product_id: uuid.UUID,
    uow: UowDep,
    session: SessionDep,
    user: Manager,
) -> Response:
    await posted_form(request)
    try:
        supplier_returns.remove_return_line(
            uow, consignment_id=return_id, product_id=product_id, user_id=user.id
        )
        uow.commit()
    except DomainError as error:
        return _return_page(
            request, session, return_id, errors=error_of(error), status_code=status_of(error)
        )
    return _back(return_id)


@router.post("/stock-control/returns/{return_id}/send")
async def send_return(
    request: Request, return_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    await posted_form(request)
    try:
        supplier_returns.send_supplier_return(
            uow,
            consignment_id=return_id,
            user_id=user.id,
            locale=getattr(request.state, "locale", None),
        )
        uow.commit()
    except DomainError as error:
        return _return_page(
            request, session, return_id, errors=error_of(error), status_code=status_of(error)
        )
    return _back(return_id)


@router.post("/stock-control/returns/{return_id}/cancel")
async def cancel_return(
    request: Request, return_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    await posted_form(request)
    try:
        supplier_returns.cancel_supplier_return(uow, consignment_id=return_id, user_id=user.id)
        uow.commit()
    except DomainError as error:
        return _return_page(
            request, session, return_id, errors=error_of(error), status_code=status_of(error)
        )
    return _back(return_id)


@router.get("/stock-control/returns/{return_id}/credit-note.pdf")
def download_credit_note(
    request: Request, return_id: uuid.UUID, session: SessionDep, _user: Viewer
) -> Response:
    data = supplier_returns.credit_note_pdf(
        session, consignment_id=return_id, locale=getattr(request.state, "locale", None)
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="credit-note-{return_id}.pdf"'},
    )
