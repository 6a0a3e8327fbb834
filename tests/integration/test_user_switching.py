"""User switching at a register: PIN, switch protection towards a higher role, the trail, and
the sale recorded for the user selling now."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts import signin
from comptoir.accounts.models import LoginSession, SecurityEvent, User, UserSwitch
from comptoir.accounts.permissions import Role
from comptoir.store.models import Retailer
from tests.factories import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Store,
    decimal_json,
    make_product,
    make_token,
    make_user,
    post_login,
    sale_payload,
    set_pin,
)

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def protect(shop: Store) -> None:
    with shop.uow() as uow:
        uow.session.execute(update(Retailer).values(switch_protection=True))
        uow.commit()


def at_register(client: TestClient, username: str) -> dict[str, str]:
    """Sign in through the page; returns the CSRF header the sell screen's script sends."""
    assert post_login(client, username, OWNER_PASSWORD).status_code == 303
    page = client.get("/sell")
    assert page.status_code == 200
    match = CSRF_META.search(page.text)
    assert match
    return {"X-CSRF-Token": match.group(1)}


def switch(client: TestClient, headers: dict[str, str], user: User, **secret: str) -> Any:
    return client.post(
        "/api/comptoir/switch_user", json={"user_id": str(user.id), **secret}, headers=headers
    )


def switches(shop: Store) -> list[UserSwitch]:
    with shop.db.read_sessions() as session:
        return list(session.scalars(select(UserSwitch).order_by(UserSwitch.created_at)))


def test_switching_by_pin_makes_the_next_sale_the_switched_users(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    headers = at_register(app_client, OWNER_EMAIL)
    reply = switch(app_client, headers, cashier, pin="4321")
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["user_id"] == str(cashier.id)
    with shop.db.read_sessions() as session:
        login = session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None))).one()
        assert login.acting_user_id == cashier.id
        event = session.scalars(
            select(SecurityEvent).where(SecurityEvent.action == "user_switch")
        ).one()
        assert (event.user_id, event.actor_id) == (cashier.id, shop.owner.id)
    assert [(s.to_user_id, s.verified_with) for s in switches(shop)] == [(cashier.id, "pin")]
    # The sell screen now shows who sells, and its sale is recorded for them.
    assert 'data-testid="seller">Cashier<' in app_client.get("/sell").text
    coffee = make_product(shop, price="3.00")
    body = sale_payload(shop, [(coffee, 1)], total="3.00")
    sold = app_client.post("/api/register_sales", json=body, headers=headers)
    assert sold.status_code == 200, sold.text
    assert decimal_json(sold)["register_sale"]["user_id"] == str(cashier.id)


def test_a_sale_built_before_a_switch_and_resent_after_it_keeps_its_seller(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    stranger = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    headers = at_register(app_client, OWNER_EMAIL)
    coffee = make_product(shop, price="3.00")
    built_by_owner = sale_payload(shop, [(coffee, 1)], total="3.00") | {
        "user_id": str(shop.owner.id)
    }
    assert switch(app_client, headers, cashier, pin="4321").status_code == 200
    resent = app_client.post("/api/register_sales", json=built_by_owner, headers=headers)
    assert resent.status_code == 200, resent.text
    assert decimal_json(resent)["register_sale"]["user_id"] == str(shop.owner.id)
    # Nobody who never sold on this session can be named.
    body = sale_payload(shop, [(coffee, 1)], total="3.00") | {"user_id": str(stranger.id)}
    assert app_client.post("/api/register_sales", json=body, headers=headers).status_code == 403


def test_a_register_session_cannot_attribute_a_sale_to_another_user(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    headers = at_register(app_client, cashier.username)
    coffee = make_product(shop, price="3.00")
    body = sale_payload(shop, [(coffee, 1)], total="3.00") | {"user_id": str(shop.owner.id)}
    refused = app_client.post("/api/register_sales", json=body, headers=headers)
    assert refused.status_code == 403
    body["user_id"] = str(cashier.id)
    assert app_client.post("/api/register_sales", json=body, headers=headers).status_code == 200


def test_a_wrong_pin_is_refused_and_counts_towards_the_lockout(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    headers = at_register(app_client, OWNER_EMAIL)
    for _ in range(signin.ACCOUNT_MAX_FAILURES):
        assert switch(app_client, headers, cashier, pin="0000").status_code == 403
    locked = switch(app_client, headers, cashier, pin="4321")
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert switches(shop) == []


def test_switch_protection_asks_the_password_to_move_to_a_higher_role(
    app_client: TestClient, shop: Store
) -> None:
    protect(shop)
    cashier = make_user(shop, role=Role.CASHIER)
    manager = make_user(shop, role=Role.MANAGER)
    set_pin(shop, cashier, "1111")
    set_pin(shop, manager, "2222")
    headers = at_register(app_client, cashier.username)
    pin_only = switch(app_client, headers, manager, pin="2222")
    assert pin_only.status_code == 403
    assert pin_only.json()["details"] == {"password_required": True}
    assert 'data-needs-password="true"' in app_client.get("/sell").text
    up = switch(app_client, headers, manager, password=OWNER_PASSWORD)
    assert up.status_code == 200, up.text
    # Back down to the cashier: a lower role, the PIN is enough.
    down = switch(app_client, headers, cashier, pin="1111")
    assert down.status_code == 200, down.text
    assert [(s.to_user_id, s.verified_with) for s in switches(shop)] == [
        (manager.id, "password"),
        (cashier.id, "pin"),
    ]
    with shop.db.read_sessions() as session:
        login = session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None))).one()
        assert login.acting_user_id is None  # back to the user who signed in


def test_without_switch_protection_a_pin_opens_a_higher_role(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    manager = make_user(shop, role=Role.MANAGER)
    set_pin(shop, manager, "2222")
    headers = at_register(app_client, cashier.username)
    assert switch(app_client, headers, manager, pin="2222").status_code == 200
    # The session now has the manager's rights.
    assert app_client.get("/api/2.0/users", headers=headers).status_code == 200


@pytest.mark.parametrize("secret", [{}, {"pin": ""}])
def test_a_user_without_a_pin_needs_their_password(
    app_client: TestClient, shop: Store, secret: dict[str, str]
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    headers = at_register(app_client, OWNER_EMAIL)
    assert switch(app_client, headers, cashier, **secret).status_code == 403
    assert switch(app_client, headers, cashier, password=OWNER_PASSWORD).status_code == 200


def test_switching_needs_a_browser_session_and_its_csrf_header(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    token = {"Authorization": f"Bearer {make_token(shop)}"}
    assert switch(app_client, token, cashier, pin="4321").status_code == 422
    at_register(app_client, OWNER_EMAIL)
    assert switch(app_client, {}, cashier, pin="4321").status_code == 403
    assert switches(shop) == []


def test_a_switched_session_manages_the_mfa_of_who_signed_in_not_of_the_switched_user(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    headers = at_register(app_client, OWNER_EMAIL)
    assert switch(app_client, headers, cashier, pin="4321").status_code == 200
    page = app_client.get("/account/mfa")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert app_client.post("/account/mfa/start", data={"csrf": csrf}).status_code == 200
    with shop.db.read_sessions() as session:
        assert session.get(User, cashier.id).mfa_pending_secret is None  # type: ignore[union-attr]
        assert session.get(User, shop.owner.id).mfa_pending_secret is not None  # type: ignore[union-attr]
