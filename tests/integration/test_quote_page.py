"""The printable quote ("DEVIS" in French) and emailing it through the outbox."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.core.db import Database
from comptoir.core.outbox import OutboxMessage
from comptoir.sales.quotes import QUOTE_EMAIL_TOPIC
from tests.factories import (
    Store,
    csrf_of,
    make_customer,
    make_product,
    make_token,
    state_payload,
)


def test_a_quote_prints_as_a_quote_and_is_emailed_to_its_customer(
    browser: TestClient, shop: Store, db: Database
) -> None:
    vase = make_product(shop, name="Vase", price="34.00")
    camille = make_customer(shop, first_name="Camille", email="camille@example.com")
    sale_id = uuid.uuid4()
    reply = browser.post(
        "/api/register_sales",
        json=state_payload(
            shop,
            [(vase, 2)],
            status="SAVED",
            sale_id=sale_id,
            customer_id=camille.id,
            is_quote=True,
        ),
        headers={"Authorization": f"Bearer {make_token(shop)}"},
    )
    assert reply.status_code == 200, reply.text
    page = browser.get(f"/sales/{sale_id}/quote")
    assert page.status_code == 200
    assert 'data-testid="quote-title">QUOTE<' in page.text
    assert "68.00" in page.text
    assert "camille@example.com" in page.text
    sent = browser.post(
        f"/sales/{sale_id}/quote/email", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert sent.status_code == 303
    with db.read_sessions() as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == QUOTE_EMAIL_TOPIC)
        ).all()
    assert [m.payload["to"] for m in messages] == ["camille@example.com"]
    assert f"/sales/{sale_id}/quote" in messages[0].payload["link"]


def test_a_parked_sale_that_is_not_a_quote_has_no_quote_page(
    browser: TestClient, shop: Store
) -> None:
    cup = make_product(shop, name="Cup", price="5.00")
    sale_id = uuid.uuid4()
    browser.post(
        "/api/register_sales",
        json=state_payload(shop, [(cup, 1)], status="SAVED", sale_id=sale_id),
        headers={"Authorization": f"Bearer {make_token(shop)}"},
    )
    assert browser.get(f"/sales/{sale_id}/quote").status_code == 404
