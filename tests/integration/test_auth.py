"""Every route is protected by a token or a session, except an explicit public list."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.accounts import service as accounts
from comptoir.accounts import signin
from comptoir.accounts.models import ApiToken, User
from comptoir.accounts.permissions import Permission, Role
from comptoir.app import create_app
from comptoir.core.clock import utcnow
from comptoir.core.errors import NotAuthenticated
from comptoir.core.settings import Settings
from comptoir.http.deps import get_principal, require
from tests.factories import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Store,
    decimal_json,
    make_product,
    make_token,
    make_user,
    sale_payload,
)

# Routes anyone may call, and why. Everything else must depend on `get_principal` (directly or
# through `require(...)`), so that a new route is protected or fails this test.
PUBLIC_ROUTES = {
    "/healthz": "liveness probe for load balancers",
    "/openapi.json": "the API description (X-Series compatible, nothing private)",
    "/docs": "interactive API docs",
    "/docs/oauth2-redirect": "interactive API docs",
    "/docs-init.js": "interactive API docs",
    "/redoc": "interactive API docs",
    "/login": "the sign-in page and form",
    "/login/mfa": "the MFA step: it finds its own MFA-pending session and checks its CSRF",
    "/login/forgot": "asking for a password reset link (login CSRF cookie)",
    "/login/reset": "choosing a new password with the emailed single-use link",
    "/logout": "signing out must work with an expired session; it checks CSRF itself",
    "/": "redirects to /sell, which requires a session",
}
PUBLIC_MOUNTS = {
    "/static": "CSS, JavaScript and images of the pages",
    "/docs-assets": "Swagger UI files",
}


def routes_of(app: FastAPI) -> Iterator[Any]:
    """Every route the app serves, including those of included routers, with full paths."""
    yield from iter_route_contexts(app.routes)


def dependency_calls(dependant: Dependant | None) -> Iterator[Callable[..., Any]]:
    if dependant is None:
        return
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from dependency_calls(sub)


def is_protected(route: Any) -> bool:
    calls = list(dependency_calls(getattr(route, "dependant", None)))
    return any(call is get_principal or hasattr(call, "permission") for call in calls)


def is_public(route: Any) -> bool:
    if getattr(route, "methods", None) is None:  # a mount
        return route.path in PUBLIC_MOUNTS
    return route.path in PUBLIC_ROUTES


def unguarded_routes(app: FastAPI) -> list[str]:
    return [
        f"{sorted(getattr(route, 'methods', None) or ['*'])} {route.path}"
        for route in routes_of(app)
        if not is_protected(route) and not is_public(route)
    ]


def api_calls(app: FastAPI) -> list[tuple[str, str]]:
    calls = []
    for route in routes_of(app):
        if not route.path.startswith("/api"):
            continue
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), route.path)
        calls += [(method, path) for method in sorted(route.methods) if method != "HEAD"]
    return calls


@pytest.fixture(scope="module")
def bare_app() -> FastAPI:
    # Only read for its routes: never served, so the database URL is never opened.
    return create_app(Settings(database_url="sqlite://", embedded_worker=False))


def test_every_route_is_protected_or_on_the_public_list(bare_app: FastAPI) -> None:
    assert unguarded_routes(bare_app) == []


def test_the_route_walk_sees_the_routes_of_included_routers(bare_app: FastAPI) -> None:
    # Guards the guard: if enumerating routes ever came back empty, the test above would pass
    # while checking nothing.
    paths = {route.path for route in routes_of(bare_app)}
    assert {
        "/api/register_sales",
        "/api/2.0/sales/{sale_id}",
        "/api/2.0/users",
        "/healthz",
    } <= paths
    assert len(api_calls(bare_app)) >= 18


def test_the_route_guard_flags_a_route_that_nobody_protected() -> None:
    app = create_app(Settings(database_url="sqlite://", embedded_worker=False))

    @app.get("/api/2.0/leaky")
    def leaky() -> dict[str, str]:
        return {}

    @app.get("/api/2.0/guarded", dependencies=[Depends(require(Permission.VIEW_SALES))])
    def guarded() -> dict[str, str]:
        return {}

    assert unguarded_routes(app) == ["['GET'] /api/2.0/leaky"]


def test_every_api_route_answers_401_without_credentials(
    app_client: TestClient, shop: Store
) -> None:
    calls = api_calls(app_client.app)  # type: ignore[arg-type]
    assert calls
    for method, path in calls:
        reply = app_client.request(method, path, json={} if method != "GET" else None)
        assert reply.status_code == 401, (method, path, reply.status_code, reply.text)
        body = reply.json()
        assert set(body) == {"error", "details"}, (method, path)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer cpt_not-a-real-token",
        "Bearer ",
        "Basic b3duZXJAZXhhbXBsZS5jb206Y29ycmVjdCBob3JzZQ==",
        "cpt_token-without-scheme",
    ],
)
def test_an_unknown_or_malformed_token_is_refused(
    app_client: TestClient, shop: Store, authorization: str
) -> None:
    reply = app_client.get("/api/2.0/user", headers={"Authorization": authorization})
    assert reply.status_code == 401
    assert reply.json()["error"]


def test_a_personal_token_authenticates_its_user(app_client: TestClient, shop: Store) -> None:
    token = make_token(shop)
    reply = app_client.get("/api/2.0/user", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    assert reply.json()["data"]["username"] == OWNER_EMAIL


def _change_token(shop: Store, **values: Any) -> None:
    with shop.uow() as uow:
        uow.session.execute(update(ApiToken).values(**values))
        uow.commit()


def _change_owner(shop: Store, **values: Any) -> None:
    with shop.uow() as uow:
        uow.session.execute(update(User).where(User.id == shop.owner.id).values(**values))
        uow.commit()


@pytest.mark.parametrize(
    "revoke",
    [
        lambda shop: _change_token(shop, revoked_at=utcnow()),
        lambda shop: _change_token(shop, expires_at=utcnow() - timedelta(seconds=1)),
        lambda shop: _change_owner(shop, enabled=False),
        lambda shop: _change_owner(shop, deleted_at=utcnow()),
    ],
    ids=["revoked token", "expired token", "disabled user", "deleted user"],
)
def test_a_token_stops_working_once_revoked_expired_or_its_user_is_gone(
    app_client: TestClient, shop: Store, revoke: Callable[[Store], None]
) -> None:
    headers = {"Authorization": f"Bearer {make_token(shop)}"}
    assert app_client.get("/api/2.0/user", headers=headers).status_code == 200
    revoke(shop)
    reply = app_client.get("/api/2.0/user", headers=headers)
    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid, expired or revoked token"


def test_a_browser_session_authenticates_until_signed_out(
    app_client: TestClient, shop: Store
) -> None:
    with shop.uow() as uow:
        started = signin.sign_in(
            uow, username=OWNER_EMAIL, password=OWNER_PASSWORD, ip=None, days=1
        ).started
    name = app_client.app.state.settings.session_cookie_name  # type: ignore[attr-defined]
    cookie = {"Cookie": f"{name}={started.secret}"}
    reply = app_client.get("/api/2.0/user", headers=cookie)
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["username"] == OWNER_EMAIL
    with shop.uow() as uow:
        accounts.sign_out(uow, secret=started.secret)
    assert app_client.get("/api/2.0/user", headers=cookie).status_code == 401


def test_a_wrong_password_opens_no_session(shop: Store) -> None:
    with shop.uow() as uow, pytest.raises(NotAuthenticated):
        signin.sign_in(uow, username=OWNER_EMAIL, password="wrong password", ip=None, days=1)


def test_a_cashier_can_sell_but_cannot_list_users(app_client: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=cashier.username)}"}
    coffee = make_product(shop, price="8.90")

    sold = app_client.post(
        "/api/register_sales", json=sale_payload(shop, [(coffee, 1)], total="8.90"), headers=headers
    )
    assert sold.status_code == 200, sold.text
    assert decimal_json(sold)["register_sale"]["user_id"] == str(cashier.id)
    assert app_client.get("/api/2.0/sales", headers=headers).status_code == 200

    for path in ("/api/2.0/users", f"/api/2.0/users/{cashier.id}"):
        refused = app_client.get(path, headers=headers)
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "you are not allowed to do this",
            "details": {"permission": "users:read"},
        }
    assert app_client.get("/api/2.0/user", headers=headers).json()["data"]["id"] == str(cashier.id)


def test_a_manager_can_list_users(app_client: TestClient, shop: Store) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=manager.username)}"}
    assert app_client.get("/api/2.0/users", headers=headers).status_code == 200
