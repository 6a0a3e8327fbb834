"""A hostile cashier, with a token or a signed-in browser, cannot move customers between
groups (`customers:groups`) nor export the whole customer list (`customers:export`)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.events import SecurityAction
from comptoir.accounts.models import SecurityEvent, User
from comptoir.accounts.permissions import Role
from comptoir.customers import groups
from comptoir.customers.models import Customer, CustomerGroup
from tests.factories import (
    Store,
    count_rows,
    csrf_of,
    make_customer,
    make_token,
    make_user,
    run_comptoir,
    sign_in_as,
)


def make_group(shop: Store, name: str) -> CustomerGroup:
    with shop.uow() as uow:
        return groups.create_group(uow, name=name)


def default_group_id(shop: Store) -> uuid.UUID:
    with shop.db.read_sessions() as session:
        return groups.default_group(session).id


def stored(shop: Store, customer: Customer) -> Customer:
    with shop.db.read_sessions() as session:
        found = session.get(Customer, customer.id)
        assert found is not None
        return found


def events(shop: Store, action: SecurityAction) -> list[SecurityEvent]:
    with shop.db.read_sessions() as session:
        query = select(SecurityEvent).where(SecurityEvent.action == action.value)
        return list(session.scalars(query))


def bearer(shop: Store, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(shop, username=user.username)}"}


@pytest.fixture
def cashier(shop: Store) -> User:
    return make_user(shop, role=Role.CASHIER)


@pytest.fixture
def manager(shop: Store) -> User:
    return make_user(shop, role=Role.MANAGER)


@pytest.fixture
def vip(shop: Store) -> CustomerGroup:
    return make_group(shop, "VIP")


# Moving customers between groups -----------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_cashiers_token_cannot_move_customers_in_or_out_of_a_group(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup, method: str
) -> None:
    lea = make_customer(shop, first_name="Léa", customer_group_id=str(vip.id))
    hugo = make_customer(shop, first_name="Hugo")

    reply = app_client.request(
        method,
        f"/api/2.0/customer_groups/{vip.id}/customers",
        json={"customer_ids": [str(lea.id), str(hugo.id)]},
        headers=bearer(shop, cashier),
    )

    assert reply.status_code == 403
    assert reply.json()["details"]["permission"] == "customers:groups"
    assert stored(shop, lea).customer_group_id == vip.id
    assert stored(shop, hugo).customer_group_id == default_group_id(shop)


def test_a_managers_token_moves_customers_into_a_group(
    app_client: TestClient, shop: Store, manager: User, vip: CustomerGroup
) -> None:
    hugo = make_customer(shop, first_name="Hugo")

    reply = app_client.post(
        f"/api/2.0/customer_groups/{vip.id}/customers",
        json={"customer_ids": [str(hugo.id)]},
        headers=bearer(shop, manager),
    )

    assert reply.status_code == 200, reply.text
    assert stored(shop, hugo).customer_group_id == vip.id


def test_a_cashier_putting_another_group_on_a_customer_is_refused_and_nothing_changes(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup
) -> None:
    hugo = make_customer(shop, first_name="Hugo")

    reply = app_client.put(
        f"/api/2.0/customers/{hugo.id}",
        json={"first_name": "Victor", "customer_group_id": str(vip.id)},
        headers=bearer(shop, cashier),
    )

    assert reply.status_code == 403
    assert reply.json()["details"] == {
        "field": "customer_group_id",
        "permission": "customers:groups",
    }
    after = stored(shop, hugo)
    assert (after.first_name, after.customer_group_id) == ("Hugo", default_group_id(shop))


def test_a_cashier_edits_other_fields_sending_the_same_group_back(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup
) -> None:
    # A client echoes the whole customer back: the group it already has is not a move.
    lea = make_customer(shop, first_name="Léa", customer_group_id=str(vip.id))
    headers = bearer(shop, cashier)
    echoed = app_client.get(f"/api/2.0/customers/{lea.id}", headers=headers).json()["data"]

    reply = app_client.put(
        f"/api/2.0/customers/{lea.id}", json={**echoed, "phone": "0601020304"}, headers=headers
    )

    assert reply.status_code == 200, reply.text
    after = stored(shop, lea)
    assert (after.phone, after.customer_group_id) == ("0601020304", vip.id)


def test_a_cashier_creates_a_customer_in_the_default_group_only(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup
) -> None:
    headers = bearer(shop, cashier)
    refused = app_client.post(
        "/api/2.0/customers",
        json={"first_name": "Zoé", "customer_group_id": str(vip.id)},
        headers=headers,
    )
    created = app_client.post(
        "/api/2.0/customers",
        json={"first_name": "Zoé", "customer_group_id": str(default_group_id(shop))},
        headers=headers,
    )

    assert refused.status_code == 403
    assert created.status_code == 201, created.text
    assert count_rows(shop.db, Customer) == 1


def test_a_cashiers_browser_cannot_move_a_customer_through_the_api(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup
) -> None:
    hugo = make_customer(shop, first_name="Hugo")
    browser = sign_in_as(app_client, cashier.username)
    token = csrf_of(browser.get(f"/customers/{hugo.id}/edit").text)

    moved = browser.post(
        f"/api/2.0/customer_groups/{vip.id}/customers",
        json={"customer_ids": [str(hugo.id)]},
        headers={"X-CSRF-Token": token},
    )
    put = browser.put(
        f"/api/2.0/customers/{hugo.id}",
        json={"customer_group_id": str(vip.id)},
        headers={"X-CSRF-Token": token},
    )

    assert (moved.status_code, put.status_code) == (403, 403)
    assert stored(shop, hugo).customer_group_id == default_group_id(shop)


def test_the_edit_page_shows_a_cashier_the_group_without_letting_them_change_it(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup
) -> None:
    hugo = make_customer(shop, first_name="Hugo")
    browser = sign_in_as(app_client, cashier.username)

    page = browser.get(f"/customers/{hugo.id}/edit")

    assert page.status_code == 200
    assert 'name="customer_group_id" disabled' in page.text
    assert "Only a manager can move a customer to another group." in page.text
    # The form as a browser sends it: the disabled select is left out.
    saved = browser.post(
        f"/customers/{hugo.id}/edit",
        data={"csrf": csrf_of(page.text), "first_name": "Hugo", "phone": "0102030405"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert stored(shop, hugo).phone == "0102030405"


def test_a_cashier_posting_a_group_on_the_edit_page_gets_the_error_next_to_it(
    app_client: TestClient, shop: Store, cashier: User, vip: CustomerGroup
) -> None:
    hugo = make_customer(shop, first_name="Hugo")
    browser = sign_in_as(app_client, cashier.username)
    page = browser.get(f"/customers/{hugo.id}/edit")

    reply = browser.post(
        f"/customers/{hugo.id}/edit",
        data={"csrf": csrf_of(page.text), "first_name": "Victor", "customer_group_id": str(vip.id)},
    )

    assert reply.status_code == 403
    assert 'id="e-customer_group_id">Only a manager can move a customer' in reply.text
    after = stored(shop, hugo)
    assert (after.first_name, after.customer_group_id) == ("Hugo", default_group_id(shop))


def test_a_manager_moves_a_customer_on_the_edit_page(
    app_client: TestClient, shop: Store, manager: User, vip: CustomerGroup
) -> None:
    hugo = make_customer(shop, first_name="Hugo")
    browser = sign_in_as(app_client, manager.username)
    page = browser.get(f"/customers/{hugo.id}/edit")
    assert 'name="customer_group_id" disabled' not in page.text

    reply = browser.post(
        f"/customers/{hugo.id}/edit",
        data={"csrf": csrf_of(page.text), "first_name": "Hugo", "customer_group_id": str(vip.id)},
        follow_redirects=False,
    )

    assert reply.status_code == 303
    assert stored(shop, hugo).customer_group_id == vip.id


@pytest.mark.parametrize(("role", "disabled"), [(Role.CASHIER, True), (Role.MANAGER, False)])
def test_the_sell_screens_new_customer_group_is_fixed_for_a_cashier(
    app_client: TestClient, shop: Store, role: Role, disabled: bool
) -> None:
    seller = make_user(shop, role=role)
    browser = sign_in_as(app_client, seller.username)

    page = browser.get("/sell")

    assert page.status_code == 200
    select = '<select id="c-customer_group_id" name="customer_group_id"'
    assert (select + " disabled>" in page.text) is disabled
    assert select in page.text


# Exporting the customer list ---------------------------------------------------------------


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_cashier_cannot_export_the_customer_list(
    app_client: TestClient, shop: Store, cashier: User, extension: str
) -> None:
    make_customer(shop, first_name="Léa", email="lea@example.fr")
    browser = sign_in_as(app_client, cashier.username)

    reply = browser.get(f"/customers/export.{extension}")

    assert reply.status_code == 403
    assert b"lea@example.fr" not in reply.content
    assert "/customers/export" not in browser.get("/customers").text
    assert events(shop, SecurityAction.CUSTOMERS_EXPORTED) == []


def test_a_managers_export_is_a_security_event_with_ids_and_ip_only(
    app_client: TestClient, shop: Store, manager: User
) -> None:
    make_customer(shop, first_name="Léa", email="lea@example.fr")
    make_customer(shop, first_name="Hugo")
    browser = sign_in_as(app_client, manager.username)
    assert "/customers/export.csv" in browser.get("/customers").text

    reply = browser.get("/customers/export.csv")

    assert reply.status_code == 200
    assert b"lea@example.fr" in reply.content
    [event] = events(shop, SecurityAction.CUSTOMERS_EXPORTED)
    assert (event.user_id, event.actor_id) == (manager.id, manager.id)
    assert event.ip_address == "testclient"
    assert event.details == {"rows": 2, "format": "csv", "via": "web"}


def test_an_export_on_the_command_line_is_a_security_event_too(shop: Store, tmp_path: Path) -> None:
    make_customer(shop, first_name="Léa")

    run = run_comptoir(shop.db.url, tmp_path, "export", "customers", str(tmp_path / "c.xlsx"))

    assert run.returncode == 0, run.stderr
    [event] = events(shop, SecurityAction.CUSTOMERS_EXPORTED)
    assert event.user_id is None
    assert event.details == {"rows": 1, "format": "xlsx", "via": "cli"}
