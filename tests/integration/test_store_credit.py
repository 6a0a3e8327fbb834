"""Store credit: issued, spent, never below zero, replays change nothing, the balance is
the sum of its ledger (X-Series 2.0-beta /store_credits)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.accounts.permissions import Role
from comptoir.customers import store_credit
from comptoir.customers.ledger_models import StoreCreditTransaction
from tests.factories import (
    Store,
    count_rows,
    credit_of,
    decimal_json,
    issue_credit,
    make_customer,
    make_scoped_token,
    make_user,
    run_together,
)

CREDITS = "/api/2.0/store_credits"


def spend(shop: Store, customer_id: object, amount: str, client_id: str) -> object:
    with shop.uow() as uow:
        return store_credit.record_credit_transaction(
            uow,
            customer_id=customer_id,  # type: ignore[arg-type]
            amount=Decimal(amount),
            type="REDEMPTION",
            client_id=client_id,
            user_id=shop.owner.id,
        )


def test_a_manager_issues_credit_and_the_customer_reads_it_back(
    api: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    reply = api.post(
        f"{CREDITS}/{alice.id}/transactions",
        json={"amount": "25.00", "type": "ISSUE", "client_id": "gift-1", "notes": "Sorry"},
    )
    assert reply.status_code == 200, reply.text
    assert decimal_json(reply)["data"]["type"] == "ISSUE"

    body = decimal_json(api.get(f"{CREDITS}/{alice.id}"))["data"]
    assert (body["balance"], body["total_credit_issued"]) == (Decimal(25), Decimal(25))
    (row,) = body["store_credit_transactions"]
    assert (row["client_id"], row["notes"], row["amount"]) == ("gift-1", "Sorry", Decimal(25))
    listed = decimal_json(api.get(CREDITS))["data"]
    assert [c["customer_id"] for c in listed] == [str(alice.id)]


def test_a_replayed_transaction_changes_nothing(api: TestClient, shop: Store) -> None:
    alice = make_customer(shop, first_name="Alice")
    body = {"amount": "25.00", "type": "ISSUE", "client_id": "gift-1"}
    api.post(f"{CREDITS}/{alice.id}/transactions", json=body)

    again = api.post(f"{CREDITS}/{alice.id}/transactions", json=body)

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert credit_of(shop, alice) == (Decimal(25), Decimal(25))
    assert count_rows(shop.db, StoreCreditTransaction) == 1


def test_a_client_id_reused_for_another_amount_is_a_conflict(api: TestClient, shop: Store) -> None:
    alice = make_customer(shop, first_name="Alice")
    api.post(
        f"{CREDITS}/{alice.id}/transactions",
        json={"amount": "25.00", "type": "ISSUE", "client_id": "gift-1"},
    )
    reply = api.post(
        f"{CREDITS}/{alice.id}/transactions",
        json={"amount": "99.00", "type": "ISSUE", "client_id": "gift-1"},
    )
    assert reply.status_code == 409


def test_spending_more_credit_than_the_balance_is_refused_with_422(
    api: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "10.00")

    reply = api.post(
        f"{CREDITS}/{alice.id}/transactions",
        json={"amount": "-10.01", "type": "REDEMPTION", "client_id": "spend-1"},
    )

    assert reply.status_code == 422, reply.text
    assert credit_of(shop, alice) == (Decimal(10), Decimal(10))


def test_two_registers_spending_the_last_credit_at_once_never_go_below_zero(shop: Store) -> None:
    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "10.00")
    names = iter(["a", "b"])

    results = run_together(2, lambda: spend(shop, alice.id, "-8.00", next(names)))

    assert sum(1 for r in results if isinstance(r, tuple)) == 1, results
    assert credit_of(shop, alice) == (Decimal(2), Decimal(2))


def test_a_cashier_may_not_issue_credit_by_hand(app_client: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    alice = make_customer(shop, first_name="Alice")
    token = make_scoped_token(shop, cashier, scopes=["*"])
    reply = app_client.post(
        f"{CREDITS}/{alice.id}/transactions",
        json={"amount": "25.00", "type": "ISSUE", "client_id": "gift-1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 403
    assert credit_of(shop, alice) == (Decimal(0), Decimal(0))


def test_an_issue_with_a_negative_amount_is_refused(api: TestClient, shop: Store) -> None:
    alice = make_customer(shop, first_name="Alice")
    reply = api.post(
        f"{CREDITS}/{alice.id}/transactions",
        json={"amount": "-5", "type": "ISSUE", "client_id": "x"},
    )
    assert reply.status_code == 422


@pytest.mark.parametrize("path", ["/api/2.0/store_credits/report"])
def test_the_report_sums_issued_redeemed_and_outstanding(
    api: TestClient, shop: Store, path: str
) -> None:
    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "10.00")
    spend(shop, alice.id, "-4.00", "s1")
    assert decimal_json(api.get(path)) == {
        "total_value_issued": Decimal(10),
        "total_value_redeemed": Decimal(4),
        "outstanding_balance": Decimal(6),
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(st.integers(min_value=-3000, max_value=3000).filter(bool), max_size=8))
def test_the_balance_equals_the_sum_of_its_ledger_and_never_goes_below_zero(
    shop: Store, moves: list[int]
) -> None:
    customer = make_customer(shop, first_name="Prop")
    expected = Decimal(0)
    for index, cents in enumerate(moves):
        amount = Decimal(cents) / 100
        try:
            if amount > 0:
                issue_credit(shop, customer, str(amount))
            else:
                spend(shop, customer.id, str(amount), f"{customer.id}-{index}")
        except store_credit.InsufficientStoreCredit:
            assert expected + amount < 0
            continue
        expected += amount
    balance, ledger = credit_of(shop, customer)
    assert balance == ledger == expected >= 0


def store_credit_type(shop: Store) -> object:
    with shop.uow() as uow:
        found = store_credit.ensure_store_credit_payment_type(uow.session)
        uow.commit()
        return found


def test_a_sale_paid_with_store_credit_spends_it_and_never_below_zero(
    api: TestClient, shop: Store
) -> None:
    from tests.factories import make_product, sale_payload, snapshot

    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "20.00")
    credit = store_credit_type(shop)
    mug = make_product(shop, price="14.00", stock=10)
    body = sale_payload(shop, [(mug, 1)], payments=[(credit, "14.00")])  # type: ignore[list-item]
    body["customer_id"] = str(alice.id)

    assert api.post("/api/register_sales", json=body).status_code == 200
    assert credit_of(shop, alice) == (Decimal(6), Decimal(6))
    before = snapshot(shop)
    refused = api.post("/api/register_sales", json=body)
    assert refused.status_code == 422, refused.text
    assert snapshot(shop) == before
    assert credit_of(shop, alice) == (Decimal(6), Decimal(6))


def test_a_parked_sale_finished_with_store_credit_spends_it(api: TestClient, shop: Store) -> None:
    from tests.factories import make_product, sale_payload

    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "20.00")
    credit = store_credit_type(shop)
    mug = make_product(shop, price="14.00", stock=10)
    body = sale_payload(shop, [(mug, 1)], payments=[(credit, "14.00")])  # type: ignore[list-item]
    body["customer_id"] = str(alice.id)
    body["id"] = "5b0e8d3e-7f2a-4c61-9d7e-2a1c0b9e4f11"
    parked = dict(body, status="SAVED", register_sale_payments=[])
    parked.pop("state", None)
    assert api.post("/api/register_sales", json=parked).status_code == 200
    assert credit_of(shop, alice) == (Decimal(20), Decimal(20))

    finished = api.post("/api/register_sales", json=body)
    assert finished.status_code == 200, finished.text
    assert finished.json()["register_sale"]["status"] == "CLOSED"
    assert credit_of(shop, alice) == (Decimal(6), Decimal(6))


def test_voiding_a_sale_paid_with_store_credit_gives_the_credit_back(
    api: TestClient, shop: Store
) -> None:
    from tests.factories import make_product, sale_payload

    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "20.00")
    credit = store_credit_type(shop)
    mug = make_product(shop, price="14.00", stock=10)
    body = sale_payload(shop, [(mug, 1)], payments=[(credit, "14.00")])  # type: ignore[list-item]
    body["customer_id"] = str(alice.id)
    sale = api.post("/api/register_sales", json=body).json()["register_sale"]
    assert credit_of(shop, alice) == (Decimal(6), Decimal(6))

    for _ in range(2):  # a retried void changes nothing more
        voided = api.put(f"/api/2.0/sales/{sale['id']}/actions/void")
        assert voided.status_code == 200, voided.text

    assert credit_of(shop, alice) == (Decimal(20), Decimal(20))
