"""The printable quote ("DEVIS") and sending it to the customer by email."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import NotFound
from comptoir.customers import service as customers
from comptoir.http.deps import SessionDep, UowDep
from comptoir.sales import quotes, receipts
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_SALES))]
Seller = Annotated[User, Depends(page_requires(Permission.SELL))]


def _customer_of(session: SessionDep, customer_id: uuid.UUID | None) -> object | None:
    if customer_id is None:
        return None
    try:
        return customers.get_customer(session, customer_id=customer_id)
    except NotFound:
        return None


@router.get("/sales/{sale_id}/quote")
def quote_page(
    request: Request, sale_id: uuid.UUID, session: SessionDep, _user: Viewer, sent: int = 0
) -> Response:
    quote = quotes.get_quote(session, quote_id=sale_id)
    found = receipts.receipt_of(session, sale_id=quote.id)
    return render(
        request,
        "quote.html",
        sale=quote,
        outlet=found.outlet,
        retailer=found.retailer,
        seller=found.seller,
        taxes=found.taxes,
        customer=_customer_of(session, quote.customer_id),
        status=quotes.quote_status(quote),
        sent=bool(sent),
    )


@router.post("/sales/{sale_id}/quote/email")
async def email_quote(
    request: Request, sale_id: uuid.UUID, session: SessionDep, uow: UowDep, _user: Seller
) -> Response:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    quote = quotes.get_quote(session, quote_id=sale_id)
    customer = _customer_of(session, quote.customer_id)
    quotes.email_quote(
        uow,
        sale_id=sale_id,
        to=getattr(customer, "email", None),
        locale=getattr(request.state, "locale", None) or "fr",
        link=str(request.url_for("quote_page", sale_id=sale_id)),
    )
    return RedirectResponse(f"/sales/{sale_id}/quote?sent=1", status_code=303)
