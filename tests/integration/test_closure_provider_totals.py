"""A closure counts an integrated card type from its provider's totals for the register's
terminal over the session (a real simulator process); a provider that cannot be reached
counts it from the recorded payments, and the closure says so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.core.db import Database
from comptoir.core.outbox import Dispatcher
from comptoir.payments.models import PaymentTypeTerminal
from comptoir.payments.refunds import REFUND_TOPIC, send_card_refund
from comptoir.registers.closing import PROVIDER_UNREACHABLE_WARNING
from comptoir.sales.models import Sale
from comptoir.store.models import PaymentType
from tests.factories import (
    Store,
    TerminalSimulator,
    decimal_json,
    free_port,
    make_product,
    make_return,
    make_terminal_type,
    return_lines,
    running_simulator,
    sale_payload,
)


@pytest.fixture(scope="module")
def simulator() -> Iterator[TerminalSimulator]:
    with running_simulator() as running:
        yield running


@pytest.fixture
def card(shop: Store, simulator: TerminalSimulator) -> PaymentType:
    simulator.set_scenario("approve")
    return make_terminal_type(shop, address=simulator.url)


def approved_payment(api: TestClient, shop: Store, card: PaymentType, amount: str) -> str:
    reply = api.post(
        "/api/comptoir/terminal_payments",
        json={
            "id": str(uuid.uuid4()),
            "register_id": str(shop.register.id),
            "payment_type_id": str(card.id),
            "amount": amount,
        },
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["data"]["status"] == "APPROVED"
    return str(reply.json()["data"]["id"])


def card_sale(api: TestClient, shop: Store, card: PaymentType, amount: str) -> uuid.UUID:
    """A sale paid by card on the terminal; its id."""
    terminal_payment = approved_payment(api, shop, card, amount)
    product = make_product(shop, price=amount)
    sale_id = uuid.uuid4()
    body = sale_payload(shop, [(product, 1)], payments=[(card, amount)], sale_id=sale_id)
    body["register_sale_payments"][0]["terminal_payment_id"] = terminal_payment
    reply = api.post("/api/register_sales", json=body)
    assert reply.status_code in (200, 201), reply.text
    return sale_id


def close(api: TestClient, shop: Store) -> dict[str, Any]:
    reply = api.put(f"/api/2.0/registers/{shop.register.id}/actions/close", json={})
    assert reply.status_code == 200, reply.text
    closure_id = reply.json()["data"]["register_closure_id"]
    closure = api.get(f"/api/2.0/register_closures/{closure_id}")
    return dict(decimal_json(closure)["data"])


def card_row(closure: dict[str, Any], card: PaymentType) -> dict[str, Any]:
    return next(p for p in closure["payments"] if p["payment_type_id"] == str(card.id))


def test_the_card_count_is_the_providers_total_and_a_card_taken_without_a_sale_shows(
    api: TestClient, shop: Store, card: PaymentType
) -> None:
    card_sale(api, shop, card, "12.50")
    approved_payment(api, shop, card, "7.00")  # approved, then the sale was abandoned

    closure = close(api, shop)

    row = card_row(closure, card)
    assert row["counted_from"] == "provider"
    assert (row["expected"], row["provider_total"], row["counted"], row["difference"]) == (
        Decimal("12.50"),
        Decimal("19.50"),
        Decimal("19.50"),
        Decimal("7.00"),
    )
    assert PROVIDER_UNREACHABLE_WARNING not in closure["warnings"]


def test_only_this_registers_terminal_during_the_session_counts_and_refunds_come_off(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, db: Database
) -> None:
    # Another register's terminal on the same provider: not this register's money.
    other = httpx.post(
        f"{simulator.url}/v1/payments",
        json={"idempotency_key": str(uuid.uuid4()), "amount": "50.00", "terminal_id": "other"},
    )
    assert other.status_code == 201
    sold = card_sale(api, shop, card, "20.00")
    card_sale(api, shop, card, "5.00")
    with shop.uow() as uow:
        sale = uow.session.get(Sale, sold)
        assert sale is not None
        uow.session.expunge(sale)
    make_return(shop, sale, return_lines(sale, (0, 1)))
    Dispatcher(db, {REFUND_TOPIC: send_card_refund}).dispatch_pending()

    row = card_row(close(api, shop), card)

    assert row["counted_from"] == "provider"
    assert (row["expected"], row["counted"], row["difference"]) == (
        Decimal("5.00"),  # 20 + 5 taken, 20 given back
        Decimal("5.00"),
        Decimal("0.00"),
    )


def test_an_unreachable_provider_counts_the_recorded_payments_and_the_closure_says_so(
    api: TestClient, browser: TestClient, shop: Store, card: PaymentType
) -> None:
    card_sale(api, shop, card, "12.50")
    with shop.uow() as uow:
        uow.session.execute(
            update(PaymentTypeTerminal).values(address=f"http://127.0.0.1:{free_port()}")
        )
        uow.commit()

    closure = close(api, shop)

    row = card_row(closure, card)
    assert row["counted_from"] == "recorded"
    assert row["provider_total"] is None
    assert (row["expected"], row["counted"], row["difference"]) == (
        Decimal("12.50"),
        Decimal("12.50"),
        Decimal("0.00"),
    )
    assert PROVIDER_UNREACHABLE_WARNING in closure["warnings"]
    page = browser.get(f"/registers/closures/{closure['id']}")
    assert page.status_code == 200
    assert "could not be reached: counted from the recorded payments" in page.text
    assert "data-warning" in page.text
