"""Caisse > Historique des ventes: the sales history (tabs, filters, keyset pages) and a
sale's page with the actions the user may take. Both read through `sales.search`, as the
API's `search?type=sales` does; a user limited to some outlets sees only their sales."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts import users
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import DomainError, InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.customers import account as customer_account
from comptoir.customers import listing as customer_listing
from comptoir.customers import service as customers
from comptoir.fiscal import records as fiscal
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep
from comptoir.payments.refunds import refunds_of_sale
from comptoir.printing import receipt_mail
from comptoir.sales import receipt_email
from comptoir.sales import search as sale_search
from comptoir.sales import service as sales
from comptoir.sales.models import Sale
from comptoir.sales.voiding import void_sale
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SALES))]
Text = Annotated[str, Query(max_length=100)]

TAB_LABELS = {
    "all": N_("All sales"),
    "returns": N_("Returns"),
    "in_progress": N_("In progress"),
}
STATUS_LABELS = {
    "SAVED": N_("Parked"),
    "CLOSED": N_("Completed"),
    "LAYBY": N_("Layby"),
    "LAYBY_CLOSED": N_("Layby completed"),
    "ONACCOUNT": N_("On account"),
    "ONACCOUNT_CLOSED": N_("On account completed"),
    "VOIDED": N_("Voided"),
}


def _id_or_none(raw: str, field: str) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise InvalidInput(N_("Choose from the list."), field=field) from exc


def _day_or_none(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(N_("Enter a date, such as 2024-05-31."), field=field) from exc


def visible_outlets(session: Session, user: User) -> list[uuid.UUID] | None:
    """The outlets whose sales `user` may see; None: every outlet."""
    return users.outlets_of(session, user_ids=[user.id]).get(user.id)


def _customer_id(session: Session, typed: str) -> uuid.UUID | None:
    """A customer's id, or their exact code or email as typed."""
    if not typed:
        return None
    try:
        return uuid.UUID(typed)
    except ValueError:
        pass
    lookup = (
        customer_listing.CustomerLookup(email=typed)
        if "@" in typed
        else customer_listing.CustomerLookup(code=typed)
    )
    found = customer_listing.page_customers_by_number(session, lookup=lookup, page=1, page_size=1)
    if not found.items:
        raise InvalidInput(N_("No customer has this code or email."), field="customer")
    return found.items[0].id


def _time_zone(
    session: Session,
    *,
    register_id: uuid.UUID | None,
    outlet_id: uuid.UUID | None,
    visible: list[uuid.UUID] | None,
) -> str:
    """The clock the dates are read on: the chosen register's or outlet's, the user's only
    outlet's, else the store's."""
    if register_id is not None:
        return store.get_register(session, register_id=register_id).outlet.time_zone
    if outlet_id is None and visible is not None and len(visible) == 1:
        outlet_id = visible[0]
    if outlet_id is not None:
        return store.get_outlet(session, outlet_id=outlet_id).time_zone
    return store.get_retailer(session).time_zone


