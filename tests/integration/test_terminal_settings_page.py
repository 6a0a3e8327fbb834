"""The card terminal settings page: admins choose a payment type's provider and address;
a manager sees nothing to change and cannot post; a bad address changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.payments import adapters  # noqa: F401  (registers "simulator")
from comptoir.store import service as store
from tests.factories import Store, csrf_of, make_user, sign_in_as


def _provider(shop: Store) -> str | None:
    with shop.uow() as uow:
        return store.get_payment_type(uow.session, payment_type_id=shop.card.id).provider


def test_an_admin_makes_a_payment_type_integrated_and_a_bad_address_changes_nothing(
    browser: TestClient, shop: Store
) -> None:
    path = f"/settings/payment-types/{shop.card.id}/terminal"
    token = csrf_of(browser.get(path).text)

    bad = browser.post(path, data={"csrf": token, "provider": "simulator", "address": "ftp://x"})
    assert bad.status_code == 422
    assert _provider(shop) is None
    good = browser.post(
        path,
        data={"csrf": token, "provider": "simulator", "address": "http://127.0.0.1:8765"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert _provider(shop) == "simulator"
    assert "simulator" in browser.get("/settings/payment-types").text


def test_a_manager_cannot_configure_a_terminal(app_client: TestClient, shop: Store) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    sign_in_as(app_client, manager.username)
    path = f"/settings/payment-types/{shop.card.id}/terminal"
    token = csrf_of(app_client.get("/account").text)

    refused = app_client.post(
        path, data={"csrf": token, "provider": "simulator", "address": "http://127.0.0.1:1"}
    )

    assert refused.status_code == 403
    assert _provider(shop) is None
