"""Personal tokens: scopes narrow the user's rights, expiry, revocation, last use, and
ending every session and token of a user."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts import signin, tokens
from comptoir.accounts.models import ApiToken, LoginSession, SecurityEvent
from comptoir.accounts.permissions import Role
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from tests.factories import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Store,
    make_product,
    make_scoped_token,
    make_token,
    make_user,
    sale_payload,
)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def the_token(shop: Store) -> ApiToken:
    with shop.db.read_sessions() as session:
        return session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).first()


def test_a_products_read_token_cannot_sell(app_client: TestClient, shop: Store) -> None:
    secret = make_scoped_token(shop, shop.owner, scopes=["products:read"])
    coffee = make_product(shop, price="3.00")
    refused = app_client.post(
        "/api/register_sales",
        json=sale_payload(shop, [(coffee, 1)], total="3.00"),
        headers=bearer(secret),
    )
    assert refused.status_code == 403
    assert refused.json()["details"] == {"permission": "sales:write"}
    assert app_client.get("/api/2.0/products", headers=bearer(secret)).status_code == 200
    assert app_client.get("/api/2.0/users", headers=bearer(secret)).status_code == 403


def test_a_sales_write_token_can_sell_and_read_sales(app_client: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    secret = make_scoped_token(shop, cashier, scopes=["sales:write"])
    coffee = make_product(shop, price="3.00")
    sold = app_client.post(
        "/api/register_sales",
        json=sale_payload(shop, [(coffee, 1)], total="3.00"),
        headers=bearer(secret),
    )
    assert sold.status_code == 200, sold.text
    assert app_client.get("/api/2.0/sales", headers=bearer(secret)).status_code == 200
    assert app_client.get("/api/2.0/products", headers=bearer(secret)).status_code == 403


def test_a_full_scope_token_of_a_cashier_still_cannot_manage_users(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    other = make_user(shop, role=Role.CASHIER)
    secret = make_scoped_token(shop, cashier, scopes=["*"])
    reply = app_client.delete(f"/api/2.0/users/{other.id}", headers=bearer(secret))
    assert reply.status_code == 403


@pytest.mark.parametrize(
    ("scopes", "stored"),
    [
        (["*"], ["*"]),
        (["sales:read", "sales:write", "products:read"], ["products:read", "sales:write"]),
        ([" Products:Read "], ["products:read"]),
        (["*", "sales:read"], ["*"]),
    ],
)
def test_scopes_are_stored_normalised(shop: Store, scopes: list[str], stored: list[str]) -> None:
    make_scoped_token(shop, shop.owner, scopes=scopes)
    assert the_token(shop).scopes == stored


@pytest.mark.parametrize("scopes", [[], ["products"], ["products:delete"], ["nowhere:read"]])
def test_an_unknown_or_empty_scope_is_refused(shop: Store, scopes: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_scoped_token(shop, shop.owner, scopes=scopes)
    assert refused.value.details["field"] == "scopes"
    assert the_token(shop) is None


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_an_expiry_out_of_range_is_refused(shop: Store, days: int) -> None:
    with pytest.raises(InvalidInput):
        make_scoped_token(shop, shop.owner, scopes=["*"], expires_days=days)


def test_a_token_works_until_it_expires(app_client: TestClient, shop: Store) -> None:
    secret = make_scoped_token(shop, shop.owner, scopes=["*"], expires_days=30)
    token = the_token(shop)
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    assert app_client.get("/api/2.0/user", headers=bearer(secret)).status_code == 200
    with shop.uow() as uow:
        uow.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    assert app_client.get("/api/2.0/user", headers=bearer(secret)).status_code == 401


def test_a_revoked_token_stops_working_and_the_revocation_is_recorded(
    app_client: TestClient, shop: Store
) -> None:
    secret = make_scoped_token(shop, shop.owner, scopes=["*"])
    token = the_token(shop)
    with shop.uow() as uow:
        tokens.revoke_token(uow, user_id=shop.owner.id, token_id=token.id, actor_id=shop.owner.id)
    with shop.uow() as uow:  # a second revocation changes nothing
        tokens.revoke_token(uow, user_id=shop.owner.id, token_id=token.id, actor_id=shop.owner.id)
    assert app_client.get("/api/2.0/user", headers=bearer(secret)).status_code == 401
    with shop.db.read_sessions() as session:
        actions = session.scalars(select(SecurityEvent.action).order_by(SecurityEvent.version))
        assert list(actions) == ["token_created", "token_revoked"]


def test_nobody_revokes_another_users_token(shop: Store) -> None:
    make_scoped_token(shop, shop.owner, scopes=["*"])
    clerk = make_user(shop, role=Role.CASHIER)
    with shop.uow() as uow, pytest.raises(NotFound):
        tokens.revoke_token(uow, user_id=clerk.id, token_id=the_token(shop).id, actor_id=clerk.id)
    assert the_token(shop).revoked_at is None


def test_last_used_is_recorded_at_most_once_a_minute(app_client: TestClient, shop: Store) -> None:
    secret = make_scoped_token(shop, shop.owner, scopes=["*"])
    assert the_token(shop).last_used_at is None
    app_client.get("/api/2.0/user", headers=bearer(secret))
    first = the_token(shop).last_used_at
    assert first is not None
    app_client.get("/api/2.0/user", headers=bearer(secret))
    assert the_token(shop).last_used_at == first
    earlier = utcnow() - timedelta(minutes=2)
    with shop.uow() as uow:
        uow.session.execute(update(ApiToken).values(last_used_at=earlier))
        uow.commit()
    app_client.get("/api/2.0/user", headers=bearer(secret))
    assert the_token(shop).last_used_at > earlier + timedelta(minutes=1)


def _sign_in(shop: Store) -> str:
    with shop.uow() as uow:
        signed_in = signin.sign_in(
            uow, username=OWNER_EMAIL, password=OWNER_PASSWORD, ip=None, days=1
        )
    return signed_in.started.secret


def test_deleting_a_users_sessions_ends_them_and_revokes_their_tokens(
    app_client: TestClient, shop: Store
) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    clerk = make_user(shop, role=Role.CASHIER)
    clerk_token = make_token(shop, username=clerk.username)
    admin_token = make_token(shop, username=admin.username)
    reply = app_client.delete(f"/api/2.0/users/{clerk.id}/sessions", headers=bearer(admin_token))
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["tokens_revoked"] == 1
    assert app_client.get("/api/2.0/user", headers=bearer(clerk_token)).status_code == 401
    assert app_client.get("/api/2.0/user", headers=bearer(admin_token)).status_code == 200
    with shop.db.read_sessions() as session:
        event = session.scalars(
            select(SecurityEvent).where(SecurityEvent.action == "signout_everywhere")
        ).one()
    assert (event.user_id, event.actor_id) == (clerk.id, admin.id)


def test_signing_out_everywhere_ends_browser_sessions_too(
    app_client: TestClient, shop: Store
) -> None:
    cookie_secret = _sign_in(shop)
    token = make_token(shop)
    reply = app_client.delete(f"/api/2.0/users/{shop.owner.id}/sessions", headers=bearer(token))
    assert reply.json()["data"] == {
        "user_id": str(shop.owner.id),
        "sessions_ended": 1,
        "tokens_revoked": 1,
    }
    name = app_client.app.state.settings.session_cookie_name  # type: ignore[attr-defined]
    reply = app_client.get("/api/2.0/user", headers={"Cookie": f"{name}={cookie_secret}"})
    assert reply.status_code == 401
    with shop.db.read_sessions() as session:
        assert session.scalars(select(LoginSession.ended_at)).one() is not None


def test_a_cashier_may_sign_out_only_themselves_everywhere(
    app_client: TestClient, shop: Store
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=clerk.username)
    owner_token = make_token(shop)
    refused = app_client.delete(f"/api/2.0/users/{shop.owner.id}/sessions", headers=bearer(token))
    assert refused.status_code == 403
    assert app_client.get("/api/2.0/user", headers=bearer(owner_token)).status_code == 200
    mine = app_client.delete(f"/api/2.0/users/{clerk.id}/sessions", headers=bearer(token))
    assert mine.status_code == 200
    assert app_client.get("/api/2.0/user", headers=bearer(token)).status_code == 401


def test_an_admin_cannot_sign_the_owner_out_everywhere(app_client: TestClient, shop: Store) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    token = make_token(shop, username=admin.username)
    reply = app_client.delete(f"/api/2.0/users/{shop.owner.id}/sessions", headers=bearer(token))
    assert reply.status_code == 403
    missing = app_client.delete(f"/api/2.0/users/{uuid.uuid4()}/sessions", headers=bearer(token))
    assert missing.status_code == 404
