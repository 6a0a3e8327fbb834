"""Purchase order pages: create, the order (lines, add by search or scan, edit, fill from
reorder points, send, receive, cancel, history, PDF). Each route turns a form into one call
of `inventory.consignments.orders` and a domain error into a message on the page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission, role_allows
from comptoir.catalog import entities
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product, Supplier
from comptoir.core.errors import DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.inventory import service as inventory
from comptoir.inventory.consignments import common, orders
from comptoir.inventory.consignments.common import LineInput
from comptoir.inventory.consignments.models import Consignment, ConsignmentStatus
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import posted_form, uuid_or_none
from comptoir.web.render import render
from comptoir.web.stock_control import STATUS_LABELS

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CONSIGNMENTS))]
Manager = Annotated[User, Depends(page_requires(Permission.MANAGE_CONSIGNMENTS))]
BASE = "/stock-control/orders"

EVENT_LABELS = {
    "created": N_("Created"),
    "lines_changed": N_("Products changed"),
    "line_removed": N_("Product removed"),
    "filled_from_reorder_points": N_("Filled from reorder points"),
    "sent": N_("Sent"),
    "dispatched": N_("Partly received"),
    "received_partly": N_("Partly received"),
    "received": N_("Received"),
    "cancelled": N_("Cancelled"),
}
NOTICES = {
    "sent": N_("The order was sent to the supplier by email, with its PDF."),
    "sent_no_email": N_(
        "The order is marked as sent, but the supplier has no email address: download the "
        "PDF and send it yourself."
    ),
    "received": N_("The delivery was received: the stock and supply prices are updated."),
    "replayed": N_("This delivery had already been received: nothing was changed."),
    "over": N_("More was received than ordered for some products: check the delivery."),
    "filled": N_("The products below their reorder point were added."),
    "filled_none": N_("No product of this supplier is below its reorder point."),
    "cancelled": N_("The order was cancelled."),
    "saved": N_("The order was saved."),
}


def plain(value: Decimal | None) -> str:
    """A quantity or price as typed back in a field: "12", "2.5" (no exponent, no padding)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


# -- reading a form -----------------------------------------------------------------------


def _quantity(text: str, *, field: str) -> Decimal:
    """A quantity or cost typed on the page (a comma is a decimal point too)."""
    return common.quantity_of(text.strip().replace(",", "."), field=field)


