"""Card payments on a terminal, against a real simulator process on a loopback port: every
scenario, the sale path's checks, and refunds of returns through the provider."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.outbox import Dispatcher, OutboxMessage
from comptoir.payments.follow_up import follow_up
from comptoir.payments.models import PaymentTypeTerminal, TerminalPayment, TerminalRefund
from comptoir.payments.refunds import REFUND_TOPIC, send_card_refund
from comptoir.payments.service import FOLLOW_UP_TOPIC
from comptoir.sales.models import Sale
from comptoir.store.models import PaymentType
from tests.factories import (
    Store,
    TerminalSimulator,
    close_till,
    count_rows,
    free_port,
    make_customer,
    make_product,
    make_return,
    make_terminal_type,
    return_lines,
    running_simulator,
    sale_payload,
    state_payload,
)


@pytest.fixture(scope="module")
def simulator() -> Iterator[TerminalSimulator]:
    with running_simulator(delay="0.3", timeout="0.3") as running:
        yield running


@pytest.fixture
def card(shop: Store, simulator: TerminalSimulator) -> PaymentType:
    simulator.set_scenario("approve", delay=0.3, timeout=0.3)
    return make_terminal_type(shop, address=simulator.url)


def start(api: TestClient, shop: Store, card: PaymentType, amount: str, **body: Any) -> Any:
    payload = {
        "id": str(body.pop("payment_id", uuid.uuid4())),
        "register_id": str(shop.register.id),
        "payment_type_id": str(card.id),
        "amount": amount,
    }
    return api.post("/api/comptoir/terminal_payments", json=payload)


def settled(api: TestClient, payment_id: str) -> dict[str, Any]:
    """Poll as the sell screen does until the payment is no longer pending."""
    deadline = time.monotonic() + 10
    while True:
        body: dict[str, Any] = api.get(f"/api/comptoir/terminal_payments/{payment_id}").json()[
            "data"
        ]
        if body["status"] != "PENDING" or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def charges_of(simulator: TerminalSimulator, payment_id: str) -> list[dict[str, Any]]:
    return [e for e in simulator.ledger("charge") if e["payment"] == payment_id]


def pay_by_card(
    api: TestClient, shop: Store, card: PaymentType, terminal_id: str, amount: str
) -> Any:
    product = make_product(shop, price=amount)
    body = sale_payload(shop, [(product, 1)], payments=[(card, amount)])
    body["register_sale_payments"][0]["terminal_payment_id"] = terminal_id
    return api.post("/api/register_sales", json=body)


def test_an_approved_card_payment_pays_a_sale_which_records_its_processor(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    reply = start(api, shop, card, "12.50")
    assert reply.status_code == 201, reply.text
    payment = reply.json()["data"]
    assert payment["status"] == "APPROVED"
    assert payment["provider_reference"].startswith("sim_")

    sold = pay_by_card(api, shop, card, payment["id"], "12.50")

    assert sold.status_code in (200, 201), sold.text
    with shop.uow() as uow:
        sale = uow.session.scalars(select(Sale)).one()
        assert [(p.processor, p.provider_reference) for p in sale.payments] == [
            ("simulator", payment["provider_reference"])
        ]
        used = uow.session.get(TerminalPayment, uuid.UUID(payment["id"]))
        assert used is not None and used.sale_id == sale.id
    assert len(charges_of(simulator, payment["id"])) == 1


def test_starting_again_with_the_same_id_is_the_same_payment_and_one_charge(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    payment_id = uuid.uuid4()
    first = start(api, shop, card, "8.00", payment_id=payment_id)
    again = start(api, shop, card, "8.00", payment_id=payment_id)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["data"]["provider_reference"] == first.json()["data"]["provider_reference"]
    assert len(charges_of(simulator, str(payment_id))) == 1
    other_amount = start(api, shop, card, "9.00", payment_id=payment_id)
    assert other_amount.status_code == 409


def test_connection_lost_after_approval_ends_with_one_charge_and_one_sale_payment(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    simulator.set_scenario("connection_lost")
    payment_id = str(uuid.uuid4())

    lost = start(api, shop, card, "30.00", payment_id=payment_id)

    # The terminal approved it, but the answer never came back: still pending here.
    assert lost.status_code == 201, lost.text
    assert lost.json()["data"]["status"] == "PENDING"
    assert lost.json()["data"]["message"]
    # The register retries with the same key, then polls: the approved payment is found.
    retried = start(api, shop, card, "30.00", payment_id=payment_id)
    assert retried.status_code == 200
    assert settled(api, payment_id)["status"] == "APPROVED"
    sold = pay_by_card(api, shop, card, payment_id, "30.00")
    assert sold.status_code in (200, 201), sold.text
    assert len(charges_of(simulator, payment_id)) == 1
    with shop.uow() as uow:
        payments = [
            (p.amount, p.processor) for s in uow.session.scalars(select(Sale)) for p in s.payments
        ]
    assert payments == [(Decimal("30.00"), "simulator")]


@pytest.mark.parametrize(
    ("scenario", "outcome"),
    [
        ("decline", "DECLINED"),
        ("customer_cancels", "CANCELLED"),
        ("timeout", "FAILED"),
        ("approve_delayed", "APPROVED"),
    ],
)
def test_each_scenario_ends_in_its_state_after_polling(
    api: TestClient,
    shop: Store,
    card: PaymentType,
    simulator: TerminalSimulator,
    scenario: str,
    outcome: str,
) -> None:
    simulator.set_scenario(scenario)

    reply = start(api, shop, card, "5.00")

    assert reply.status_code == 201, reply.text
    payment = reply.json()["data"]
    if scenario != "decline":
        assert payment["status"] == "PENDING"  # waiting for the card
    assert settled(api, payment["id"])["status"] == outcome
    assert len(charges_of(simulator, payment["id"])) == (1 if outcome == "APPROVED" else 0)


def test_the_cashier_cancels_a_payment_waiting_for_the_card(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    simulator.set_scenario("approve_delayed", delay=30)
    payment = start(api, shop, card, "5.00").json()["data"]

    cancelled = api.post(f"/api/comptoir/terminal_payments/{payment['id']}/actions/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["data"]["status"] == "CANCELLED"
    assert charges_of(simulator, payment["id"]) == []


@pytest.mark.parametrize("scenario", ["decline", "customer_cancels"])
def test_a_declined_or_cancelled_payment_cannot_pay_a_sale(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, scenario: str
) -> None:
    simulator.set_scenario(scenario, delay=0)
    payment = start(api, shop, card, "5.00").json()["data"]
    assert settled(api, payment["id"])["status"] in ("DECLINED", "CANCELLED")

    refused = pay_by_card(api, shop, card, payment["id"], "5.00")

    assert refused.status_code == 409, refused.text
    assert count_rows(shop.db, Sale) == 0


def test_a_terminal_payment_pays_one_sale_only(
    api: TestClient, shop: Store, card: PaymentType
) -> None:
    payment = start(api, shop, card, "7.00").json()["data"]
    assert pay_by_card(api, shop, card, payment["id"], "7.00").status_code in (200, 201)

    again = pay_by_card(api, shop, card, payment["id"], "7.00")

    assert again.status_code == 409
    assert again.json()["details"]["terminal_payment_id"] == payment["id"]
    assert count_rows(shop.db, Sale) == 1


def test_wrong_unknown_or_missing_terminal_payments_are_refused_and_nothing_changes(
    api: TestClient, shop: Store, card: PaymentType
) -> None:
    payment = start(api, shop, card, "7.00").json()["data"]
    product = make_product(shop, price="7.00")

    wrong_amount = pay_by_card(api, shop, card, payment["id"], "6.00")
    unknown = pay_by_card(api, shop, card, str(uuid.uuid4()), "7.00")
    body = sale_payload(shop, [(product, 1)], payments=[(card, "7.00")])
    missing = api.post("/api/register_sales", json=body)
    body = sale_payload(shop, [(product, 1)], payments=[(shop.card, "7.00")])
    body["register_sale_payments"][0]["terminal_payment_id"] = payment["id"]
    not_integrated = api.post("/api/register_sales", json=body)

    for reply in (wrong_amount, unknown, missing, not_integrated):
        assert reply.status_code == 422, reply.text
        assert reply.json()["details"]["field"].startswith("register_sale_payments[0]")
    assert count_rows(shop.db, Sale) == 0
    with shop.uow() as uow:
        untouched = uow.session.get(TerminalPayment, uuid.UUID(payment["id"]))
        assert untouched is not None and untouched.sale_id is None


def test_a_plain_payment_type_cannot_start_a_terminal_payment(api: TestClient, shop: Store) -> None:
    reply = start(api, shop, shop.card, "5.00")
    assert reply.status_code == 422
    assert count_rows(shop.db, TerminalPayment) == 0


def test_a_closed_register_cannot_start_a_terminal_payment_and_the_terminal_is_not_asked(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    close_till(shop)
    charges_before = len(simulator.ledger("charge"))
    payment_id = uuid.uuid4()

    reply = start(api, shop, card, "5.00", payment_id=payment_id)

    assert reply.status_code == 409, reply.text
    assert reply.json()["details"]["register_id"] == str(shop.register.id)
    assert count_rows(shop.db, TerminalPayment) == 0
    assert len(simulator.ledger("charge")) == charges_before
    assert api.get(f"/api/comptoir/terminal_payments/{payment_id}").status_code == 404


def _card_sale(api: TestClient, shop: Store, card: PaymentType, amount: str) -> tuple[Sale, str]:
    payment = start(api, shop, card, amount).json()["data"]
    assert pay_by_card(api, shop, card, payment["id"], amount).status_code in (200, 201)
    with shop.uow() as uow:
        sale = uow.session.scalars(select(Sale).where(Sale.return_for.is_(None))).one()
        uow.session.expunge(sale)
    return sale, payment["id"]


def test_a_card_return_is_refunded_through_the_provider_once_even_when_retried(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, db: Database
) -> None:
    sale, payment_id = _card_sale(api, shop, card, "20.00")

    returned = make_return(shop, sale, return_lines(sale, (0, 1)))

    with shop.uow() as uow:
        refund = uow.session.scalars(select(TerminalRefund)).one()
        assert (refund.status, refund.amount, refund.sale_id) == (
            "PENDING",
            Decimal("20.00"),
            returned.id,
        )
        refund_id = str(refund.id)
    assert simulator.ledger("refund") == []  # nothing leaves before the return commits
    Dispatcher(db, {REFUND_TOPIC: send_card_refund}).dispatch_pending()
    send_card_refund({"refund_id": refund_id})  # the outbox delivering it again
    refunds = [e for e in simulator.ledger("refund") if e["payment"] == payment_id]
    assert len(refunds) == 1 and refunds[0]["amount"] == "20.00"
    state = api.get(f"/api/comptoir/sales/{returned.id}/terminal_refunds").json()["data"]
    assert [(r["status"], Decimal(str(r["amount"]))) for r in state] == [
        ("REFUNDED", Decimal("20.00"))
    ]
    assert settled(api, payment_id)["status"] == "REFUNDED"


def test_a_refund_the_provider_cannot_take_now_is_retried_and_its_error_visible(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, db: Database
) -> None:
    sale, payment_id = _card_sale(api, shop, card, "20.00")
    with shop.uow() as uow:
        uow.session.execute(
            update(PaymentTypeTerminal).values(address=f"http://127.0.0.1:{free_port()}")
        )
        uow.commit()
    returned = make_return(shop, sale, return_lines(sale, (0, 1)))
    dispatcher = Dispatcher(db, {REFUND_TOPIC: send_card_refund})

    dispatcher.dispatch_pending()

    failed = api.get(f"/api/comptoir/sales/{returned.id}/terminal_refunds").json()["data"]
    assert [(r["status"], r["attempts"]) for r in failed] == [("PENDING", 1)]
    assert failed[0]["last_error"]
    with shop.uow() as uow:
        uow.session.execute(update(PaymentTypeTerminal).values(address=simulator.url))
        uow.session.execute(update(OutboxMessage).values(available_at=OutboxMessage.created_at))
        uow.commit()
    dispatcher.dispatch_pending()
    done = api.get(f"/api/comptoir/sales/{returned.id}/terminal_refunds").json()["data"]
    assert [r["status"] for r in done] == ["REFUNDED"]
    assert len([e for e in simulator.ledger("refund") if e["payment"] == payment_id]) == 1


def test_voiding_a_card_sale_refunds_the_card_once(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, db: Database
) -> None:
    sale, payment_id = _card_sale(api, shop, card, "15.00")

    voided = api.put(f"/api/2.0/sales/{sale.id}/actions/void")

    assert voided.status_code == 200, voided.text
    Dispatcher(db, {REFUND_TOPIC: send_card_refund}).dispatch_pending()
    refunds = [e for e in simulator.ledger("refund") if e["payment"] == payment_id]
    assert [Decimal(e["amount"]) for e in refunds] == [Decimal("15.00")]
    state = api.get(f"/api/comptoir/sales/{sale.id}/terminal_refunds").json()["data"]
    assert [r["status"] for r in state] == ["REFUNDED"]


def test_a_layby_is_paid_off_by_card_only_with_its_approved_terminal_payment(
    api: TestClient, shop: Store, card: PaymentType
) -> None:
    customer = make_customer(shop, first_name="Ada")
    product = make_product(shop, price="40.00")
    body = state_payload(
        shop,
        [(product, 1)],
        status="LAYBY",
        payments=[(shop.cash, "10.00")],
        customer_id=customer.id,
    )
    layby = api.post("/api/register_sales", json=body).json()["register_sale"]
    payment = start(api, shop, card, "30.00").json()["data"]
    pay = {"id": str(uuid.uuid4()), "retailer_payment_type_id": str(card.id), "amount": "30.00"}

    missing = api.post(f"/api/2.0/sales/{layby['id']}/payments", json=pay)
    paid = api.post(
        f"/api/2.0/sales/{layby['id']}/payments",
        json={**pay, "terminal_payment_id": payment["id"]},
    )

    assert missing.status_code == 422
    assert missing.json()["details"]["field"] == "terminal_payment_id"
    assert paid.status_code == 200, paid.text
    assert paid.json()["data"]["status"] == "LAYBY_CLOSED"
    processors = [p["processor"] for p in paid.json()["data"]["payments"]]
    assert processors == [None, "simulator"]


def test_an_exchange_difference_paid_by_card_needs_its_terminal_payment(
    api: TestClient, shop: Store, card: PaymentType
) -> None:
    from comptoir.core.errors import InvalidInput
    from comptoir.sales.inputs import LineInput, PaymentInput

    sale, _ = _card_sale(api, shop, card, "10.00")
    dearer = make_product(shop, price="25.00")
    payment = start(api, shop, card, "15.00").json()["data"]
    swap = {"new_lines": [LineInput(product_id=dearer.id, quantity=Decimal(1))]}
    unpaid = PaymentInput(payment_type_id=card.id, amount=Decimal("15.00"))

    with pytest.raises(InvalidInput):
        make_return(shop, sale, return_lines(sale, (0, 1)), payments=[unpaid], **swap)
    exchange = make_return(
        shop,
        sale,
        return_lines(sale, (0, 1)),
        payments=[
            PaymentInput(
                payment_type_id=card.id,
                amount=Decimal("15.00"),
                terminal_payment_id=uuid.UUID(payment["id"]),
            )
        ],
        **swap,
    )

    assert [(p.amount, p.processor) for p in exchange.payments] == [(Decimal("15.00"), "simulator")]


def test_a_payment_whose_void_is_under_way_cannot_pay_a_sale(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    payment = start(api, shop, card, "6.00").json()["data"]
    # Where a cancel leaves it, committed, while it asks the provider to void the card.
    with shop.uow() as uow:
        uow.session.execute(
            update(TerminalPayment)
            .where(TerminalPayment.id == uuid.UUID(payment["id"]))
            .values(status="VOIDING")
        )
        uow.commit()

    sold = pay_by_card(api, shop, card, payment["id"], "6.00")

    assert sold.status_code == 409, sold.text
    assert count_rows(shop.db, Sale) == 0
    # The cashier's cancel, asked again, ends the void.
    cancelled = api.post(f"/api/comptoir/terminal_payments/{payment['id']}/actions/cancel")
    assert cancelled.json()["data"]["status"] == "VOIDED"
    voids = [e for e in simulator.ledger("void") if e["payment"] == payment["id"]]
    assert len(voids) == 1


def test_cancelling_a_payment_a_sale_took_first_never_voids_the_card(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    payment = start(api, shop, card, "5.00").json()["data"]
    assert pay_by_card(api, shop, card, payment["id"], "5.00").status_code in (200, 201)

    cancelled = api.post(f"/api/comptoir/terminal_payments/{payment['id']}/actions/cancel")

    assert cancelled.status_code == 409
    assert [e for e in simulator.ledger("void") if e["payment"] == payment["id"]] == []
    with shop.uow() as uow:
        used = uow.session.get_one(TerminalPayment, uuid.UUID(payment["id"]))
        assert (used.status, used.sale_id is not None) == ("APPROVED", True)


def _follow_ups_due_now(db: Database) -> Dispatcher:
    with db.unit_of_work() as uow:
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == FOLLOW_UP_TOPIC)
            .values(available_at=utcnow())
        )
        uow.commit()
    return Dispatcher(db, {FOLLOW_UP_TOPIC: follow_up})


def test_a_payment_the_register_stopped_asking_about_is_followed_to_its_end(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, db: Database
) -> None:
    simulator.set_scenario("approve_delayed", delay=0.2)
    payment = start(api, shop, card, "4.00").json()["data"]
    assert payment["status"] == "PENDING"
    time.sleep(0.4)  # approved on the terminal; the register's browser is gone

    _follow_ups_due_now(db).dispatch_pending()

    with shop.uow() as uow:
        followed = uow.session.get_one(TerminalPayment, uuid.UUID(payment["id"]))
        assert followed.status == "APPROVED"
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == FOLLOW_UP_TOPIC)
        ).one()
        assert message.delivered_at is not None


def test_a_follow_up_without_an_outcome_yet_is_asked_again_later(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator, db: Database
) -> None:
    simulator.set_scenario("approve_delayed", delay=30)
    payment = start(api, shop, card, "3.00").json()["data"]

    _follow_ups_due_now(db).dispatch_pending()

    with shop.uow() as uow:
        assert uow.session.get_one(TerminalPayment, uuid.UUID(payment["id"])).status == "PENDING"
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == FOLLOW_UP_TOPIC)
        ).one()
        assert (message.delivered_at, message.attempts) == (None, 1)
        assert "still pending" in (message.last_error or "")
    api.post(f"/api/comptoir/terminal_payments/{payment['id']}/actions/cancel")


def test_a_return_refunded_to_a_card_cannot_be_voided_and_nothing_changes(
    api: TestClient, shop: Store, card: PaymentType, simulator: TerminalSimulator
) -> None:
    sale, _payment = _card_sale(api, shop, card, "12.00")
    returned = make_return(shop, sale, return_lines(sale, (0, 1)))

    voided = api.put(f"/api/2.0/sales/{returned.id}/actions/void")

    assert voided.status_code == 409, voided.text
    assert "refunded to a card" in voided.json()["error"]
    with shop.uow() as uow:
        kept = uow.session.get_one(Sale, returned.id)
        assert kept.status != "VOIDED"
        assert [p.amount for p in kept.payments] == [Decimal("-12.00")]
        assert uow.session.get_one(Sale, sale.id).lines[0].returned_quantity == 1
