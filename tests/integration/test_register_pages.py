"""The register pages: open with a float by note and coin, cash out, close (blind for a
cashier), the closure on 80 mm and as an A4 PDF, emailed to the manager."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.core.outbox import OutboxMessage
from comptoir.registers import closure_mail
from comptoir.registers.models import CashMovement, RegisterSession
from comptoir.store import service as store
from tests.factories import (
    Store,
    close_till,
    count_rows,
    csrf_of,
    make_product,
    make_sale,
    make_user,
    sign_in_as,
)


def post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    form = client.get(url)
    assert form.status_code == 200, form.text
    return client.post(url, data={"csrf": csrf_of(form.text), **data}, follow_redirects=False)


def base(shop: Store) -> str:
    return f"/registers/{shop.register.id}"


def test_opening_by_note_and_coin_then_cash_out_then_closing_one_euro_short(
    browser: TestClient, shop: Store
) -> None:
    close_till(shop)
    opened = post(browser, base(shop) + "/open", {"d_20.00": "5", "d_10.00": "5", "next": "/sell"})
    assert opened.status_code == 303 and opened.headers["location"] == "/sell"
    coffee = make_product(shop, price="30.00", stock=5)
    make_sale(shop, [(coffee, 1)], total="30.00")
    form = browser.get(base(shop) + "/cash")
    client_id = form.text.split('name="client_id" value="')[1].split('"')[0]
    moved = browser.post(
        base(shop) + "/cash",
        data={
            "csrf": csrf_of(form.text),
            "client_id": client_id,
            "type": "CASH_OUT",
            "amount": "20",
            "note": "bank",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert "bank" in browser.get(base(shop) + "/cash").text

    close_form = browser.get(base(shop) + "/close")
    assert 'data-expected="160' in close_form.text  # the owner sees what is expected
    cash = str(shop.cash.id)
    closed = browser.post(
        base(shop) + "/close",
        data={
            "csrf": csrf_of(close_form.text),
            "client_id": "page-close",
            f"pt_{cash}": "1",
            f"counted_{cash}": "159",
            f"note_{cash}": "one euro missing",
        },
        follow_redirects=False,
    )
    assert closed.status_code == 303, closed.text
    page = browser.get(closed.headers["location"])
    assert page.status_code == 200
    for figure in (
        "€150.00",
        "€30.00",
        "€20.00",
        "€160.00",
        "€159.00",
        "-€1.00",
        "one euro missing",
    ):
        assert figure in page.text, figure
    pdf = browser.get(closed.headers["location"] + "/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_cashier_closes_blind_and_cannot_see_closures(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    client = sign_in_as(app_client, cashier.username)
    close_form = client.get(base(shop) + "/close")
    assert close_form.status_code == 200
    assert "data-expected" not in close_form.text
    assert client.get(base(shop) + "/x-report").status_code == 403
    assert client.get("/registers/closures").status_code == 403

    closed = client.post(
        base(shop) + "/close",
        data={"csrf": csrf_of(close_form.text), "client_id": "c"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert closed.headers["location"] == "/registers?closed=1"
    assert client.get(f"/registers/closures/{_only_closure(shop)}").status_code == 403


def _only_closure(shop: Store) -> str:
    with shop.db.read_sessions() as session:
        return str(session.scalars(select(RegisterSession.id)).one())


def test_a_cash_movement_form_posted_twice_records_one_movement(
    browser: TestClient, shop: Store
) -> None:
    form = browser.get(base(shop) + "/cash")
    data = {"csrf": csrf_of(form.text), "client_id": "same", "type": "CASH_IN", "amount": "5"}
    browser.post(base(shop) + "/cash", data=data, follow_redirects=False)
    browser.post(base(shop) + "/cash", data=data, follow_redirects=False)
    assert count_rows(shop.db, CashMovement) == 1


def test_a_bad_amount_on_the_open_page_shows_an_error_and_opens_nothing(
    browser: TestClient, shop: Store
) -> None:
    close_till(shop)
    reply = post(browser, base(shop) + "/open", {"opening_float": "lots"})
    assert reply.status_code == 422
    assert 'id="open-error"' in reply.text
    assert (
        browser.get("/api/2.0/registers/" + str(shop.register.id)).json()["data"]["is_open"]
        is False
    )


def test_the_closure_is_emailed_to_the_outlet_manager_with_its_pdf(
    shop: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with shop.uow() as uow:
        outlet = store.get_outlet(uow.session, outlet_id=shop.outlet.id)
        outlet.email = "manager@example.com"
        uow.commit()
    coffee = make_product(shop, price="4.00", stock=5)
    make_sale(shop, [(coffee, 1)], total="4.00")
    close_till(shop, counted={shop.cash.id: "4"})
    with shop.db.read_sessions() as session:
        queued = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "register.closure_email")
        ).one()
        payload = dict(queued.payload)
    sent: list[EmailMessage] = []
    monkeypatch.setattr(closure_mail, "send", sent.append)

    closure_mail.send_closure_email(payload)

    assert sent[0]["To"] == "manager@example.com"
    attachment = next(sent[0].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_the_sell_screen_knows_whether_each_register_is_open(
    browser: TestClient, shop: Store
) -> None:
    page = browser.get("/sell")
    assert 'id="register-state"' in page.text
    assert '"is_open": true' in page.text
    close_till(shop)
    assert '"is_open": false' in browser.get("/sell").text


def _outlet_form(browser: TestClient, shop: Store, **fields: str) -> Any:
    page = browser.get(f"/settings/outlets?edit={shop.outlet.id}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    data = {"csrf": token.group(1), "name": "Main", "time_zone": "Europe/Paris"} | fields
    return browser.post(
        f"/settings/outlets?edit={shop.outlet.id}", data=data, follow_redirects=False
    )


def _closure_email_to(shop: Store) -> list[str]:
    with shop.db.read_sessions() as session:
        return [
            str(m.payload["to"])
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == "register.closure_email")
            )
        ]


def test_the_closure_goes_to_the_outlets_manager_email_set_on_the_settings_page(
    browser: TestClient, shop: Store
) -> None:
    saved = _outlet_form(browser, shop, email="shop@example.com", manager_email="boss@example.com")
    assert saved.status_code == 303, saved.text
    outlet = browser.get(f"/api/2.0/outlets/{shop.outlet.id}").json()["data"]
    assert outlet["manager_email"] == "boss@example.com"

    close_till(shop)

    assert _closure_email_to(shop) == ["boss@example.com"]


def test_without_a_manager_email_the_closure_goes_to_the_outlets_email(
    browser: TestClient, shop: Store
) -> None:
    assert _outlet_form(browser, shop, email="shop@example.com").status_code == 303

    close_till(shop)

    assert _closure_email_to(shop) == ["shop@example.com"]


def test_a_manager_email_that_is_no_address_is_refused_and_changes_nothing(
    browser: TestClient, shop: Store
) -> None:
    reply = _outlet_form(browser, shop, email="shop@example.com", manager_email="boss at shop")

    assert reply.status_code == 422
    assert 'id="e-manager_email"' in reply.text
    with shop.db.read_sessions() as session:
        outlet = store.get_outlet(session, outlet_id=shop.outlet.id)
        assert (outlet.email, outlet.manager_email) == (None, None)
