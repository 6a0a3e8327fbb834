"""The page for a return without a receipt: items scanned or typed by SKU or barcode,
priced from the catalog, refunded in cash or as a customer's store credit. Managers only,
like `POST /api/2.0/returns` (sales:refund_without_receipt)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import DomainError, InvalidInput
from comptoir.core.i18n import N_
from comptoir.customers import service as customers
from comptoir.customers import store_credit
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.sales import return_lookup, returns
from comptoir.store import service as store
from comptoir.store.models import PaymentKind
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import amount_field, posted_form, uuid_or_none
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)
ReceiptlessReturner = Annotated[User, Depends(page_requires(Permission.REFUND_WITHOUT_RECEIPT))]
ITEM_ROWS = 5
REASONS = (N_("Changed mind"), N_("Wrong size"), N_("Faulty"), N_("Gift"), N_("Other"))


def _page(
    request: Request,
    session: Any,
    *,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "returns/without_receipt.html",
        registers=store.list_registers(session),
        cash_types=_cash_types(session),
        values=values,
        reasons=REASONS,
        rows=range(ITEM_ROWS),
        return_id=values.get("return_id") or str(uuid.uuid4()),
        error=error,
        status_code=status_code,
    )


def _cash_types(session: Any) -> list[Any]:
    return [p for p in store.list_payment_types(session) if p.type_id == PaymentKind.CASH]


@router.get("/returns/new")
def new_return_page(
    request: Request,
    session: SessionDep,
    _user: ReceiptlessReturner,
    customer: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """`customer` prefills the customer (a code or email), e.g. from their store credit."""
    return _page(request, session, values={"customer": customer} if customer else {})


@router.post("/returns/new")
async def post_new_return(
    request: Request, uow: UowDep, session: SessionDep, user: ReceiptlessReturner
) -> Response:
    values = await posted_form(request)
    try:
        made, _created = returns.record_return(
            uow,
            original_id=None,
            request=_request(session, values),
            user_id=user.id,
            find_customer=customers.get_customer,
            ledger=store_credit.CREDIT_LEDGER,
            rights=returns.ReturnRights(without_receipt=True),
        )
    except DomainError as error:
        return _page(
            request, session, values=values, error=error.message, status_code=status_of(error)
        )
    return RedirectResponse(f"/sales/{made.id}/receipt", status_code=303)


def _request(session: Any, form: dict[str, str]) -> returns.ReturnInput:
    lines = []
    for row in range(ITEM_ROWS):
        code = form.get(f"code_{row}", "").strip()
        if not code:
            continue
        product = return_lookup.product_by_code(session, code=code, field=f"code_{row}")
        lines.append(
            returns.ReturnLineInput(
                product_id=product.id,
                quantity=amount_field(form.get(f"qty_{row}", "1") or "1", field=f"qty_{row}"),
                reason=form.get(f"reason_{row}", "").strip()[:100] or None,
                restock=form.get(f"damaged_{row}") != "on",
            )
        )
    customer_id = None
    typed = form.get("customer", "").strip()
    if typed:
        found = customers.find_customer_by_code(session, code=typed)
        if found is None:
            raise InvalidInput(N_("No customer has this code or email."), field="customer")
        customer_id = found.id
    return returns.ReturnInput(
        id=uuid_or_none(form.get("return_id")),
        register_id=_register_id(form.get("register_id")),
        customer_id=customer_id,
        note=form.get("note", "").strip()[:5000] or None,
        lines=lines,
        refund_to=form.get("refund_to") or returns.REFUND_TO_TENDERS,
        refund_with=uuid_or_none(form.get("refund_with")),
    )


def _register_id(text: str | None) -> uuid.UUID:
    found = uuid_or_none(text)
    if found is None:
        raise InvalidInput(N_("Choose from the list."), field="register_id")
    return found
