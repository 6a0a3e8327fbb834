"""Return pages: return (or exchange) lines of a sale, find a sale by its receipt's
number, a customer's store credit and its ledger. The same permissions as the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import DomainError
from comptoir.customers import service as customers
from comptoir.customers import store_credit
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.sales import return_lookup, returns
from comptoir.sales import service as sales
from comptoir.sales.inputs import LineInput
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import amount_field, posted_form, uuid_or_none
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)
Returner = Annotated[User, Depends(page_requires(Permission.RETURN_WITH_RECEIPT))]
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CUSTOMERS))]
CreditIssuer = Annotated[User, Depends(page_requires(Permission.REFUND_WITHOUT_RECEIPT))]
EXCHANGE_ROWS = 3


@router.get("/returns/find")
def find_sale(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    _user: Returner,
    invoice: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    """A scanner types the receipt's number and Enter: one sale found opens its return."""
    found = return_lookup.find_sales_by_invoice(session, invoice_number=invoice)
    if len(found) == 1:
        return RedirectResponse(f"/sales/{found[0].id}/return", status_code=303)
    return render(
        request,
        "returns/find.html",
        invoice=invoice,
        found=found,
        retailer=store.get_retailer(session),
        can_return_without_receipt=principal.allows(Permission.REFUND_WITHOUT_RECEIPT),
        status_code=404 if invoice and not found else 200,
    )


def _return_page(
    request: Request,
    session: Any,
    *,
    sale_id: uuid.UUID,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    sale = sales.get_sale(session, sale_id=sale_id)
    return render(
        request,
        "returns/return.html",
        sale=sale,
        lines=return_lookup.returnable_lines(sale),
        registers=store.list_registers(session),
        # A terminal's payment is started by the sell screen's dialog, which this page has
        # not: the difference is paid with a type the cashier records by hand.
        payment_types=[p for p in store.list_payment_types(session) if p.provider is None],
        retailer=store.get_retailer(session),
        earlier=returns.returns_of(session, sale_id=sale.id),
        values=values,
        error=error,
        return_id=values.get("return_id") or str(uuid.uuid4()),
        exchange_rows=range(EXCHANGE_ROWS),
        status_code=status_code,
    )


@router.get("/sales/{sale_id}/return")
def return_page(
    request: Request, sale_id: uuid.UUID, session: SessionDep, _user: Returner
) -> Response:
    return _return_page(request, session, sale_id=sale_id, values={})


@router.post("/sales/{sale_id}/return")
async def post_return(
    request: Request,
    sale_id: uuid.UUID,
    uow: UowDep,
    session: SessionDep,
    principal: PrincipalDep,
    user: Returner,
) -> Response:
    form = await posted_form(request)
    try:
        wanted = _return_request(session, form, sale_id=sale_id)
        made, _created = returns.record_return(
            uow,
            original_id=sale_id,
            request=wanted,
            user_id=user.id,
            find_customer=customers.get_customer,
            ledger=store_credit.CREDIT_LEDGER,
            rights=returns.ReturnRights(
                without_receipt=principal.allows(Permission.REFUND_WITHOUT_RECEIPT)
            ),
        )
    except DomainError as error:
        return _return_page(
            request,
            session,
            sale_id=sale_id,
            values=form,
            error=error.message,
            status_code=status_of(error),
        )
    return RedirectResponse(f"/sales/{made.id}/receipt", status_code=303)


def _return_request(
    session: Any, form: dict[str, str], *, sale_id: uuid.UUID
) -> returns.ReturnInput:
    sale = sales.get_sale(session, sale_id=sale_id)
    lines = []
    for item in return_lookup.returnable_lines(sale):
        key = str(item.line.id)
        text = form.get(f"qty_{key}", "").strip()
        if not text:
            continue
        quantity = amount_field(text, field=f"qty_{key}")
        if quantity == 0:
            continue
        lines.append(
            returns.ReturnLineInput(
                line_id=item.line.id,
                quantity=quantity,
                reason=form.get(f"reason_{key}", "").strip()[:100] or None,
                restock=form.get(f"damaged_{key}") != "on",
            )
        )
    new_lines = []
    for row in range(EXCHANGE_ROWS):
        code = form.get(f"new_code_{row}", "").strip()
        if not code:
            continue
        product = return_lookup.product_by_code(session, code=code, field=f"new_code_{row}")
        quantity = amount_field(form.get(f"new_qty_{row}", "1") or "1", field=f"new_qty_{row}")
        new_lines.append(LineInput(product_id=product.id, quantity=quantity))
    return returns.ReturnInput(
        id=uuid_or_none(form.get("return_id")),
        register_id=uuid_or_none(form.get("register_id")) or sale.register_id,
        lines=lines,
        refund_to=form.get("refund_to") or returns.REFUND_TO_TENDERS,
        new_lines=new_lines,
        pay_with=uuid_or_none(form.get("pay_with")),
    )


def _credit_page(
    request: Request,
    session: Any,
    principal: Any,
    *,
    customer_id: uuid.UUID,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    customer = customers.get_customer(session, customer_id=customer_id)
    return render(
        request,
        "returns/store_credit.html",
        customer=customer,
        account=store_credit.credit_account(session, customer_id=customer_id),
        retailer=store.get_retailer(session),
        can_issue=principal.allows(Permission.REFUND_WITHOUT_RECEIPT),
        client_id=str(uuid.uuid4()),
        error=error,
        status_code=status_code,
    )


@router.get("/customers/{customer_id}/store-credit")
def credit_page(
    request: Request,
    customer_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    _user: Viewer,
) -> Response:
    return _credit_page(request, session, principal, customer_id=customer_id)


@router.post("/customers/{customer_id}/store-credit")
async def issue_credit(
    request: Request,
    customer_id: uuid.UUID,
    uow: UowDep,
    session: SessionDep,
    principal: PrincipalDep,
    user: CreditIssuer,
) -> Response:
    form = await posted_form(request)
    try:
        store_credit.record_credit_transaction(
            uow,
            customer_id=customer_id,
            amount=amount_field(form.get("amount", ""), field="amount"),
            type="ISSUE",
            client_id=form.get("client_id") or str(uuid.uuid4()),
            user_id=user.id,
            note=form.get("note", "").strip()[:2000] or None,
        )
    except DomainError as error:
        return _credit_page(
            request,
            session,
            principal,
            customer_id=customer_id,
            error=error.message,
            status_code=status_of(error),
        )
    return RedirectResponse(f"/customers/{customer_id}/store-credit", status_code=303)
