"""Receipts on network printers: a sale's completion queues its print job in the sale's own
transaction, the outbox delivers it to a real TCP listener on loopback, and a printer that is
off or dies mid-job never blocks nor loses anything: the job waits and is printed once the
printer is back."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.core.clock import utcnow
from comptoir.core.outbox import OutboxMessage, enqueue
from comptoir.printing import config
from comptoir.printing.jobs import DRAWER_KICK_TOPIC, PRINT_RECEIPT_TOPIC
from comptoir.sales.models import Sale
from comptoir.store import service as store
from tests.factories import (
    Store,
    make_customer,
    make_product,
    make_return,
    make_sale,
    return_lines,
    sale_payload,
    state_payload,
)
from tests.integration.printing_support import (
    FakePrinter,
    attach_printer,
    dispatcher,
    free_port,
    messages_of,
    text_of,
)
from tests.integration.test_outbox import make_due

CUT = b"\x1dV\x01"  # GS V 1: partial cut (after the feed to the cutter)
DRAWER_KICK = b"\x1bp\x00"  # ESC p 0: pulse on the drawer connector's pin 2


def test_a_cash_sale_prints_its_receipt_cuts_and_opens_the_drawer(shop: Store) -> None:
    printer = FakePrinter()
    try:
        attach_printer(shop, port=printer.port)
        coffee = make_product(shop, name="Café crème", price="3.50")
        make_sale(shop, [(coffee, 2)], payments=[(shop.cash, "10.00")])
        assert len(messages_of(shop.db, PRINT_RECEIPT_TOPIC)) == 1
        assert printer.jobs == []  # nothing is printed before the commit's outbox runs
        assert dispatcher(shop.db)() >= 1
        assert len(printer.jobs) == 1
        job = printer.jobs[0]
        text = text_of(job)
        assert "Café crème" in text  # the accents, in code page 858
        assert "T1-1" in text and "Change" in text and "€3.00" in text
        assert CUT in job and DRAWER_KICK in job
        assert job.index(CUT) < job.index(DRAWER_KICK)
        state = _state(shop)
        assert state.status == "ok" and state.pending_jobs == 0
    finally:
        printer.stop()


def test_a_card_sale_prints_without_opening_the_drawer(shop: Store) -> None:
    printer = FakePrinter()
    try:
        attach_printer(shop, port=printer.port)
        scarf = make_product(shop, name="Scarf", price="20.00")
        make_sale(shop, [(scarf, 1)], payments=[(shop.card, "20.00")])
        dispatcher(shop.db)()
        assert len(printer.jobs) == 1
        assert "Scarf" in text_of(printer.jobs[0])
        assert CUT in printer.jobs[0] and DRAWER_KICK not in printer.jobs[0]
    finally:
        printer.stop()


def test_a_printer_that_is_off_never_blocks_the_sale_and_prints_once_it_is_back(
    api: TestClient, shop: Store
) -> None:
    port = free_port()  # nothing listens there: the printer is off
    attach_printer(shop, port=port)
    coffee = make_product(shop, name="Coffee", price="2.00")
    started = time.monotonic()
    reply = api.post("/api/register_sales", json=sale_payload(shop, [(coffee, 1)], total="2.00"))
    assert reply.status_code == 200, reply.text
    assert time.monotonic() - started < 5  # the request never waited for the printer
    deliver = dispatcher(shop.db)
    deliver()
    (job,) = messages_of(shop.db, PRINT_RECEIPT_TOPIC)
    assert job.delivered_at is None and job.attempts == 1 and job.last_error
    state = _state(shop)
    assert state.status == "error" and state.pending_jobs == 1
    assert "127.0.0.1" in (state.last_error or "")

    printer = FakePrinter(port)  # plugged back in
    try:
        make_due(shop.db)
        deliver()
        assert len(printer.jobs) == 1 and "Coffee" in text_of(printer.jobs[0])
        (job,) = messages_of(shop.db, PRINT_RECEIPT_TOPIC)
        assert job.delivered_at is not None
        assert _state(shop).status == "ok" and _state(shop).pending_jobs == 0
    finally:
        printer.stop()


def test_a_printer_that_dies_mid_job_gets_the_job_again_once_it_is_back(shop: Store) -> None:
    dying = FakePrinter(die_mid_job=True)
    port = dying.port
    attach_printer(shop, port=port)
    tea = make_product(shop, name="Green tea", price="4.00")
    sale = make_sale(shop, [(tea, 1)], total="4.00")
    deliver = dispatcher(shop.db)
    deliver()
    dying.stop()
    assert dying.connections == 1 and dying.jobs == []
    (job,) = messages_of(shop.db, PRINT_RECEIPT_TOPIC)
    assert job.delivered_at is None and job.attempts == 1
    with shop.db.read_sessions() as session:  # the sale was recorded all the same
        assert session.get(Sale, sale.id) is not None

    printer = FakePrinter(port)
    try:
        make_due(shop.db)
        deliver()
        assert len(printer.jobs) == 1 and "Green tea" in text_of(printer.jobs[0])
        assert messages_of(shop.db, PRINT_RECEIPT_TOPIC)[0].delivered_at is not None
    finally:
        printer.stop()


def test_no_print_job_without_a_printer_or_with_printing_off(shop: Store) -> None:
    bread = make_product(shop, name="Bread", price="1.20")
    make_sale(shop, [(bread, 1)], total="1.20")  # no printer: the browser prints
    attach_printer(shop, port=free_port(), enabled=False)
    make_sale(shop, [(bread, 1)], total="1.20")  # printer disabled
    attach_printer(shop, port=free_port())
    with shop.uow() as uow:
        register = store.get_register(uow.session, register_id=shop.register.id)
        register.print_receipt = False
        uow.commit()
    make_sale(shop, [(bread, 1)], total="1.20")  # the register prints no receipt
    assert messages_of(shop.db, PRINT_RECEIPT_TOPIC) == []


def test_star_line_mode_speaks_star_commands(shop: Store) -> None:
    printer = FakePrinter(answer=False)  # Line Mode asks for no status
    try:
        attach_printer(shop, port=printer.port, kind="star_line")
        cake = make_product(shop, name="Gâteau à l'orange", price="5.00")
        make_sale(shop, [(cake, 1)], payments=[(shop.cash, "5.00")])
        dispatcher(shop.db)()
        _wait_for(lambda: len(printer.jobs) == 1)
        job = printer.jobs[0]
        assert job.startswith(b"\x1b@\x1b\x1dt\x04")  # initialise, code page 858
        assert "Gâteau à l'orange" in job.decode("cp858")
        assert b"\x1bd\x03" in job and job.endswith(b"\x07")  # cut, then the drawer (BEL)
    finally:
        printer.stop()


def test_a_drawer_kick_message_opens_the_drawer_through_the_printer(shop: Store) -> None:
    printer = FakePrinter()
    try:
        attach_printer(shop, port=printer.port)
        with shop.uow() as uow:
            enqueue(
                uow,
                topic=DRAWER_KICK_TOPIC,
                payload={
                    "register_id": str(shop.register.id),
                    "reason": "cash_movement",
                    "ref": str(uuid.uuid4()),
                },
            )
            uow.commit()
        dispatcher(shop.db)()
        assert len(printer.jobs) == 1 and printer.jobs[0].startswith(DRAWER_KICK)
    finally:
        printer.stop()


def test_a_drawer_kick_is_not_retried_later(shop: Store) -> None:
    attach_printer(shop, port=free_port())
    with shop.uow() as uow:
        payload = {"register_id": str(shop.register.id), "reason": "float", "ref": "x"}
        enqueue(uow, topic=DRAWER_KICK_TOPIC, payload=payload)
        uow.commit()
    dispatcher(shop.db)()
    (kick,) = messages_of(shop.db, DRAWER_KICK_TOPIC)
    assert kick.delivered_at is not None  # given up: a drawer opening later surprises
    assert _state(shop).status == "error"


def _state(shop: Store) -> config.PrinterState:
    with shop.db.read_sessions() as session:
        return config.printer_state(session, register_id=shop.register.id)


def _wait_for(condition: object, seconds: float = 5) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


def test_a_return_and_a_parked_sale_completed_later_print_their_receipts(
    api: TestClient, shop: Store
) -> None:
    printer = FakePrinter()
    try:
        attach_printer(shop, port=printer.port)
        mug = make_product(shop, name="Mug bleu", price="12.00")
        sale = make_sale(shop, [(mug, 1)], total="12.00")
        make_return(shop, sale, return_lines(sale, (0, 1), reason="chipped"))
        parked_id = uuid.uuid4()
        parked = state_payload(shop, [(mug, 1)], status="SAVED", sale_id=parked_id)
        assert api.post("/api/register_sales", json=parked).status_code == 200
        assert len(messages_of(shop.db, PRINT_RECEIPT_TOPIC)) == 2  # parked: nothing yet
        closed = sale_payload(shop, [(mug, 1)], total="12.00", sale_id=parked_id)
        reply = api.post("/api/register_sales", json=closed)
        assert reply.status_code == 200, reply.text
        assert len(messages_of(shop.db, PRINT_RECEIPT_TOPIC)) == 3
        dispatcher(shop.db)()
        texts = [text_of(job) for job in printer.jobs]
        assert len(texts) == 3
        assert "Return for receipt T1-1" in texts[1] and "returned: chipped" in texts[1]
    finally:
        printer.stop()


def test_once_the_printer_answers_receipts_in_a_long_back_off_print_without_waiting(
    api: TestClient, shop: Store
) -> None:
    port = free_port()
    attach_printer(shop, port=port)
    coffee = make_product(shop, name="Coffee", price="2.00")
    make_sale(shop, [(coffee, 1)], total="2.00")
    deliver = dispatcher(shop.db)
    deliver()
    _push_back(shop, hours=3)  # as after a morning of failed attempts
    printer = FakePrinter(port)
    try:
        # The cashier's "print waiting receipts now" once the printer is back.
        reply = api.put(f"/api/2.0/registers/{shop.register.id}/printer/actions/retry")
        assert reply.status_code == 200 and reply.json()["data"]["retried_jobs"] == 1
        deliver()
        assert len(printer.jobs) == 1
        # Or simply the next sale: its receipt prints, and wakes the ones still waiting.
        printer.stop()
        make_sale(shop, [(coffee, 1)], total="2.00")
        deliver()
        _push_back(shop, hours=3)
        printer = FakePrinter(port)
        make_sale(shop, [(coffee, 1)], total="2.00")
        deliver()  # prints the new sale, and wakes the old one
        deliver()
        assert len(printer.jobs) == 2
        assert all(m.delivered_at for m in messages_of(shop.db, PRINT_RECEIPT_TOPIC))
    finally:
        printer.stop()


def _push_back(shop: Store, *, hours: int) -> None:
    with shop.db.write_sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None))
            .values(available_at=utcnow() + timedelta(hours=hours))
        )


def test_a_layby_paid_in_full_later_queues_its_receipt(api: TestClient, shop: Store) -> None:
    attach_printer(shop, port=free_port())
    ada = make_customer(shop, first_name="Ada")
    lamp = make_product(shop, name="Lamp", price="40.00")
    sale_id = uuid.uuid4()
    body = state_payload(
        shop,
        [(lamp, 1)],
        status="LAYBY",
        payments=[(shop.cash, "10.00")],
        sale_id=sale_id,
        customer_id=ada.id,
    )
    assert api.post("/api/register_sales", json=body).status_code == 200
    assert messages_of(shop.db, PRINT_RECEIPT_TOPIC) == []  # a deposit: not completed yet
    payment = {"id": str(uuid.uuid4()), "retailer_payment_type_id": str(shop.cash.id)}
    part = api.post(f"/api/2.0/sales/{sale_id}/payments", json={**payment, "amount": "10.00"})
    assert part.status_code in (200, 201), part.text
    assert messages_of(shop.db, PRINT_RECEIPT_TOPIC) == []
    rest = {"id": str(uuid.uuid4()), "retailer_payment_type_id": str(shop.cash.id)}
    done = api.post(f"/api/2.0/sales/{sale_id}/payments", json={**rest, "amount": "20.00"})
    assert done.status_code in (200, 201), done.text
    (job,) = messages_of(shop.db, PRINT_RECEIPT_TOPIC)
    assert job.payload["sale_id"] == str(sale_id)
