"""A customer's on-account balance, paid from their profile ("Pay balance")."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.customers import account, service
from comptoir.http.deps import SessionDep, UowDep
from comptoir.http.errors import status_of
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
# Taking a customer's money is selling: the same permission as the API's sale payments.
Seller = Annotated[User, Depends(page_requires(Permission.SELL))]


def _page(
    request: Request,
    session: SessionDep,
    *,
    customer_id: uuid.UUID,
    error: str | None = None,
    amount: str = "",
    status_code: int = 200,
) -> Response:
    customer = service.get_customer(session, customer_id=customer_id)
    return render(
        request,
        "customers/pay_balance.html",
        customer=customer,
        payment_types=store.list_payment_types(session),
        retailer=store.get_retailer(session),
        client_id=uuid.uuid4(),
        error=error,
        amount=amount or str(customer.account_balance),
        status_code=status_code,
    )


@router.get("/customers/{customer_id}/pay-balance")
def pay_balance_form(
    customer_id: uuid.UUID, request: Request, session: SessionDep, _user: Seller
) -> Response:
    return _page(request, session, customer_id=customer_id)


@router.post("/customers/{customer_id}/pay-balance")
async def pay_balance(
    customer_id: uuid.UUID, request: Request, session: SessionDep, uow: UowDep, user: Seller
) -> Response:
    form = await request.form()
    check_csrf(request.state.csrf_token, str(form.get("csrf") or ""))
    typed = str(form.get("amount") or "").strip().replace(",", ".")
    try:
        try:
            amount = Decimal(typed)
            client_id = uuid.UUID(str(form.get("client_id") or ""))
            payment_type_id = uuid.UUID(str(form.get("payment_type_id") or ""))
        except (InvalidOperation, ValueError) as exc:
            raise InvalidInput(N_("Enter an amount, such as 12.50."), field="amount") from exc
        account.pay_balance(
            uow,
            customer_id=customer_id,
            payment_type_id=payment_type_id,
            amount=amount,
            client_id=client_id,
            user_id=user.id,
        )
    except InvalidInput as error:
        return _page(
            request,
            session,
            customer_id=customer_id,
            error=error.message,
            amount=typed,
            status_code=status_of(error),
        )
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)
