"""A customer's on-account balance: shown on the profile and in the API, paid from the
profile ("Pay balance") once, however many times the form is sent."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.core.db import Database
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    account_ledger_of,
    csrf_of,
    make_customer,
    make_product,
    make_token,
    state_payload,
)


def test_paying_the_balance_from_the_profile_closes_the_oldest_on_account_sales(
    browser: TestClient, shop: Store, db: Database
) -> None:
    mug = make_product(shop, price="10.00", stock=10)
    louis = make_customer(shop, first_name="Louis", last_name="Petit")
    headers = {"Authorization": f"Bearer {make_token(shop)}"}
    for quantity in (1, 2):
        reply = browser.post(
            "/api/register_sales",
            json=state_payload(shop, [(mug, quantity)], status="ONACCOUNT", customer_id=louis.id),
            headers=headers,
        )
        assert reply.status_code == 200, reply.text
    assert account_ledger_of(shop, louis.id) == (Decimal("30.00"), Decimal("30.00"))
    profile = browser.get(f"/customers/{louis.id}")
    assert 'id="pay-balance"' in profile.text
    assert re.search(r"account-balance\">[-−]\s?€?30[.,]00", profile.text)

    page = browser.get(f"/customers/{louis.id}/pay-balance")
    assert page.status_code == 200
    client_id = re.search(r'name="client_id" value="([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {
        "csrf": csrf_of(page.text),
        "client_id": client_id,
        "payment_type_id": str(shop.cash.id),
        "amount": "15,00",
    }
    too_much = browser.post(f"/customers/{louis.id}/pay-balance", data={**form, "amount": "30.01"})
    assert too_much.status_code == 422
    assert account_ledger_of(shop, louis.id) == (Decimal("30.00"), Decimal("30.00"))
    for _ in range(2):  # sent twice: paid once
        done = browser.post(f"/customers/{louis.id}/pay-balance", data=form, follow_redirects=False)
        assert done.status_code == 303
    assert account_ledger_of(shop, louis.id) == (Decimal("15.00"), Decimal("15.00"))
    with db.read_sessions() as session:
        statuses = sorted(
            (s.total_price_incl, s.status, s.total_payment)
            for s in session.query(Sale).filter(Sale.customer_id == louis.id)
        )
    assert statuses == [
        (Decimal("10.00"), "ONACCOUNT_CLOSED", Decimal("10.00")),
        (Decimal("20.00"), "ONACCOUNT", Decimal("5.00")),
    ]
