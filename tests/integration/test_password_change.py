"""Changing one's own password on My account, and the change forced on users an admin
created: until then pages lead to /account/password and the API answers 403, to their
personal tokens too, and no token is made for them."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts import tokens, users
from comptoir.accounts.models import ApiToken, LoginSession, SecurityEvent, SignInAttempt, User
from comptoir.accounts.permissions import Role
from comptoir.accounts.service import hash_password, verify_password
from comptoir.core.errors import PermissionDenied
from tests.factories import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Store,
    count_rows,
    csrf_of,
    make_token,
    make_user,
    post_login,
    run_comptoir,
)

NEW_PASSWORD = "a brand new secret"
GIVEN_PASSWORD = "given by the admin"


def signed_in(client: TestClient, username: str, password: str = OWNER_PASSWORD) -> TestClient:
    reply = post_login(client, username, password)
    assert reply.status_code == 303, reply.text
    return client


def change(
    client: TestClient,
    *,
    current: str = OWNER_PASSWORD,
    new: str = NEW_PASSWORD,
    confirm: str | None = None,
    page: str = "/account",
    csrf: bool = True,
) -> httpx.Response:
    data = {
        "current_password": current,
        "new_password": new,
        "confirm": new if confirm is None else confirm,
    }
    if csrf:
        data["csrf"] = csrf_of(client.get(page).text)
    return client.post("/account/password", data=data, follow_redirects=False)


def stored(shop: Store, user_id: uuid.UUID) -> User:
    with shop.db.read_sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def live_sessions(shop: Store, user_id: uuid.UUID) -> int:
    with shop.db.read_sessions() as session:
        rows = session.scalars(
            select(LoginSession).where(
                LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)
            )
        )
        return len(list(rows))


def actions(shop: Store, user_id: uuid.UUID) -> list[str]:
    with shop.db.read_sessions() as session:
        query = select(SecurityEvent.action).where(SecurityEvent.user_id == user_id)
        return list(session.scalars(query.order_by(SecurityEvent.version)))


def failures(shop: Store) -> int:
    with shop.db.read_sessions() as session:
        query = select(SignInAttempt).where(SignInAttempt.succeeded.is_(False))
        return len(list(session.scalars(query)))


def test_my_account_page_has_the_change_password_form(app_client: TestClient, shop: Store) -> None:
    page = signed_in(app_client, OWNER_EMAIL).get("/account")
    assert page.status_code == 200
    assert 'action="/account/password"' in page.text
    assert 'name="current_password"' in page.text and 'name="confirm"' in page.text


def test_changing_the_password_ends_other_sessions_keeps_this_one_and_is_recorded(
    app_client: TestClient, shop: Store
) -> None:
    other = TestClient(app_client.app)
    signed_in(other, OWNER_EMAIL)
    signed_in(app_client, OWNER_EMAIL)
    assert live_sessions(shop, shop.owner.id) == 2
    reply = change(app_client)
    assert reply.status_code == 303 and reply.headers["location"] == "/account?password=1"
    assert app_client.get("/account?password=1").status_code == 200
    assert app_client.get("/sell").status_code == 200  # this session goes on
    ended = other.get("/sell", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    assert live_sessions(shop, shop.owner.id) == 1
    user = stored(shop, shop.owner.id)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not verify_password(user.password_hash, OWNER_PASSWORD)
    assert actions(shop, shop.owner.id)[-1] == "password_changed"
    app_client.cookies.clear()
    assert post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 401
    assert post_login(app_client, OWNER_EMAIL, NEW_PASSWORD).status_code == 303


def test_a_wrong_current_password_is_refused_counts_as_a_failure_and_changes_nothing(
    app_client: TestClient, shop: Store
) -> None:
    other = TestClient(app_client.app)
    signed_in(other, OWNER_EMAIL)
    signed_in(app_client, OWNER_EMAIL)
    before = stored(shop, shop.owner.id).password_hash
    reply = change(app_client, current="not my password")
    assert reply.status_code == 422
    assert 'id="e-current_password"' in reply.text and "Wrong password." in reply.text
    assert other.get("/sell").status_code == 200
    assert stored(shop, shop.owner.id).password_hash == before
    assert live_sessions(shop, shop.owner.id) == 2
    assert "password_changed" not in actions(shop, shop.owner.id)
    assert actions(shop, shop.owner.id)[-1] == "signin_failed"
    assert failures(shop) == 1


def test_wrong_current_passwords_lead_to_the_sign_in_lockout(
    app_client: TestClient, shop: Store
) -> None:
    signed_in(app_client, OWNER_EMAIL)
    for _ in range(5):
        assert change(app_client, current="guess").status_code == 422
    locked = change(app_client)  # even the right password is no longer checked
    assert locked.status_code == 422 and "Too many failed attempts" in locked.text
    assert verify_password(stored(shop, shop.owner.id).password_hash, OWNER_PASSWORD)
    assert "lockout" in actions(shop, shop.owner.id)


def test_a_weak_new_password_is_refused(app_client: TestClient, shop: Store) -> None:
    signed_in(app_client, OWNER_EMAIL)
    reply = change(app_client, new="short")
    assert reply.status_code == 422
    assert 'id="e-new_password"' in reply.text and "at least 8 characters" in reply.text
    assert verify_password(stored(shop, shop.owner.id).password_hash, OWNER_PASSWORD)
    assert "password_changed" not in actions(shop, shop.owner.id)


def test_a_confirmation_that_differs_is_refused(app_client: TestClient, shop: Store) -> None:
    signed_in(app_client, OWNER_EMAIL)
    reply = change(app_client, confirm=NEW_PASSWORD + "!")
    assert reply.status_code == 422
    assert 'id="e-confirm"' in reply.text and "The two passwords differ." in reply.text
    assert verify_password(stored(shop, shop.owner.id).password_hash, OWNER_PASSWORD)


def test_a_change_posted_without_the_csrf_token_is_refused(
    app_client: TestClient, shop: Store
) -> None:
    signed_in(app_client, OWNER_EMAIL)
    assert change(app_client, csrf=False).status_code == 403
    assert verify_password(stored(shop, shop.owner.id).password_hash, OWNER_PASSWORD)
    assert "password_changed" not in actions(shop, shop.owner.id)


def test_the_page_is_in_french_for_a_french_user(app_client: TestClient, shop: Store) -> None:
    with shop.uow() as uow:
        owner = uow.session.get(User, shop.owner.id)
        assert owner is not None
        owner.locale = "fr"
        uow.commit()
    page = signed_in(app_client, OWNER_EMAIL).get("/account")
    assert "Changer le mot de passe" in page.text
    assert "Mot de passe actuel" in page.text


def test_a_user_created_by_an_admin_must_change_the_password_before_anything_else(
    app_client: TestClient, shop: Store
) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    with shop.uow() as uow:
        paul = users.create_user(
            uow,
            actor=users.Actor(user=admin, ip=None, user_agent=None),
            fields=users.UserFields(username="paul", display_name="Paul", role="cashier"),
            password=GIVEN_PASSWORD,
        )
    signed_in(app_client, "paul", GIVEN_PASSWORD)
    for path in ("/sell", "/account", "/settings/users"):
        reply = app_client.get(path, follow_redirects=False)
        assert reply.status_code == 303, path
        assert reply.headers["location"] == "/account/password"
    page = app_client.get("/account/password")
    assert page.status_code == 200 and 'data-testid="password-change-required"' in page.text
    csrf = csrf_of(page.text)
    api = app_client.get("/api/2.0/products")
    assert api.status_code == 403
    assert api.json()["details"]["reason"] == "password_change_required"
    write = app_client.post(
        "/account/pin", data={"csrf": csrf, "pin": "1234"}, follow_redirects=False
    )
    assert write.status_code == 303 and write.headers["location"] == "/account/password"
    assert stored(shop, paul.id).pin_hash is None
    # Another user's token (the owner's) is not concerned.
    token_call = app_client.get(
        "/api/2.0/products", headers={"Authorization": f"Bearer {make_token(shop)}"}
    )
    assert token_call.status_code == 200
    # A mistake keeps the user on the page, errors next to the field.
    refused = change(app_client, current=GIVEN_PASSWORD, new="short", page="/account/password")
    assert refused.status_code == 422 and 'data-testid="password-change-required"' in refused.text
    same = change(app_client, current=GIVEN_PASSWORD, new=GIVEN_PASSWORD, page="/account/password")
    assert same.status_code == 422 and 'id="e-new_password"' in same.text
    done = change(app_client, current=GIVEN_PASSWORD, page="/account/password")
    assert done.status_code == 303 and done.headers["location"] == "/sell"
    assert app_client.get("/sell").status_code == 200
    assert app_client.get("/account").status_code == 200
    assert app_client.get("/api/2.0/products").status_code == 200
    user = stored(shop, paul.id)
    assert not user.require_password_change
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert actions(shop, paul.id)[-1] == "password_changed"


def test_logout_stays_open_to_a_user_who_must_change_the_password(
    app_client: TestClient, shop: Store
) -> None:
    admin = make_user(shop, role=Role.ADMIN)
    with shop.uow() as uow:
        users.create_user(
            uow,
            actor=users.Actor(user=admin, ip=None, user_agent=None),
            fields=users.UserFields(username="lea", display_name="Léa", role="cashier"),
            password=GIVEN_PASSWORD,
        )
    page = signed_in(app_client, "lea", GIVEN_PASSWORD).get("/account/password")
    out = app_client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"


def created_by_an_admin(shop: Store, username: str) -> User:
    admin = make_user(shop, role=Role.ADMIN)
    with shop.uow() as uow:
        return users.create_user(
            uow,
            actor=users.Actor(user=admin, ip=None, user_agent=None),
            fields=users.UserFields(username=username, display_name=username, role="manager"),
            password=GIVEN_PASSWORD,
        )


def test_a_token_of_a_user_who_must_choose_their_password_is_refused_until_they_have(
    app_client: TestClient, shop: Store
) -> None:
    # A token made while the password was the user's own, then an admin's password given.
    paul = make_user(shop, role=Role.MANAGER, username="paul")
    headers = {"Authorization": f"Bearer {make_token(shop, username='paul')}"}
    with shop.uow() as uow:
        user = uow.session.get(User, paul.id)
        assert user is not None
        user.password_hash = hash_password(GIVEN_PASSWORD)
        user.require_password_change = True
        uow.commit()

    refused = app_client.get("/api/2.0/products", headers=headers)
    write = app_client.post("/api/2.0/customers", json={"first_name": "Léa"}, headers=headers)

    assert (refused.status_code, write.status_code) == (403, 403)
    assert refused.json()["details"]["reason"] == "password_change_required"
    assert "choose their password" in refused.json()["error"]
    signed_in(app_client, "paul", GIVEN_PASSWORD)
    assert change(app_client, current=GIVEN_PASSWORD, page="/account/password").status_code == 303
    assert app_client.get("/api/2.0/products", headers=headers).status_code == 200


def test_no_token_is_made_for_a_user_who_must_choose_their_password(
    shop: Store, tmp_path: Path
) -> None:
    paul = created_by_an_admin(shop, "paul")

    with shop.uow() as uow, pytest.raises(PermissionDenied) as refused:
        tokens.create_token(uow, user_id=paul.id, name="till")
    run = run_comptoir(shop.db.url, tmp_path, "token", "create", "--user", "paul", "--name", "x")

    assert refused.value.details == {"reason": "password_change_required"}
    assert run.returncode == 1
    assert "must choose their password" in " ".join(run.stdout.split())
    assert count_rows(shop.db, ApiToken) == 0
