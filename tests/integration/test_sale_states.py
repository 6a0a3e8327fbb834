"""The sale's states through the API: park and continue, quotes, layby, on account, void."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.core.db import Database
from comptoir.customers.models import Customer
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    account_ledger_of,
    decimal_json,
    ledger_of,
    make_customer,
    make_product,
    make_register,
    role_token,
    run_together,
    state_payload,
    stock_of,
)

SALES = "/api/register_sales"


def send(api: TestClient, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    reply = api.post(SALES, json=body, **kwargs)
    assert reply.status_code == 200, reply.text
    sale: dict[str, Any] = decimal_json(reply)["register_sale"]
    return sale


@pytest.fixture
def mug(shop: Store) -> Any:
    return make_product(shop, name="Mug", price="10.00", stock=20)


@pytest.fixture
def alice(shop: Store) -> Customer:
    return make_customer(shop, first_name="Alice", last_name="Martin", email="alice@example.com")


# Park and continue --------------------------------------------------------------------------


def test_a_parked_sale_moves_no_stock_and_needs_no_payment(
    api: TestClient, shop: Store, mug: Any
) -> None:
    parked = send(api, state_payload(shop, [(mug, 2)], status="SAVED", note="back at 5"))
    assert (parked["status"], parked["state"]) == ("SAVED", "parked")
    assert parked["note"] == "back at 5"
    assert stock_of(shop, mug) == Decimal(20)


def test_continuing_a_parked_sale_on_another_register_keeps_its_id_and_number(
    api: TestClient, shop: Store, mug: Any, db: Database
) -> None:
    # Caisse 2 has numbered a sale of its own: the continued sale keeps Caisse 1's number.
    caisse2 = make_register(shop, name="Caisse 2")
    send(
        api,
        state_payload(
            shop, [(mug, 1)], status="CLOSED", register=caisse2, payments=[(shop.cash, "10.00")]
        ),
    )
    sale_id = uuid.uuid4()
    parked = send(api, state_payload(shop, [(mug, 1)], status="SAVED", sale_id=sale_id))
    closed = send(
        api,
        state_payload(
            shop,
            [(mug, 2)],
            status="CLOSED",
            sale_id=sale_id,
            register=caisse2,
            payments=[(shop.cash, "20.00")],
            version=decimal_json(api.get(f"/api/2.0/sales/{sale_id}"))["data"]["version"],
        ),
    )
    assert closed["id"] == str(sale_id)
    assert closed["invoice_number"] == parked["invoice_number"]
    assert (closed["status"], closed["register_id"]) == ("CLOSED", str(shop.register.id))
    with db.read_sessions() as session:
        paid_at = [p.register_id for p in session.get(Sale, sale_id).payments]  # type: ignore[union-attr]
    assert paid_at == [caisse2.id]
    assert stock_of(shop, mug) == Decimal(17) == ledger_of(shop, mug)
    # A closed sale's id stays an idempotent replay.
    again = api.post(
        SALES,
        json=state_payload(
            shop, [(mug, 2)], status="CLOSED", sale_id=sale_id, payments=[(shop.cash, "20.00")]
        ),
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert stock_of(shop, mug) == Decimal(17)


def test_a_stale_version_of_a_parked_sale_is_a_409(
    api: TestClient, shop: Store, mug: Any, db: Database
) -> None:
    sale_id = uuid.uuid4()
    send(api, state_payload(shop, [(mug, 1)], status="SAVED", sale_id=sale_id))
    with db.read_sessions() as session:
        version = session.get(Sale, sale_id).version  # type: ignore[union-attr]
    send(api, state_payload(shop, [(mug, 3)], status="SAVED", sale_id=sale_id, version=version))
    stale = api.post(
        SALES,
        json=state_payload(
            shop,
            [(mug, 1)],
            status="CLOSED",
            sale_id=sale_id,
            version=version,
            register_sale_payments=[
                {"retailer_payment_type_id": str(shop.cash.id), "amount": "10.00"}
            ],
        ),
    )
    assert stale.status_code == 409, stale.text
    assert stock_of(shop, mug) == Decimal(20)


def test_two_registers_continuing_one_parked_sale_at_once_one_wins(
    api: TestClient, shop: Store, mug: Any, db: Database
) -> None:
    sale_id = uuid.uuid4()
    send(api, state_payload(shop, [(mug, 1)], status="SAVED", sale_id=sale_id))
    with db.read_sessions() as session:
        version = session.get(Sale, sale_id).version  # type: ignore[union-attr]
    body = state_payload(
        shop,
        [(mug, 1)],
        status="CLOSED",
        sale_id=sale_id,
        payments=[(shop.cash, "10.00")],
        version=version,
    )
    headers = dict(api.headers)
    replies = run_together(2, lambda: api.post(SALES, json=body, headers=headers))
    codes = sorted(r.status_code for r in replies)
    assert codes == [200, 409], [r.text for r in replies]
    assert stock_of(shop, mug) == Decimal(19) == ledger_of(shop, mug)


def test_a_parked_sale_is_voided_through_0_9_and_cannot_be_continued(
    api: TestClient, shop: Store, mug: Any
) -> None:
    sale_id = uuid.uuid4()
    send(api, state_payload(shop, [(mug, 1)], status="SAVED", sale_id=sale_id))
    voided = send(api, state_payload(shop, [(mug, 1)], status="VOIDED", sale_id=sale_id))
    assert (voided["status"], voided["state"]) == ("VOIDED", "voided")
    again = api.post(
        SALES,
        json=state_payload(
            shop, [(mug, 1)], status="CLOSED", sale_id=sale_id, payments=[(shop.cash, "10.00")]
        ),
    )
    assert again.status_code == 409
    assert stock_of(shop, mug) == Decimal(20)


def test_a_parked_sale_takes_no_payments(api: TestClient, shop: Store, mug: Any) -> None:
    reply = api.post(
        SALES,
        json=state_payload(shop, [(mug, 1)], status="SAVED", payments=[(shop.cash, "5.00")]),
    )
    assert reply.status_code == 422


# Quotes -------------------------------------------------------------------------------------


def test_a_quote_is_listed_with_its_default_expiry_and_becomes_a_sale(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    sale_id = uuid.uuid4()
    send(
        api,
        state_payload(
            shop, [(mug, 2)], status="SAVED", sale_id=sale_id, customer_id=alice.id, is_quote=True
        ),
    )
    listed = decimal_json(api.get("/api/2.0/quotes"))
    assert listed["TotalCount"] == 1 and listed["HasNext"] is False
    quote = listed["Quotes"][0]
    assert quote["id"] == str(sale_id)
    assert quote["status"] == "CREATED"
    assert quote["grand_total"] == Decimal("20.00")
    assert quote["expired_at"] is not None
    assert decimal_json(api.get(f"/api/2.0/quotes/{sale_id}"))["id"] == str(sale_id)
    send(
        api,
        state_payload(
            shop,
            [(mug, 2)],
            status="CLOSED",
            sale_id=sale_id,
            customer_id=alice.id,
            payments=[(shop.card, "20.00")],
        ),
    )
    assert decimal_json(api.get("/api/2.0/quotes"))["TotalCount"] == 0
    assert api.get(f"/api/2.0/quotes/{sale_id}").status_code == 404


# Layby --------------------------------------------------------------------------------------


def test_a_layby_needs_a_customer(api: TestClient, shop: Store, mug: Any) -> None:
    reply = api.post(
        SALES, json=state_payload(shop, [(mug, 1)], status="LAYBY", payments=[(shop.cash, "2")])
    )
    assert reply.status_code == 422
    assert "customer" in reply.text
    assert stock_of(shop, mug) == Decimal(20)


def test_a_layby_takes_stock_then_payments_from_any_register_until_closed(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    caisse2 = make_register(shop, name="Caisse 2")
    layby = send(
        api,
        state_payload(
            shop, [(mug, 3)], status="LAYBY", customer_id=alice.id, payments=[(shop.cash, "5.00")]
        ),
    )
    assert (layby["status"], layby["state"]) == ("LAYBY", "pending")
    assert stock_of(shop, mug) == Decimal(17)
    pay = {"retailer_payment_type_id": str(shop.card.id), "register_id": str(caisse2.id)}
    first = str(uuid.uuid4())
    reply = api.post(
        f"/api/2.0/sales/{layby['id']}/payments", json={**pay, "id": first, "amount": "10.00"}
    )
    assert reply.status_code == 200, reply.text
    assert decimal_json(reply)["data"]["status"] == "LAYBY"
    replay = api.post(
        f"/api/2.0/sales/{layby['id']}/payments", json={**pay, "id": first, "amount": "10.00"}
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    too_much = api.post(
        f"/api/2.0/sales/{layby['id']}/payments",
        json={**pay, "id": str(uuid.uuid4()), "amount": "15.01"},
    )
    assert too_much.status_code == 422
    last = api.post(
        f"/api/2.0/sales/{layby['id']}/payments",
        json={**pay, "id": str(uuid.uuid4()), "amount": "15.00"},
    )
    done = decimal_json(last)["data"]
    assert (done["status"], done["state"]) == ("LAYBY_CLOSED", "closed")
    assert sum(p["amount"] for p in done["payments"]) == Decimal("30.00")
    assert stock_of(shop, mug) == Decimal(17)


@pytest.mark.parametrize(
    ("rule", "refunded", "credit"),
    [
        ("tenders", Decimal("-5.00"), Decimal(0)),
        ("store_credit", None, Decimal("5.00")),
        ("none", None, Decimal(0)),
    ],
)
def test_cancelling_a_layby_returns_stock_and_refunds_by_the_store_rule(
    api: TestClient,
    shop: Store,
    mug: Any,
    alice: Customer,
    db: Database,
    rule: str,
    refunded: Decimal | None,
    credit: Decimal,
) -> None:
    from comptoir.store.models import Retailer

    with db.unit_of_work() as uow:
        uow.session.query(Retailer).update({"layby_cancel_refund": rule})
        uow.commit()
    layby = send(
        api,
        state_payload(
            shop, [(mug, 2)], status="LAYBY", customer_id=alice.id, payments=[(shop.cash, "5.00")]
        ),
    )
    voided = api.put(
        f"/api/2.0/sales/{layby['id']}/actions/void", headers=role_token(shop, Role.CASHIER)
    )
    assert voided.status_code == 200, voided.text
    sale = decimal_json(voided)["data"]
    assert sale["status"] == "VOIDED"
    refunds = [p["amount"] for p in sale["payments"] if p["amount"] < 0]
    assert refunds == ([refunded] if refunded is not None else [])
    assert stock_of(shop, mug) == Decimal(20) == ledger_of(shop, mug)
    with db.read_sessions() as session:
        assert session.get(Customer, alice.id).store_credit_balance == credit  # type: ignore[union-attr]


# On account ---------------------------------------------------------------------------------


def test_an_on_account_sale_adds_its_unpaid_amount_to_the_customer_balance(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    sale = send(
        api,
        state_payload(
            shop,
            [(mug, 3)],
            status="ONACCOUNT",
            customer_id=alice.id,
            payments=[(shop.cash, "10.00")],
        ),
    )
    assert (sale["status"], sale["state"]) == ("ONACCOUNT", "pending")
    assert account_ledger_of(shop, alice.id) == (Decimal("20.00"), Decimal("20.00"))
    customer = decimal_json(api.get(f"/api/2.0/customers/{alice.id}"))["data"]
    assert customer["balance"] == Decimal("-20.00")
    paid = api.post(
        f"/api/2.0/sales/{sale['id']}/payments",
        json={
            "id": str(uuid.uuid4()),
            "retailer_payment_type_id": str(shop.card.id),
            "amount": "20.00",
        },
    )
    assert decimal_json(paid)["data"]["status"] == "ONACCOUNT_CLOSED"
    assert account_ledger_of(shop, alice.id) == (Decimal(0), Decimal(0))


def test_an_on_account_sale_needs_a_customer(api: TestClient, shop: Store, mug: Any) -> None:
    reply = api.post(SALES, json=state_payload(shop, [(mug, 1)], status="ONACCOUNT"))
    assert reply.status_code == 422


def test_a_cashier_cannot_go_over_the_account_limit_but_a_manager_can(
    app_client: TestClient, shop: Store, mug: Any, db: Database
) -> None:
    bob = make_customer(shop, first_name="Bob", on_account_limit="15.00")
    body = state_payload(shop, [(mug, 2)], status="ONACCOUNT", customer_id=bob.id)
    refused = app_client.post(SALES, json=body, headers=role_token(shop, Role.CASHIER))
    assert refused.status_code == 403, refused.text
    assert "account limit" in refused.text
    assert account_ledger_of(shop, bob.id) == (Decimal(0), Decimal(0))
    assert stock_of(shop, mug) == Decimal(20)
    allowed = app_client.post(SALES, json=body, headers=role_token(shop, Role.MANAGER))
    assert allowed.status_code == 200, allowed.text
    assert account_ledger_of(shop, bob.id) == (Decimal("20.00"), Decimal("20.00"))


# Void ---------------------------------------------------------------------------------------


def test_a_cashier_cannot_void_a_closed_sale_a_manager_reverses_it(
    api: TestClient, app_client: TestClient, shop: Store, mug: Any
) -> None:
    sale = send(
        api, state_payload(shop, [(mug, 2)], status="CLOSED", payments=[(shop.card, "20.00")])
    )
    url = f"/api/2.0/sales/{sale['id']}/actions/void"
    refused = app_client.put(url, headers=role_token(shop, Role.CASHIER))
    assert refused.status_code == 403
    assert stock_of(shop, mug) == Decimal(18)
    voided = app_client.put(url, headers=role_token(shop, Role.MANAGER))
    assert voided.status_code == 200, voided.text
    data = decimal_json(voided)["data"]
    assert (data["status"], data["state"]) == ("VOIDED", "voided")
    assert sum(p["amount"] for p in data["payments"]) == 0
    assert stock_of(shop, mug) == Decimal(20) == ledger_of(shop, mug)
    again = app_client.put(url, headers=role_token(shop, Role.MANAGER))
    assert again.status_code == 200
    assert stock_of(shop, mug) == Decimal(20)


def test_voiding_an_on_account_sale_takes_it_off_the_balance(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    sale = send(api, state_payload(shop, [(mug, 1)], status="ONACCOUNT", customer_id=alice.id))
    assert api.put(f"/api/2.0/sales/{sale['id']}/actions/void").status_code == 200
    assert account_ledger_of(shop, alice.id) == (Decimal(0), Decimal(0))


def test_a_sale_with_returns_is_voided_only_once_its_returns_are(
    api: TestClient, shop: Store, mug: Any
) -> None:
    sale = send(
        api, state_payload(shop, [(mug, 2)], status="CLOSED", payments=[(shop.cash, "20.00")])
    )
    back = api.put(
        f"/api/2.0/sales/{sale['id']}/actions/return",
        json={"line_items": [{"line_id": sale["register_sale_products"][0]["id"], "quantity": 1}]},
    )
    assert back.status_code == 200, back.text
    assert stock_of(shop, mug) == Decimal(19)

    refused = api.put(f"/api/2.0/sales/{sale['id']}/actions/void")
    assert refused.status_code == 409
    assert stock_of(shop, mug) == Decimal(19)
    assert api.put(f"/api/2.0/sales/{back.json()['data']['id']}/actions/void").status_code == 200
    assert stock_of(shop, mug) == Decimal(18)  # the returned mug left stock again
    voided = api.put(f"/api/2.0/sales/{sale['id']}/actions/void")
    assert voided.status_code == 200, voided.text
    assert stock_of(shop, mug) == Decimal(20) == ledger_of(shop, mug)


def test_the_2_0_sales_list_carries_each_status_and_state(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    send(api, state_payload(shop, [(mug, 1)], status="SAVED"))
    send(api, state_payload(shop, [(mug, 1)], status="LAYBY", customer_id=alice.id))
    send(api, state_payload(shop, [(mug, 1)], status="ONACCOUNT", customer_id=alice.id))
    found = {(s["status"], s["state"]) for s in decimal_json(api.get("/api/2.0/sales"))["data"]}
    assert found == {("SAVED", "parked"), ("LAYBY", "pending"), ("ONACCOUNT", "pending")}


def test_the_outlet_open_sales_are_listed_for_retrieval_with_their_version(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    parked = send(api, state_payload(shop, [(mug, 1)], status="SAVED", note="later"))
    layby = send(api, state_payload(shop, [(mug, 1)], status="LAYBY", customer_id=alice.id))
    send(api, state_payload(shop, [(mug, 1)], status="CLOSED", payments=[(shop.cash, "10.00")]))
    reply = api.get(
        "/api/register_sales",
        params={"outlet_id": str(shop.outlet.id), "state[]": ["parked", "pending"]},
    )
    found = {s["id"]: s for s in decimal_json(reply)["register_sales"]}
    assert set(found) == {parked["id"], layby["id"]}
    assert found[parked["id"]]["version"] == parked["version"]
    assert found[layby["id"]]["totals"]["total_to_pay"] == Decimal("10.00")


def test_a_quote_expires_after_the_store_validity_by_default(
    api: TestClient, shop: Store, mug: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    quote = send(api, state_payload(shop, [(mug, 1)], status="SAVED", is_quote=True))
    expires = datetime.fromisoformat(quote["quote_expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)


def test_two_registers_paying_the_rest_of_a_layby_at_once_one_is_refused(
    api: TestClient, shop: Store, mug: Any, alice: Customer
) -> None:
    layby = send(
        api,
        state_payload(
            shop, [(mug, 1)], status="LAYBY", customer_id=alice.id, payments=[(shop.cash, "4.00")]
        ),
    )
    headers = dict(api.headers)

    def pay() -> Any:
        return api.post(
            f"/api/2.0/sales/{layby['id']}/payments",
            json={
                "id": str(uuid.uuid4()),
                "retailer_payment_type_id": str(shop.card.id),
                "amount": "6.00",
            },
            headers=headers,
        )

    replies = run_together(2, pay)
    assert sorted(r.status_code for r in replies) in ([200, 409], [200, 422])
    done = decimal_json(api.get(f"/api/2.0/sales/{layby['id']}"))["data"]
    assert done["status"] == "LAYBY_CLOSED"
    assert sum(p["amount"] for p in done["payments"]) == Decimal("10.00")
