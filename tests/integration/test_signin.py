"""Signing in: lockout and back-off per account and per IP, same answer for unknown users,
MFA (TOTP and recovery codes), MFA mandatory for admins, CSRF on the sign-in forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts import mfa, signin
from comptoir.accounts import service as accounts
from comptoir.accounts.models import LoginSession, SecurityEvent, SignInAttempt, User
from comptoir.accounts.permissions import Role
from comptoir.core.errors import InvalidInput, NotAuthenticated
from comptoir.store.models import Retailer
from tests.factories import OWNER_EMAIL, OWNER_PASSWORD, Store, csrf_of, make_user, post_login


@pytest.fixture(autouse=True)
def _cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    # Unknown usernames verify against this hash; at test cost like every other hash.
    monkeypatch.setattr(accounts, "_DUMMY_HASH", accounts._hasher.hash("not a password"))


def age_attempts(shop: Store, minutes: int) -> None:
    with shop.uow() as uow:
        for attempt in uow.session.scalars(select(SignInAttempt)):
            attempt.created_at -= timedelta(minutes=minutes)
        uow.commit()


def actions(shop: Store) -> list[str]:
    with shop.db.read_sessions() as session:
        return list(session.scalars(select(SecurityEvent.action).order_by(SecurityEvent.version)))


def try_sign_in(shop: Store, username: str, password: str, ip: str | None = "10.0.0.1"):
    with shop.uow() as uow:
        return signin.sign_in(uow, username=username, password=password, ip=ip, days=1)


def test_five_failures_lock_the_account_until_the_window_passes(shop: Store) -> None:
    for _ in range(signin.ACCOUNT_MAX_FAILURES):
        with pytest.raises(NotAuthenticated) as refused:
            try_sign_in(shop, OWNER_EMAIL, "wrong password")
        assert not isinstance(refused.value, signin.SignInLocked)
    with pytest.raises(signin.SignInLocked):
        try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD)
    # Another address is refused too: the lock is on the account.
    with pytest.raises(signin.SignInLocked):
        try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD, ip="10.9.9.9")
    events = actions(shop)
    assert events.count("signin_failed") == signin.ACCOUNT_MAX_FAILURES + 2
    assert events.count("lockout") == 1
    age_attempts(shop, minutes=16)
    assert try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD).user.username == OWNER_EMAIL
    assert actions(shop)[-1] == "signin"


def test_a_success_resets_the_account_failure_count(shop: Store) -> None:
    for _ in range(signin.ACCOUNT_MAX_FAILURES - 1):
        with pytest.raises(NotAuthenticated):
            try_sign_in(shop, OWNER_EMAIL, "wrong password")
    try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD)
    with pytest.raises(NotAuthenticated) as refused:
        try_sign_in(shop, OWNER_EMAIL, "wrong password")
    assert not isinstance(refused.value, signin.SignInLocked)
    assert try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD).user.username == OWNER_EMAIL


def test_twenty_failures_from_one_ip_block_that_ip_for_every_account(shop: Store) -> None:
    for n in range(signin.IP_MAX_FAILURES):
        with pytest.raises(NotAuthenticated):
            try_sign_in(shop, f"nobody-{n}", "wrong password", ip="10.6.6.6")
    with pytest.raises(signin.SignInLocked):
        try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD, ip="10.6.6.6")
    # The owner is not locked: other addresses still sign in.
    assert try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD, ip="10.7.7.7").user is not None
    with shop.db.read_sessions() as session:
        lockouts = session.scalars(
            select(SecurityEvent).where(SecurityEvent.action == "lockout")
        ).all()
    assert [e.details["scope"] for e in lockouts] == ["ip"]
    age_attempts(shop, minutes=16)
    assert try_sign_in(shop, OWNER_EMAIL, OWNER_PASSWORD, ip="10.6.6.6").user is not None


def test_the_sign_in_page_answers_429_when_locked_with_the_same_text_for_unknown_users(
    app_client: TestClient, shop: Store
) -> None:
    for username in (OWNER_EMAIL, "ghost@example.com"):
        texts = set()
        for _ in range(signin.ACCOUNT_MAX_FAILURES):
            reply = post_login(app_client, username, "wrong password")
            assert reply.status_code == 401
            texts.add("Wrong username or password." in reply.text)
        assert texts == {True}
        locked = post_login(app_client, username, OWNER_PASSWORD)
        assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
        assert "Too many failed attempts" in locked.text


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(
    app_client: TestClient, shop: Store
) -> None:
    unknown = post_login(app_client, "ghost@example.com", "wrong password")
    wrong = post_login(app_client, OWNER_EMAIL, "wrong password")
    assert unknown.status_code == wrong.status_code == 401
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unknown.text) == strip.sub("", wrong.text)
    with app_client as c:
        assert c.get("/sell", follow_redirects=False).status_code == 303


def test_sign_in_form_posted_without_csrf_is_rejected_and_counts_nothing(
    app_client: TestClient, shop: Store
) -> None:
    app_client.get("/login")
    reply = app_client.post(
        "/login", data={"username": OWNER_EMAIL, "password": OWNER_PASSWORD}, follow_redirects=False
    )
    assert reply.status_code == 403
    with shop.db.read_sessions() as session:
        assert session.scalars(select(SignInAttempt)).all() == []


def test_sign_in_gives_a_new_httponly_samesite_session_id(
    app_client: TestClient, shop: Store
) -> None:
    first = post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    second = post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    assert first.cookies["comptoir_session"] != second.cookies["comptoir_session"]


# --- MFA -----------------------------------------------------------------------------------


def enrol(shop: Store, user: User) -> tuple[str, list[str]]:
    with shop.uow() as uow:
        secret = mfa.begin_enrolment(uow, user_id=user.id)
    with shop.uow() as uow:
        codes = mfa.confirm_enrolment(uow, user_id=user.id, code=pyotp.TOTP(secret).now())
    return secret, codes


def mfa_step(client: TestClient, code: str):
    page = client.get("/login/mfa")
    assert page.status_code == 200, page.text
    return client.post(
        "/login/mfa",
        data={"code": code, "csrf": csrf_of(page.text), "next_url": "/sell"},
        follow_redirects=False,
    )


def test_enrolment_needs_a_right_code_and_gives_ten_single_use_recovery_codes(shop: Store) -> None:
    with shop.uow() as uow:
        secret = mfa.begin_enrolment(uow, user_id=shop.owner.id)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        mfa.confirm_enrolment(
            uow,
            user_id=shop.owner.id,
            code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111",
        )
    with shop.uow() as uow:
        codes = mfa.confirm_enrolment(uow, user_id=shop.owner.id, code=pyotp.TOTP(secret).now())
    assert len(set(codes)) == mfa.RECOVERY_CODES
    with shop.db.read_sessions() as session:
        owner = session.get(User, shop.owner.id)
        assert owner is not None and owner.mfa_secret == secret
        assert owner.mfa_pending_secret is None
        assert mfa.remaining_recovery_codes(session, user_id=owner.id) == mfa.RECOVERY_CODES
    assert "mfa_enabled" in actions(shop)


def test_an_mfa_user_is_not_signed_in_until_the_totp_code(
    app_client: TestClient, shop: Store
) -> None:
    secret, _codes = enrol(shop, shop.owner)
    reply = post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login/mfa")
    pending = app_client.cookies["comptoir_session"]
    # The pending session opens nothing, neither pages nor the API.
    assert app_client.get("/sell", follow_redirects=False).headers["location"].startswith("/login")
    assert app_client.get("/api/2.0/user").status_code == 401
    wrong = mfa_step(app_client, "12345")
    assert wrong.status_code == 401 and "Wrong code" in wrong.text
    done = mfa_step(app_client, pyotp.TOTP(secret).now())
    assert done.status_code == 303 and done.headers["location"] == "/sell"
    assert app_client.cookies["comptoir_session"] != pending  # a new session id
    assert app_client.get("/sell").status_code == 200
    assert actions(shop)[-1] == "signin"


def test_a_recovery_code_signs_in_once(app_client: TestClient, shop: Store) -> None:
    _secret, codes = enrol(shop, shop.owner)
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    assert mfa_step(app_client, codes[0].upper()).status_code == 303
    assert "mfa_recovery_code_used" in actions(shop)
    app_client.cookies.clear()
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    assert mfa_step(app_client, codes[0]).status_code == 401
    assert mfa_step(app_client, codes[1]).status_code == 303


def test_wrong_mfa_codes_count_towards_the_lockout(app_client: TestClient, shop: Store) -> None:
    secret, _codes = enrol(shop, shop.owner)
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    for _ in range(signin.ACCOUNT_MAX_FAILURES):
        assert mfa_step(app_client, "000000x").status_code == 401
    assert mfa_step(app_client, pyotp.TOTP(secret).now()).status_code == 429


def test_turning_mfa_off_needs_the_password(shop: Store) -> None:
    enrol(shop, shop.owner)
    with shop.uow() as uow, pytest.raises(InvalidInput):
        mfa.disable(uow, user_id=shop.owner.id, password="wrong password")
    with shop.db.read_sessions() as session:
        assert session.get(User, shop.owner.id).mfa_secret is not None  # type: ignore[union-attr]
    with shop.uow() as uow:
        mfa.disable(uow, user_id=shop.owner.id, password=OWNER_PASSWORD)
    with shop.db.read_sessions() as session:
        assert session.get(User, shop.owner.id).mfa_secret is None  # type: ignore[union-attr]
        assert mfa.remaining_recovery_codes(session, user_id=shop.owner.id) == 0
    assert actions(shop)[-1] == "mfa_disabled"


def test_turning_mfa_off_from_the_page_with_a_wrong_password_changes_nothing(
    app_client: TestClient, shop: Store
) -> None:
    secret, _ = enrol(shop, shop.owner)
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    mfa_step(app_client, pyotp.TOTP(secret).now())
    page = app_client.get("/account/mfa")
    refused = app_client.post(
        "/account/mfa/disable", data={"password": "nope", "csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 422 and "Wrong password." in refused.text
    forged = app_client.post("/account/mfa/disable", data={"password": OWNER_PASSWORD})
    assert forged.status_code == 403
    with shop.db.read_sessions() as session:
        assert session.get(User, shop.owner.id).mfa_secret == secret  # type: ignore[union-attr]


def test_mfa_is_mandatory_for_admins_when_the_store_requires_it(
    app_client: TestClient, shop: Store
) -> None:
    with shop.uow() as uow:
        uow.session.execute(update(Retailer).values(mfa_required_for_admins=True))
        uow.commit()
    cashier = make_user(shop, role=Role.CASHIER)
    admin = make_user(shop, role=Role.ADMIN)
    post_login(app_client, cashier.username, OWNER_PASSWORD)
    assert app_client.get("/sell").status_code == 200  # cashiers are not concerned
    app_client.cookies.clear()
    post_login(app_client, admin.username, OWNER_PASSWORD)
    reply = app_client.get("/sell", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/account/mfa"
    headers = {"X-CSRF-Token": "x"}
    assert app_client.get("/api/2.0/products", headers=headers).status_code == 403
    page = app_client.get("/account/mfa")
    assert page.status_code == 200 and "requires multi-factor" in page.text
    app_client.post("/account/mfa/start", data={"csrf": csrf_of(page.text)})
    page = app_client.get("/account/mfa")
    assert 'src="data:image/svg+xml;base64,' in page.text
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
    done = app_client.post(
        "/account/mfa/confirm",
        data={"code": pyotp.TOTP(secret).now(), "csrf": csrf_of(page.text)},
    )
    assert done.status_code == 200 and 'data-testid="recovery-codes"' in done.text
    assert app_client.get("/sell").status_code == 200


def test_an_ended_or_full_session_cannot_use_the_mfa_step(
    app_client: TestClient, shop: Store
) -> None:
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    assert app_client.get("/login/mfa", follow_redirects=False).status_code == 303
    with shop.db.read_sessions() as session:
        assert all(not s.mfa_pending for s in session.scalars(select(LoginSession)))


def test_a_session_waiting_for_its_mfa_code_expires_after_ten_minutes(
    app_client: TestClient, shop: Store
) -> None:
    enrol(shop, shop.owner)
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    with shop.uow() as uow:
        login = uow.session.scalars(select(LoginSession)).one()
        assert login.mfa_pending
        assert login.expires_at - login.created_at <= signin.MFA_PENDING_TTL + timedelta(seconds=5)
        login.expires_at -= signin.MFA_PENDING_TTL
        uow.commit()
    reply = app_client.get("/login/mfa", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/login"


def test_a_totp_code_signs_in_only_once(app_client: TestClient, shop: Store) -> None:
    secret, _codes = enrol(shop, shop.owner)
    code = pyotp.TOTP(secret).now()
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    assert mfa_step(app_client, code).status_code == 303
    app_client.cookies.clear()
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    replayed = mfa_step(app_client, code)
    assert replayed.status_code == 401 and "Wrong code" in replayed.text


def test_signing_out_ends_the_session_and_is_recorded(app_client: TestClient, shop: Store) -> None:
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    page = app_client.get("/sell")
    reply = app_client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert reply.status_code == 303
    assert actions(shop)[-2:] == ["signin", "signout"]
    with shop.db.read_sessions() as session:
        assert all(s.ended_at is not None for s in session.scalars(select(LoginSession)))


def test_admins_set_mfa_for_admins_and_switch_protection_on_the_settings_page(
    app_client: TestClient, shop: Store
) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    post_login(app_client, manager.username, OWNER_PASSWORD)
    page = app_client.get("/settings/sign-in")
    assert page.status_code == 200
    data = {"csrf": csrf_of(page.text), "switch_protection": "on"}
    assert app_client.post("/settings/sign-in", data=data).status_code == 403
    app_client.cookies.clear()
    post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD)
    page = app_client.get("/settings/sign-in")
    assert app_client.post("/settings/sign-in", data={"switch_protection": "on"}).status_code == 403
    data = {"csrf": csrf_of(page.text), "switch_protection": "on"}
    saved = app_client.post("/settings/sign-in", data=data, follow_redirects=False)
    assert saved.status_code == 303
    with shop.db.read_sessions() as session:
        retailer = session.scalars(select(Retailer)).one()
        assert (retailer.switch_protection, retailer.mfa_required_for_admins) == (True, False)