@router.get("/sales")
def sales_history(
    request: Request,
    session: SessionDep,
    user: Viewer,
    principal: PrincipalDep,
    tab: Annotated[str, Query(max_length=20)] = "all",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    outlet: Annotated[str, Query(max_length=40)] = "",
    register: Annotated[str, Query(max_length=40)] = "",
    seller: Annotated[str, Query(max_length=40)] = "",
    customer: Text = "",
    status: Annotated[str, Query(max_length=30)] = "",
    invoice: Annotated[str, Query(max_length=60)] = "",
    product: Text = "",
    after: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    """Newest sales first, in the outlets the user may see, one page at a time."""
    if tab not in sale_search.TABS:
        tab = "all"
    visible = visible_outlets(session, user)
    register_id = _id_or_none(register, "register")
    outlet_id = _id_or_none(outlet, "outlet")
    if status and status not in STATUS_LABELS:
        raise InvalidInput(N_("Choose from the list."), field="status")
    time_zone = _time_zone(session, register_id=register_id, outlet_id=outlet_id, visible=visible)
    start, end = sale_search.day_bounds(
        first_day=_day_or_none(date_from, "from"),
        last_day=_day_or_none(date_to, "to"),
        time_zone=time_zone,
    )
    search = sale_search.SaleSearch(
        date_from=start,
        date_to=end,
        visible_outlet_ids=visible,
        outlet_id=outlet_id,
        register_id=register_id,
        user_id=_id_or_none(seller, "seller"),
        customer_id=_customer_id(session, customer.strip()),
        statuses=[status] if status else (),
        invoice_number=invoice.strip() or None,
        product_sku=product.strip() or None,
        tab=tab,  # type: ignore[arg-type]
    )
    page = sale_search.page_history(session, search=search, after=after or None)
    outlets = [o for o in store.list_outlets(session) if visible is None or o.id in visible]
    registers = [
        r for r in store.list_registers(session) if visible is None or r.outlet_id in visible
    ]
    filters = {
        "tab": tab,
        "from": date_from,
        "to": date_to,
        "outlet": outlet,
        "register": register,
        "seller": seller,
        "customer": customer,
        "status": status,
        "invoice": invoice,
        "product": product,
        "after": after,
    }
    return render(
        request,
        "sales/history.html",
        sales=page.sales,
        next_cursor=page.next_cursor,
        filters=filters,
        tabs=TAB_LABELS,
        statuses=STATUS_LABELS,
        outlets=outlets,
        registers=registers,
        sellers=users.list_users(session),
        **_names(session, page.sales),
        retailer=store.get_retailer(session),
        can_return=principal.allows(Permission.RETURN_WITH_RECEIPT),
        can_return_without_receipt=principal.allows(Permission.REFUND_WITHOUT_RECEIPT),
    )


def _names(session: Session, found: list[Sale]) -> dict[str, Any]:
    """What a list of sales shows besides the sales: names and clocks, read in bulk."""
    return {
        "customer_names": customer_listing.names_of(
            session, customer_ids={s.customer_id for s in found if s.customer_id is not None}
        ),
        "user_names": {
            u.id: u.display_name for u in users.list_users(session, include_deleted=True)
        },
        "register_names": {r.id: r.name for r in store.list_registers(session)},
        "time_zones": {o.id: o.time_zone for o in store.list_outlets(session)},
    }


def _visible_sale(session: Session, user: User, sale_id: uuid.UUID) -> Sale:
    sale = sales.get_sale(session, sale_id=sale_id)
    visible = visible_outlets(session, user)
    if visible is not None and sale.outlet_id not in visible:
        # As if it did not exist: its id says nothing to a user of another outlet.
        raise NotFound("sale not found", sale_id=str(sale_id))
    return sale


@router.get("/sales/{sale_id}")
def sale_page(
    request: Request,
    sale_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    user: Viewer,
) -> Response:
    sale = _visible_sale(session, user, sale_id)
    customer = (
        customers.get_customer(session, customer_id=sale.customer_id)
        if sale.customer_id is not None
        else None
    )
    original = (
        sales.get_sale(session, sale_id=sale.return_for) if sale.return_for is not None else None
    )
    returns = sale_search.returns_of(session, sale_id=sale.id)
    is_open = sale.status in sale_search.IN_PROGRESS_STATUSES
    actions = {
        "continue": sale.status == "SAVED" and principal.allows(Permission.SELL),
        "pay": sale.status in ("LAYBY", "ONACCOUNT") and principal.allows(Permission.SELL),
        "return": sale.status == "CLOSED"
        and sale.return_for is None
        and principal.allows(Permission.RETURN_WITH_RECEIPT),
        # A sale with live returns is not voided (voiding.py refuses it too): void them first.
        "void": not any(r.status != "VOIDED" for r in returns)
        and (
            (is_open and principal.allows(Permission.SELL))
            or (sale.status == "CLOSED" and principal.allows(Permission.VOID_SALE))
        ),
        "email": bool(customer is not None and customer.email),
    }
    return render(
        request,
        "sales/sale.html",
        sale=sale,
        customer=customer,
        original=original,
        returns=returns,
        actions=actions,
        status_label=STATUS_LABELS.get(sale.status, sale.status),
        emailed=request.query_params.get("emailed") == "1",
        # Each receipt email's delivery: queued, sent, or failing with its last error.
        email_deliveries=receipt_mail.email_deliveries(session, sale_id=sale.id),
        voided=request.query_params.get("voided") == "1",
        refused=request.query_params.get("refused"),
        card_refunds=refunds_of_sale(session, sale_id=sale.id),
        **_names(session, [sale, *returns]),
        retailer=store.get_retailer(session),
    )


@router.post("/sales/{sale_id}/email-receipt")
async def email_receipt(
    request: Request, sale_id: uuid.UUID, uow: UowDep, user: Viewer
) -> Response:
    """Queue the receipt for the customer's email address (sent by the outbox)."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    sale = _visible_sale(uow.session, user, sale_id)
    customer = (
        customers.get_customer(uow.session, customer_id=sale.customer_id)
        if sale.customer_id is not None
        else None
    )
    receipt_email.queue_receipt_email(
        uow,
        sale_id=sale.id,
        email=customer.email if customer is not None else None,
        requested_by=user.id,
    )
    return RedirectResponse(f"/sales/{sale.id}?emailed=1", status_code=303)


@router.post("/sales/{sale_id}/reprint")
async def reprint(request: Request, sale_id: uuid.UUID, uow: UowDep, user: Viewer) -> Response:
    """Print the receipt again: a duplicate, numbered and recorded in the fiscal journal,
    then shown (and printed from the browser) as "DUPLICATA n°k"."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    sale = _visible_sale(uow.session, user, sale_id)
    duplicate = fiscal.record_reprint(uow.session, sale=sale)
    uow.commit()
    return RedirectResponse(f"/sales/{sale.id}/receipt?duplicate={duplicate}", status_code=303)


@router.post("/sales/{sale_id}/void")
async def void(
    request: Request, sale_id: uuid.UUID, uow: UowDep, user: Viewer, principal: PrincipalDep
) -> Response:
    """The sale page's Void button: the same rule as `PUT /api/2.0/sales/{id}/actions/void`
    (a parked or open sale by its cashier, a completed one with sales:void)."""
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    sale = _visible_sale(uow.session, user, sale_id)
    if not principal.allows(Permission.SELL):
        return RedirectResponse(f"/sales/{sale.id}?refused=permission", status_code=303)
    try:
        void_sale(
            uow,
            sale_id=sale.id,
            user_id=user.id,
            may_void_completed=principal.allows(Permission.VOID_SALE),
            ledger=customer_account.LEDGER,
        )
    except DomainError as refused:
        uow.rollback()
        return RedirectResponse(
            f"/sales/{sale.id}?refused={type(refused).__name__}", status_code=303
        )
    return RedirectResponse(f"/sales/{sale.id}?voided=1", status_code=303)
