"""The server answers only its own host names, and emailed links never follow a forged Host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.reset import RESET_EMAIL_TOPIC
from comptoir.app import create_app
from comptoir.core.db import Database
from comptoir.core.outbox import OutboxMessage
from comptoir.core.settings import LOCAL_HOSTS
from tests.factories import OWNER_EMAIL, Store, app_settings, count_rows, csrf_of

FORGED = {"Host": "evil.example.com"}


def reset_links(db: Database) -> list[str]:
    with db.read_sessions() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == RESET_EMAIL_TOPIC)
        ).all()
        return [str(m.payload["link"]) for m in messages]


def ask_for_link(client: TestClient, headers: dict[str, str] | None = None) -> Any:
    form = client.get("/login/forgot", headers=headers)
    assert form.status_code == 200, form.text
    return client.post(
        "/login/forgot",
        data={"username": OWNER_EMAIL, "csrf": csrf_of(form.text)},
        headers=headers,
    )


@pytest.fixture
def public_client(db: Database, shop: Store) -> Iterator[TestClient]:
    """The server as production runs it: COMPTOIR_PUBLIC_URL set, the default hosts."""
    settings = app_settings(
        db.url, public_url="https://shop.example.com/", allowed_hosts=list(LOCAL_HOSTS)
    )
    with TestClient(create_app(settings, database=db), base_url="https://shop.example.com") as c:
        yield c


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/2.0/user", "/login/forgot"])
def test_a_request_for_a_host_not_allowed_is_refused_with_400(
    app_client: TestClient, shop: Store, path: str
) -> None:
    reply = app_client.get(path, headers=FORGED)

    assert reply.status_code == 400
    assert reply.text == "Invalid host header"
    assert reply.headers["X-Frame-Options"] == "DENY"


def test_a_password_reset_asked_through_a_forged_host_sends_no_link(
    app_client: TestClient, shop: Store
) -> None:
    form = app_client.get("/login/forgot")

    reply = app_client.post(
        "/login/forgot",
        data={"username": OWNER_EMAIL, "csrf": csrf_of(form.text)},
        headers=FORGED,
    )

    assert reply.status_code == 400
    assert count_rows(shop.db, OutboxMessage) == 0


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_without_a_public_url_a_link_takes_the_allowed_host_of_the_request(
    app_client: TestClient, shop: Store, host: str
) -> None:
    reply = ask_for_link(app_client, headers={"Host": host})

    assert reply.status_code == 200
    [link] = reset_links(shop.db)
    assert link.startswith(f"http://{host}/login/reset?token=")


def test_with_a_public_url_every_link_starts_with_it(
    public_client: TestClient, shop: Store
) -> None:
    # Asked through another allowed name (the till's own localhost): the link still points
    # at the public address.
    reply = ask_for_link(public_client, headers={"Host": "localhost"})

    assert reply.status_code == 200
    [link] = reset_links(shop.db)
    assert link.startswith("https://shop.example.com/login/reset?token=")


def test_the_public_urls_host_is_allowed_and_others_still_refused(
    public_client: TestClient, shop: Store
) -> None:
    assert public_client.get("/healthz").status_code == 200
    assert public_client.get("/healthz", headers=FORGED).status_code == 400
    assert public_client.get("/healthz", headers={"Host": "testserver"}).status_code == 400