def _due_at(text: str, time_zone: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(N_("enter a date"), field="due_at") from None
    return datetime.combine(day, time(12), ZoneInfo(time_zone)).astimezone(UTC)


# -- creating -----------------------------------------------------------------------------


def _new_page(request: Request, session: Any, **context: Any) -> Response:
    return render(
        request,
        "stock/order_new.html",
        outlets=store.list_outlets(session),
        suppliers=entities.list_entities(session, Supplier),
        **context,
    )


@router.get(BASE + "/new")
def new_order_page(request: Request, session: SessionDep, _user: Manager) -> Response:
    return _new_page(request, session, values={})


@router.post(BASE + "/new")
async def post_new_order(
    request: Request, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    values = await posted_form(request)
    try:
        outlet_id = uuid_or_none(values.get("outlet_id"))
        if outlet_id is None:
            raise InvalidInput(N_("choose an outlet"), field="outlet_id")
        outlet = store.get_outlet(session, outlet_id=outlet_id)
        order = orders.create_order(
            uow,
            outlet_id=outlet_id,
            supplier_id=uuid_or_none(values.get("supplier_id")),
            name=values.get("name", "")[:255],
            reference=values.get("reference", "")[:100] or None,
            due_at=_due_at(values.get("due_at", ""), outlet.time_zone),
            user_id=user.id,
        )
        uow.commit()
    except DomainError as error:
        return _new_page(
            request, session, values=values, error=error.message, status_code=status_of(error)
        )
    return RedirectResponse(f"{BASE}/{order.id}", status_code=303)


# -- the order page -----------------------------------------------------------------------


def _order_page(
    request: Request, session: Any, consignment_id: uuid.UUID, **context: Any
) -> Response:
    order = orders.get_order(session, consignment_id)
    lines = common.lines_of(session, order.id)
    products = catalog.products_by_id(session, product_ids=list(lines))
    rows = sorted(
        (
            (products[pid], line)
            for pid, line in lines.items()
            if pid in products  # a product deleted since keeps its line, not its row here
        ),
        key=lambda row: (row[0].variant_name.lower(), row[0].id.int),
    )
    stock = inventory.stock_by_product(session, product_ids=list(lines), outlet_id=order.outlet_id)
    supplier = session.get(Supplier, order.supplier_id) if order.supplier_id else None
    outlet = store.get_outlet(session, outlet_id=order.outlet_id)
    user = request.state.user
    status = ConsignmentStatus(order.status)
    query = str(context.pop("q", "") or "")
    results = catalog.search_products(session, text=query, limit=20) if query.strip() else []
    return render(
        request,
        "stock/order.html",
        order=order,
        rows=rows,
        stock=stock,
        supplier=supplier,
        outlet=outlet,
        totals=common.totals_of(session, order.id),
        events=common.history(session, order.id),
        event_labels=EVENT_LABELS,
        status_label=STATUS_LABELS.get(order.status, order.status),
        currency=store.get_retailer(session).currency,
        can_manage=role_allows(user.role, Permission.MANAGE_CONSIGNMENTS),
        editable=status
        in (
            ConsignmentStatus.OPEN,
            ConsignmentStatus.SENT,
            ConsignmentStatus.DISPATCHED,
        ),
        can_send=status is ConsignmentStatus.OPEN,
        delivery_id=str(uuid.uuid4()),
        q=query,
        results=results,
        plain=plain,
        **context,
    )


@router.get(BASE + "/{consignment_id}")
def order_page(
    request: Request,
    consignment_id: uuid.UUID,
    session: SessionDep,
    _user: Viewer,
    q: str = "",
    notice: str = "",
) -> Response:
    return _order_page(
        request, session, consignment_id, q=q[:100], notice=NOTICES.get(notice), values={}
    )


@router.get(BASE + "/{consignment_id}/pdf")
def order_pdf(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, _user: Viewer
) -> Response:
    order = orders.get_order(session, consignment_id)
    pdf = orders.order_pdf(session, consignment_id=consignment_id)
    name = (order.reference or "order").replace('"', "")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


async def _act(
    request: Request,
    consignment_id: uuid.UUID,
    session: Any,
    uow: UnitOfWork,
    action: Callable[[dict[str, str]], str],
) -> Response:
    """Run `action` (a call of `orders`, returning the notice to show) on the posted form,
    commit, and go back to the order; a domain error is shown on the page instead."""
    values = await posted_form(request)
    try:
        notice = action(values)
        uow.commit()
    except DomainError as error:
        return _order_page(
            request,
            session,
            consignment_id,
            error=error.message,
            values=values,
            status_code=status_of(error),
        )
    suffix = f"?notice={notice}" if notice else ""
    return RedirectResponse(f"{BASE}/{consignment_id}{suffix}", status_code=303)


def _find_product(session: Any, code: str) -> Product:
    """The product a scan or a typed SKU names: exactly one match, else a clear error."""
    found = catalog.search_products(session, text=code, limit=2)
    exact = [p for p in found if p.sku == code or any(c.code == code for c in p.codes)]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    raise InvalidInput(N_("no single product matches this code: search for it by name"))


@router.post(BASE + "/{consignment_id}/add")
async def post_add(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def add(values: dict[str, str]) -> str:
        product_id = uuid_or_none(values.get("product_id"))
        code = values.get("code", "").strip()
        if product_id is None:
            if not code:
                raise InvalidInput(N_("scan or type a barcode or SKU"), field="code")
            product_id = _find_product(session, code).id
        quantity = _quantity(values.get("quantity") or "1", field="quantity")
        orders.set_order_lines(
            uow,
            consignment_id=consignment_id,
            lines=[LineInput(product_id, count=quantity)],
            accumulate=True,
            user_id=user.id,
        )
        return ""

    return await _act(request, consignment_id, session, uow, add)


@router.post(BASE + "/{consignment_id}/lines")
async def post_lines(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def save(values: dict[str, str]) -> str:
        removed = uuid_or_none(values.get("remove"))
        if removed is not None:
            orders.remove_order_line(
                uow, consignment_id=consignment_id, product_id=removed, user_id=user.id
            )
            return ""
        lines = []
        for key, text in values.items():
            if not key.startswith("count_"):
                continue
            product_id = uuid_or_none(key.removeprefix("count_"))
            if product_id is None:
                continue
            cost_text = values.get(f"cost_{product_id}", "")
            lines.append(
                LineInput(
                    product_id,
                    count=_quantity(text or "0", field=key),
                    cost=_quantity(cost_text, field=f"cost_{product_id}")
                    if cost_text.strip()
                    else None,
                )
            )
        if lines:
            orders.set_order_lines(uow, consignment_id=consignment_id, lines=lines, user_id=user.id)
        return "saved"

    return await _act(request, consignment_id, session, uow, save)


@router.post(BASE + "/{consignment_id}/fill")
async def post_fill(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def fill(_values: dict[str, str]) -> str:
        filled = orders.fill_from_reorder_points(
            uow, consignment_id=consignment_id, user_id=user.id
        )
        return "filled" if filled.added else "filled_none"

    return await _act(request, consignment_id, session, uow, fill)


@router.post(BASE + "/{consignment_id}/send")
async def post_send(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def send(_values: dict[str, str]) -> str:
        sent = orders.send_order(uow, consignment_id=consignment_id, user_id=user.id)
        return "sent" if sent.emailed_to else "sent_no_email"

    return await _act(request, consignment_id, session, uow, send)


@router.post(BASE + "/{consignment_id}/cancel")
async def post_cancel(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def cancel(_values: dict[str, str]) -> str:
        orders.cancel_order(uow, consignment_id=consignment_id, user_id=user.id)
        return "cancelled"

    return await _act(request, consignment_id, session, uow, cancel)


def _delivery_id(values: dict[str, str]) -> uuid.UUID:
    # The form carries the id it was rendered with: posting it twice is one delivery.
    delivery_id = uuid_or_none(values.get("delivery_id"))
    if delivery_id is None:
        raise InvalidInput(N_("the form expired: reload the page"), field="delivery_id")
    return delivery_id


def _receipt_notice(receipt: common.Receipt) -> str:
    if receipt.replayed:
        return "replayed"
    return "over" if receipt.over_received else "received"


@router.post(BASE + "/{consignment_id}/receive")
async def post_receive(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def receive(values: dict[str, str]) -> str:
        lines = []
        for key, text in values.items():
            if not key.startswith("received_") or not text.strip():
                continue
            product_id = uuid_or_none(key.removeprefix("received_"))
            if product_id is None:
                continue
            cost_text = values.get(f"new_cost_{product_id}", "")
            lines.append(
                LineInput(
                    product_id,
                    received=_quantity(text, field=key),
                    cost=_quantity(cost_text, field=f"new_cost_{product_id}")
                    if cost_text.strip()
                    else None,
                )
            )
        receipt = orders.receive_order(
            uow,
            consignment_id=consignment_id,
            delivery_id=_delivery_id(values),
            lines=lines,
            complete=values.get("complete") == "1",
            user_id=user.id,
        )
        return _receipt_notice(receipt)

    return await _act(request, consignment_id, session, uow, receive)


@router.post(BASE + "/{consignment_id}/receive-all")
async def post_receive_all(
    request: Request, consignment_id: uuid.UUID, session: SessionDep, uow: UowDep, user: Manager
) -> Response:
    def receive_all(values: dict[str, str]) -> str:
        receipt = orders.receive_order(
            uow,
            consignment_id=consignment_id,
            delivery_id=_delivery_id(values),
            lines=None,
            complete=True,
            user_id=user.id,
        )
        return _receipt_notice(receipt)

    return await _act(request, consignment_id, session, uow, receive_all)


def order_url(order: Consignment) -> str:
    return f"{BASE}/{order.id}"
