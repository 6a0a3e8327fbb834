"""Settings > Users, Settings > Security events and My account, through the browser routes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts import users
from comptoir.accounts.models import ApiToken, SecurityEvent, User
from comptoir.accounts.permissions import Role
from comptoir.accounts.service import verify_password
from tests.factories import Store, csrf_of, make_token, make_user, sign_in_as

TOKEN_SHOWN = re.compile(r'data-testid="new-token">(cpt_[^<]+)<')


@pytest.fixture
def owner_browser(app_client: TestClient, shop: Store) -> TestClient:
    return sign_in_as(app_client, shop.owner.username)


def find(shop: Store, username: str) -> User | None:
    with shop.db.read_sessions() as session:
        return session.scalars(select(User).where(User.username == username)).one_or_none()


@pytest.mark.parametrize("path", ["/settings/users", "/settings/security-events", "/account"])
def test_user_pages_render_without_inline_scripts(owner_browser: TestClient, path: str) -> None:
    reply = owner_browser.get(path)
    assert reply.status_code == 200, reply.text
    assert "<script>" not in reply.text
    assert 'href="/settings/users"' in reply.text


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/settings/users", "GET"),
        ("/settings/users", "POST"),
        ("/settings/security-events", "GET"),
    ],
)
def test_a_cashier_is_refused_user_management_pages(
    app_client: TestClient, shop: Store, path: str, method: str
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, clerk.username)
    page = browser.get("/account")
    assert page.status_code == 200
    assert 'href="/settings/users"' not in page.text
    reply = browser.request(method, path, data={"csrf": csrf_of(page.text), "username": "x"})
    assert reply.status_code == 403
    assert find(shop, "x") is None


def test_an_admin_creates_a_user_from_the_form(app_client: TestClient, shop: Store) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    browser = sign_in_as(app_client, admin.username)
    token = csrf_of(browser.get("/settings/users").text)
    reply = browser.post(
        "/settings/users",
        data={
            "csrf": token,
            "username": "paul",
            "display_name": "Paul",
            "role": "manager",
            "password": "a long password",
            "pin": "1234",
            "outlet_ids": [str(shop.outlet.id)],
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    paul = find(shop, "paul")
    assert paul is not None and paul.role == "manager"
    assert verify_password(paul.pin_hash, "1234")
    with shop.db.read_sessions() as session:
        assert users.outlets_of(session, user_ids=[paul.id]) == {paul.id: [shop.outlet.id]}
    assert 'data-username="paul"' in browser.get("/settings/users").text


def test_a_refused_user_form_shows_the_error_by_its_field_and_saves_nothing(
    owner_browser: TestClient, shop: Store
) -> None:
    token = csrf_of(owner_browser.get("/settings/users").text)
    reply = owner_browser.post(
        "/settings/users",
        data={"csrf": token, "username": "paul", "role": "cashier", "password": "short"},
    )
    assert reply.status_code == 422
    assert 'id="e-password"' in reply.text
    assert find(shop, "paul") is None


def test_a_user_form_without_the_csrf_token_is_refused(
    owner_browser: TestClient, shop: Store
) -> None:
    reply = owner_browser.post(
        "/settings/users",
        data={"username": "paul", "role": "cashier", "password": "a long password"},
    )
    assert reply.status_code == 403
    assert find(shop, "paul") is None


def test_editing_a_users_role_and_deactivating_them_from_the_pages(
    owner_browser: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER, username="lea")
    page = owner_browser.get(f"/settings/users/{clerk.id}")
    assert page.status_code == 200
    token = csrf_of(page.text)
    saved = owner_browser.post(
        f"/settings/users/{clerk.id}",
        data={"csrf": token, "username": "lea", "display_name": "Léa", "role": "manager"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    off = owner_browser.post(
        f"/settings/users/{clerk.id}/deactivate", data={"csrf": token}, follow_redirects=False
    )
    assert off.status_code == 303
    stored = find(shop, "lea")
    assert stored is not None and stored.role == "manager" and not stored.enabled
    with shop.db.read_sessions() as session:
        actions = set(session.scalars(select(SecurityEvent.action)))
    assert {"role_changed", "user_deactivated"} <= actions


def test_the_security_events_page_shows_time_user_action_and_ip(
    owner_browser: TestClient, shop: Store
) -> None:
    make_user(shop, role=Role.CASHIER)
    clerk = make_user(shop, role=Role.CASHIER, username="lea")
    token = csrf_of(owner_browser.get(f"/settings/users/{clerk.id}").text)
    owner_browser.post(f"/settings/users/{clerk.id}/deactivate", data={"csrf": token})
    page = owner_browser.get("/settings/security-events", params={"action": "user_deactivated"})
    assert page.status_code == 200
    assert page.text.count('data-action="user_deactivated"') == 1
    assert "User deactivated" in page.text and "testclient" in page.text


def test_my_account_creates_a_token_shown_once_then_revokes_it(
    owner_browser: TestClient, shop: Store
) -> None:
    token = csrf_of(owner_browser.get("/account").text)
    created = owner_browser.post(
        "/account/tokens",
        data={"csrf": token, "name": "shop site", "scope_products": "read", "expires_days": "30"},
    )
    assert created.status_code == 200, created.text
    match = TOKEN_SHOWN.search(created.text)
    assert match
    secret = match.group(1)
    assert 'data-token="shop site"' in created.text
    later = owner_browser.get("/account").text
    assert secret not in later and 'data-token="shop site"' in later
    api = owner_browser.get("/api/2.0/products", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    with owner_browser.app.state.database.read_sessions() as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(ApiToken)).one()
    assert stored.scopes == ["products:read"] and stored.expires_at is not None
    revoked = owner_browser.post(
        f"/account/tokens/{stored.id}/revoke", data={"csrf": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    again = owner_browser.get("/api/2.0/user", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401


def test_a_token_without_a_name_or_scope_is_refused_next_to_the_field(
    owner_browser: TestClient,
) -> None:
    token = csrf_of(owner_browser.get("/account").text)
    nameless = owner_browser.post("/account/tokens", data={"csrf": token, "full": "on"})
    assert nameless.status_code == 422 and 'id="e-name"' in nameless.text
    scopeless = owner_browser.post("/account/tokens", data={"csrf": token, "name": "x"})
    assert scopeless.status_code == 422 and 'id="e-scopes"' in scopeless.text


def test_sign_out_everywhere_from_my_account_ends_this_session(
    owner_browser: TestClient,
) -> None:
    token = csrf_of(owner_browser.get("/account").text)
    reply = owner_browser.post(
        "/account/sign-out-everywhere", data={"csrf": token}, follow_redirects=False
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login"
    assert owner_browser.get("/account", follow_redirects=False).status_code == 303


def test_setting_my_pin_refuses_letters_and_saves_digits(
    owner_browser: TestClient, shop: Store
) -> None:
    token = csrf_of(owner_browser.get("/account").text)
    bad = owner_browser.post("/account/pin", data={"csrf": token, "pin": "12ab"})
    assert bad.status_code == 422 and 'id="e-pin"' in bad.text
    good = owner_browser.post(
        "/account/pin", data={"csrf": token, "pin": "908172"}, follow_redirects=False
    )
    assert good.status_code == 303
    owner = find(shop, shop.owner.username)
    assert owner is not None and verify_password(owner.pin_hash, "908172")


def test_an_admin_signs_a_user_out_everywhere_from_their_page(
    owner_browser: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    secret = make_token(shop, username=clerk.username)
    token = csrf_of(owner_browser.get(f"/settings/users/{clerk.id}").text)
    reply = owner_browser.post(
        f"/settings/users/{clerk.id}/sign-out-everywhere",
        data={"csrf": token},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    gone = owner_browser.get("/api/2.0/user", headers={"Authorization": f"Bearer {secret}"})
    assert gone.status_code == 401
    unknown = owner_browser.post(f"/settings/users/{clerk.id}/explode", data={"csrf": token})
    assert unknown.status_code == 404
