""" "Forgot password?" end to end through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts import mail, reset, signin
from comptoir.accounts.models import LoginSession, PasswordResetToken
from comptoir.core.outbox import Dispatcher, OutboxMessage, subscribers
from comptoir.core.settings import Settings
from tests.factories import OWNER_EMAIL, OWNER_PASSWORD, Store, count_rows, csrf_of, post_login

NEW_PASSWORD = "a brand new secret"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ask_for_link(client: TestClient, username: str) -> Any:
    form = client.get("/login/forgot")
    assert form.status_code == 200
    return client.post("/login/forgot", data={"username": username, "csrf": csrf_of(form.text)})


def link_in(message: Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    match = re.search(r"https?://\S+/login/reset\?token=\S+", body.decode())
    assert match, body
    return match.group(0)


def set_new_password(client: TestClient, link: str, password: str = NEW_PASSWORD) -> Any:
    path = link[link.index("/login/reset") :]
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = path.split("token=", 1)[1]
    return client.post(
        "/login/reset",
        data={
            "token": token,
            "password": password,
            "confirm": password,
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )


def _configure_smtp(port: int) -> None:
    mail.configure(
        Settings(
            database_url="sqlite://",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="shop@example.com",
        )
    )


@pytest.fixture
def smtp_server(app_client: TestClient, shop: Store) -> Iterator[tuple[Inbox, Any]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    _configure_smtp(port)  # after create_app, which configured the app's own settings
    try:
        yield handler, lambda: Dispatcher(shop.db, subscribers()).dispatch_pending()
    finally:
        controller.stop()
        mail.configure(Settings(database_url="sqlite://"))


def test_a_reset_link_is_emailed_followed_once_and_ends_the_other_sessions(
    app_client: TestClient, shop: Store, smtp_server: tuple[Inbox, Any]
) -> None:
    inbox, deliver = smtp_server
    # A session open elsewhere (another browser) before the reset.
    with shop.uow() as uow:
        other = signin.sign_in(uow, username=OWNER_EMAIL, password=OWNER_PASSWORD, ip=None, days=1)
    reply = ask_for_link(app_client, OWNER_EMAIL)
    assert reply.status_code == 200 and 'data-testid="reset-sent"' in reply.text
    assert inbox.messages == []  # nothing is sent before the outbox runs, after commit
    assert deliver() == 1
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == OWNER_EMAIL and message["From"] == "shop@example.com"
    link = link_in(message)

    done = set_new_password(app_client, link)
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
    with shop.db.read_sessions() as session:
        live = session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None))).all()
        assert live == []
    cookie = {"Cookie": f"comptoir_session={other.started.secret}"}
    assert app_client.get("/api/2.0/user", headers=cookie).status_code == 401
    # The link works once.
    again = set_new_password(app_client, link, password="yet another secret")
    assert again.status_code == 400 and "invalid, already used or expired" in again.text
    assert post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 401
    assert post_login(app_client, OWNER_EMAIL, NEW_PASSWORD).status_code == 303


def test_the_answer_is_the_same_for_an_unknown_user_and_no_email_is_sent(
    app_client: TestClient, shop: Store, smtp_server: tuple[Inbox, Any]
) -> None:
    inbox, deliver = smtp_server
    known = ask_for_link(app_client, OWNER_EMAIL)
    unknown = ask_for_link(app_client, "ghost@example.com")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    deliver()
    assert [m["To"] for m in inbox.messages] == [OWNER_EMAIL]


def test_a_reset_link_expires_after_an_hour(
    app_client: TestClient, shop: Store, smtp_server: tuple[Inbox, Any]
) -> None:
    inbox, deliver = smtp_server
    ask_for_link(app_client, OWNER_EMAIL)
    deliver()
    with shop.uow() as uow:
        for token in uow.session.scalars(select(PasswordResetToken)):
            token.created_at -= timedelta(minutes=61)
            token.expires_at -= timedelta(minutes=61)
        uow.commit()
    refused = set_new_password(app_client, link_in(inbox.messages[0]))
    assert refused.status_code == 400
    assert post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 303


def test_a_reset_form_posted_without_csrf_is_rejected(
    app_client: TestClient, shop: Store, smtp_server: tuple[Inbox, Any]
) -> None:
    inbox, deliver = smtp_server
    ask_for_link(app_client, OWNER_EMAIL)
    deliver()
    token = link_in(inbox.messages[0]).split("token=", 1)[1]
    reply = app_client.post(
        "/login/reset", data={"token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert reply.status_code == 403
    assert post_login(app_client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 303
    assert count_rows(shop.db, OutboxMessage) == 1


def test_at_most_three_links_an_hour_are_sent_to_one_user(
    app_client: TestClient, shop: Store, smtp_server: tuple[Inbox, Any]
) -> None:
    inbox, deliver = smtp_server
    for _ in range(reset.MAX_LINKS_PER_HOUR + 2):
        assert ask_for_link(app_client, OWNER_EMAIL).status_code == 200
    deliver()
    assert len(inbox.messages) == reset.MAX_LINKS_PER_HOUR
