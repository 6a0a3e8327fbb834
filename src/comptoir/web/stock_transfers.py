"""Stock control > transfers between outlets: create, add products (search or scan), send,
receive (typed or scanned quantities, differences shown), cancel; each transfer's page with
its lines, stock at both outlets, stock in transit and history. VIEW_CONSIGNMENTS to see,
MANAGE_CONSIGNMENTS to change (a cashier gets 403).

The helpers at the top (finding a product from a typed code, reading quantities, the
history) serve the supplier return pages too (web/stock_returns.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product
from comptoir.core.errors import DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.ids import new_id
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.inventory import service as inventory
from comptoir.inventory.consignments import transfers
from comptoir.inventory.consignments.common import LineInput, history, lines_of, quantity_of
from comptoir.inventory.consignments.models import ConsignmentProduct
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import posted_form, uuid_or_none
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CONSIGNMENTS))]
Manager = Annotated[User, Depends(page_requires(Permission.MANAGE_CONSIGNMENTS))]

BAD_QUANTITY = N_("Enter a quantity of zero or more (up to 5 decimals).")
STATUS_LABELS = {
    "OPEN": N_("Open"),
    "SENT": N_("Sent"),
    "DISPATCHED": N_("Dispatched"),
    "RECEIVED": N_("Received"),
    "CANCELLED": N_("Cancelled"),
}
EVENT_LABELS = {
    "created": N_("Creation"),
    "lines_changed": N_("Products changed"),
    "line_removed": N_("Product removed"),
    "changed": N_("Details changed"),
    "sent": N_("Sent"),
    "received": N_("Received"),
    "cancelled": N_("Cancelled"),
    "credit_note_emailed": N_("Credit note emailed to the supplier"),
}


# -- shared by the transfer and return pages -------------------------------------------------


def plain(number: Decimal | None) -> str:
    """A quantity as an input's value: 5, 2.5 (not 5.00000, nor a locale's 1 000)."""
    return f"{(number or Decimal(0)).normalize():f}"


def quantity_field(text: str, *, field: str = "count") -> Decimal:
    """A typed quantity ("2", "2,5"); anything else is a clear error."""
    try:
        return quantity_of(text.replace(",", ".") if text else text, field=field)
    except InvalidInput:
        raise InvalidInput(BAD_QUANTITY, field=field) from None


def find_product(session: Session, code: str) -> tuple[Product | None, list[Product]]:
    """The product a scan or a search names: an exact barcode or SKU, or the only match;
    otherwise the candidates to choose from."""
    text = code.strip()
    if not text:
        raise InvalidInput(N_("Scan or type a product."), field="code")
    found = catalog.search_products(session, text=text, limit=8)
    if found and (found[0].sku == text or any(c.code == text for c in found[0].codes)):
        return found[0], []
    if len(found) == 1:
        return found[0], []
    if not found:
        raise InvalidInput(N_("No product matches this search."), field="code")
    return None, found


def line_inputs(
    values: dict[str, str], prefix: str, *, field: str, products: Sequence[uuid.UUID]
) -> list[LineInput]:
    """`prefix.<product id>` fields of the lines on the page, as quantities."""
    lines = []
    for product_id in products:
        typed = values.get(f"{prefix}.{product_id}")
        if typed is None:
            continue
        quantity = quantity_field(typed, field=f"{prefix}.{product_id}")
        if field == "received":
            lines.append(LineInput(product_id, received=quantity))
        else:
            lines.append(LineInput(product_id, count=quantity))
    return lines


def history_rows(session: Session, consignment_id: uuid.UUID) -> list[dict[str, Any]]:
    events = history(session, consignment_id)
    user_ids = {e.user_id for e in events if e.user_id}
    names: dict[uuid.UUID, str] = {}
    if user_ids:
        query = select(User.id, User.display_name).where(User.id.in_(user_ids))
        names = {user_id: name for user_id, name in session.execute(query)}
    return [
        {
            "at": e.created_at,
            "action": EVENT_LABELS.get(e.action, e.action),
            "who": names.get(e.user_id, "") if e.user_id else "",
            "detail": json.loads(e.detail) if e.detail else {},
        }
        for e in events
    ]


def error_of(error: DomainError) -> dict[str, str]:
    field = error.details.get("field")
    return {str(field) if field else "_form": error.message}


def products_of(session: Session, lines: Sequence[ConsignmentProduct]) -> dict[uuid.UUID, Product]:
    return catalog.products_by_id(session, product_ids=[line.product_id for line in lines])


# -- the transfer pages -------------------------------------------------------------------------


def _outlet_options(session: Session) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in store.list_outlets(session)]


def _new_page(
    request: Request, session: Session, *, values: dict[str, str], errors: dict[str, str],
    status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "stock/transfers/new.html",
        outlets=_outlet_options(session),
        values=values,
        errors=errors,
        status_code=status_code,
    )


@router.get("/stock-control/transfers/new")
def new_transfer_page(request: Request, session: SessionDep, _user: Manager) -> Response:
    outlets = store.list_outlets(session)
    values = {"source_outlet_id": str(outlets[0].id)} if outlets else {}
    if len(outlets) > 1:
        values["outlet_id"] = str(outlets[1].id)
    return _new_page(request, session, values=values, errors={})


@router.post("/stock-control/transfers/new")
async def create_transfer(
    request: Request, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    values = await posted_form(request)
    try:
        source = uuid_or_none(values.get("source_outlet_id"))
        destination = uuid_or_none(values.get("outlet_id"))
        if source is None:
            raise InvalidInput(N_("Choose an outlet."), field="source_outlet_id")
        if destination is None:
            raise InvalidInput(N_("Choose an outlet."), field="outlet_id")
        transfer = transfers.create_transfer(
            uow,
            source_outlet_id=source,
            outlet_id=destination,
            name=values.get("name"),
            user_id=user.id,
        )
        transfer_id = transfer.id
        uow.commit()
    except DomainError as error:
        return _new_page(
            request, session, values=values, errors=error_of(error), status_code=status_of(error)
        )
    return RedirectResponse(f"/stock-control/transfers/{transfer_id}", status_code=303)


def _transfer_page(
    request: Request,
    session: Session,
    transfer_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    candidates: Sequence[Product] = (),
    status_code: int = 200,
) -> Response:
    transfer = transfers.get_transfer(session, transfer_id)
    lines = sorted(lines_of(session, transfer.id).values(), key=lambda line: line.created_at)
    products = products_of(session, lines)
    ids = [line.product_id for line in lines]
    source = (
        store.get_outlet(session, outlet_id=transfer.source_outlet_id)
        if transfer.source_outlet_id
        else None
    )
    destination = store.get_outlet(session, outlet_id=transfer.outlet_id)
    at_source = (
        inventory.stock_by_product(session, product_ids=ids, outlet_id=transfer.source_outlet_id)
        if source
        else {}
    )
    at_destination = inventory.stock_by_product(
        session, product_ids=ids, outlet_id=transfer.outlet_id
    )
    in_transit = transfers.stock_in_transit(session, product_ids=ids, outlet_id=transfer.outlet_id)
    differences = transfers.differences_of(session, transfer.id)
    rows = [
        {
            "line": line,
            "product": products[line.product_id],
            "codes": " ".join(
                [c.code for c in products[line.product_id].codes]
                + [products[line.product_id].sku or ""]
            ).strip(),
            "plain_count": plain(line.count),
            "at_source": at_source.get(line.product_id, Decimal(0)),
            "at_destination": at_destination.get(line.product_id, Decimal(0)),
            "in_transit": in_transit.get(line.product_id, Decimal(0)),
            "difference": (line.received - (line.count or 0))
            if line.received is not None
            else None,
        }
        for line in lines
    ]
    return render(
        request,
        "stock/transfers/transfer.html",
        transfer=transfer,
        source=source,
        destination=destination,
        rows=rows,
        totals=_totals(lines),
        lost=[d for d in differences if d.quantity < 0],
        over=[d for d in differences if d.quantity > 0],
        lost_value=-sum((d.value for d in differences if d.quantity < 0), Decimal(0)),
        names={p.id: p.name for p in products.values()},
        history=history_rows(session, transfer.id),
        status_labels=STATUS_LABELS,
        currency=store.get_retailer(session).currency,
        delivery_id=str(new_id()),
        candidates=candidates,
        errors=errors or {},
        values=values or {},
        status_code=status_code,
    )


def _totals(lines: Sequence[ConsignmentProduct]) -> dict[str, Decimal]:
    sent = sum((line.count or Decimal(0) for line in lines), Decimal(0))
    value = sum(
        ((line.count or Decimal(0)) * (line.cost or Decimal(0)) for line in lines), Decimal(0)
    )
    received = sum((line.received or Decimal(0) for line in lines), Decimal(0))
    return {"sent": sent, "received": received, "value": value}


@router.get("/stock-control/transfers/{transfer_id}")
def transfer_page(
    request: Request, transfer_id: uuid.UUID, session: SessionDep, _user: Viewer
) -> Response:
    return _transfer_page(request, session, transfer_id)


def _back(transfer_id: uuid.UUID, anchor: str = "") -> Response:
    return RedirectResponse(f"/stock-control/transfers/{transfer_id}{anchor}", status_code=303)


@router.post("/stock-control/transfers/{transfer_id}/lines")
async def add_to_transfer(
    request: Request, transfer_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    """A scan or a search adds the product (the quantity typed, else 1) to what is there."""
    values = await posted_form(request)
    try:
        quantity = quantity_field(values.get("quantity") or "1", field="quantity")
        product_id = uuid_or_none(values.get("product_id"))
        candidates: list[Product] = []
        if product_id is None:
            product, candidates = find_product(session, values.get("code", ""))
            product_id = product.id if product else None
        if product_id is None:
            return _transfer_page(
                request, session, transfer_id, values=values, candidates=candidates
            )
        transfers.change_transfer_lines(
            uow,
            consignment_id=transfer_id,
            lines=[LineInput(product_id, count=quantity)],
            accumulate=True,
            user_id=user.id,
        )
        uow.commit()
    except DomainError as error:
        return _transfer_page(
            request, session, transfer_id, values=values, errors=error_of(error),
            status_code=status_of(error),
        )  # fmt: skip
    return _back(transfer_id, "#add-product")


@router.post("/stock-control/transfers/{transfer_id}/quantities")
async def set_transfer_quantities(
    request: Request, transfer_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    values = await posted_form(request)
    try:
        ids = list(lines_of(session, transfer_id))
        lines = line_inputs(values, "count", field="count", products=ids)
        if lines:
            transfers.change_transfer_lines(
                uow, consignment_id=transfer_id, lines=lines, user_id=user.id
            )
            uow.commit()
    except DomainError as error:
        return _transfer_page(
            request, session, transfer_id, values=values, errors=error_of(error),
            status_code=status_of(error),
        )  # fmt: skip
    return _back(transfer_id)


@router.post("/stock-control/transfers/{transfer_id}/lines/{product_id}/remove")
async def remove_from_transfer(
    request: Request,
    transfer_id: uuid.UUID,
    product_id: uuid.UUID,
    uow: UowDep,
    session: SessionDep,
    user: Manager,
) -> Response:
    await posted_form(request)
    try:
        transfers.remove_transfer_line(
            uow, consignment_id=transfer_id, product_id=product_id, user_id=user.id
        )
        uow.commit()
    except DomainError as error:
        return _transfer_page(
            request, session, transfer_id, errors=error_of(error), status_code=status_of(error)
        )
    return _back(transfer_id)


@router.post("/stock-control/transfers/{transfer_id}/send")
async def send_transfer(
    request: Request, transfer_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    await posted_form(request)
    try:
        transfers.send_transfer(uow, consignment_id=transfer_id, user_id=user.id)
        uow.commit()
    except DomainError as error:
        return _transfer_page(
            request, session, transfer_id, errors=error_of(error), status_code=status_of(error)
        )
    return _back(transfer_id)


@router.post("/stock-control/transfers/{transfer_id}/receive")
async def receive_transfer(
    request: Request, transfer_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    """The received quantities typed or scanned; the form's delivery id makes a second
    submission (a double click, a retry) change nothing."""
    values = await posted_form(request)
    try:
        delivery_id = uuid_or_none(values.get("delivery_id"))
        if delivery_id is None:
            raise InvalidInput(N_("The form expired; reload the page."))
        ids = list(lines_of(session, transfer_id))
        lines = line_inputs(values, "received", field="received", products=ids)
        transfers.receive_transfer(
            uow, consignment_id=transfer_id, delivery_id=delivery_id, lines=lines, user_id=user.id
        )
        uow.commit()
    except DomainError as error:
        return _transfer_page(
            request, session, transfer_id, values=values, errors=error_of(error),
            status_code=status_of(error),
        )  # fmt: skip
    return _back(transfer_id)


@router.post("/stock-control/transfers/{transfer_id}/cancel")
async def cancel_transfer(
    request: Request, transfer_id: uuid.UUID, uow: UowDep, session: SessionDep, user: Manager
) -> Response:
    await posted_form(request)
    try:
        transfers.cancel_transfer(uow, consignment_id=transfer_id, user_id=user.id)
        uow.commit()
    except DomainError as error:
        return _transfer_page(
            request, session, transfer_id, errors=error_of(error), status_code=status_of(error)
        )
    return _back(transfer_id)
