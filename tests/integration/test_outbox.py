"""The transactional outbox: written with the data, delivered after commit, retried on failure."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.outbox import MAX_BACKOFF, Dispatcher, OutboxMessage, backoff, enqueue
from comptoir.customers import service as customers
from comptoir.sales import service as sales
from comptoir.sales.errors import PaymentShortfall
from tests.factories import (
    Store,
    count_rows,
    make_product,
    make_sale,
    sale_input,
    snapshot,
    stock_of,
)


def messages(db: Database) -> list[OutboxMessage]:
    with db.read_sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


def make_due(db: Database) -> None:
    """Bring every pending message's retry time into the past, instead of waiting for it."""
    with db.write_sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None))
            .values(available_at=utcnow() - timedelta(seconds=1))
        )


class Recorder:
    """A handler that records what it is given, and fails while told to."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.failing = False

    def __call__(self, payload: dict[str, Any]) -> None:
        self.seen.append(payload)
        if self.failing:
            raise ConnectionError("webhook endpoint unreachable")


def test_a_closed_sale_enqueues_a_sale_update_message_with_it(shop: Store) -> None:
    coffee = make_product(shop, price="8.90")
    sale = make_sale(shop, [(coffee, 1)], total="8.90")

    (message,) = messages(shop.db)
    assert message.topic == "sale.update"
    assert message.payload == {"sale_id": str(sale.id)}
    assert (message.delivered_at, message.attempts) == (None, 0)
    assert message.available_at <= utcnow()


def test_a_refused_sale_enqueues_nothing(shop: Store) -> None:
    coffee = make_product(shop, price="8.90")
    with shop.uow() as uow, pytest.raises(PaymentShortfall):
        sales.record_sale(
            uow,
            sale=sale_input(shop, [(coffee, 1)], total="1.00"),
            user_id=shop.owner.id,
            find_customer=customers.get_customer,
        )
    assert count_rows(shop.db, OutboxMessage) == 0


@pytest.fixture
def outbox_refuses_writes(db: Database) -> Iterator[None]:
    """A database trigger that fails every insert into the outbox, dropped afterwards."""
    if db.dialect == "sqlite":
        create = [
            "CREATE TRIGGER test_outbox_down BEFORE INSERT ON outbox_message "
            "BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END"
        ]
        drop = ["DROP TRIGGER IF EXISTS test_outbox_down"]
    else:
        create = [
            "CREATE FUNCTION test_outbox_down() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'outbox unavailable'; END $$",
            "CREATE TRIGGER test_outbox_down BEFORE INSERT ON outbox_message "
            "FOR EACH ROW EXECUTE FUNCTION test_outbox_down()",
        ]
        drop = [
            "DROP TRIGGER IF EXISTS test_outbox_down ON outbox_message",
            "DROP FUNCTION IF EXISTS test_outbox_down()",
        ]
    with db.writer.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with db.writer.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))


def test_a_sale_whose_outbox_message_cannot_be_written_is_not_recorded_either(
    shop: Store, outbox_refuses_writes: None
) -> None:
    # The message and the sale share one transaction: no sale without its notification.
    coffee = make_product(shop, price="8.90", stock=10)
    before = snapshot(shop)
    wanted = sale_input(shop, [(coffee, 1)], total="8.90", sale_id=uuid.uuid4())
    with shop.uow() as uow, pytest.raises(DBAPIError, match="outbox unavailable"):
        sales.record_sale(
            uow, sale=wanted, user_id=shop.owner.id, find_customer=customers.get_customer
        )
    assert snapshot(shop) == before
    assert stock_of(shop, coffee) == 10


def test_a_message_enqueued_in_a_unit_of_work_that_is_not_committed_is_never_stored(
    db: Database,
) -> None:
    woken: list[bool] = []
    with db.unit_of_work() as uow:
        enqueue(uow, topic="sale.update", payload={"sale_id": "x"})
        uow.after_commit(lambda: woken.append(True))
        uow.session.flush()
    assert count_rows(db, OutboxMessage) == 0
    assert woken == []  # after-commit callbacks (the dispatcher's wake-up) did not run


def test_dispatching_delivers_a_due_message_to_its_handler_once(shop: Store) -> None:
    coffee = make_product(shop, price="8.90")
    sale = make_sale(shop, [(coffee, 1)], total="8.90")
    handler = Recorder()
    dispatcher = Dispatcher(shop.db, {"sale.update": handler})

    assert dispatcher.dispatch_pending() == 1
    assert handler.seen == [{"sale_id": str(sale.id)}]
    (message,) = messages(shop.db)
    assert message.delivered_at is not None
    assert (message.attempts, message.last_error) == (0, None)

    assert dispatcher.dispatch_pending() == 0
    assert len(handler.seen) == 1


def test_a_failing_handler_leaves_the_message_for_a_later_retry_with_backoff(db: Database) -> None:
    with db.unit_of_work() as uow:
        enqueue(uow, topic="sale.update", payload={"sale_id": "s-1"})
        uow.commit()
    handler = Recorder()
    handler.failing = True
    dispatcher = Dispatcher(db, {"sale.update": handler})

    before = utcnow()
    assert dispatcher.dispatch_pending() == 1
    (message,) = messages(db)
    assert message.delivered_at is None
    assert message.attempts == 1
    assert message.last_error == "ConnectionError: webhook endpoint unreachable"
    assert message.available_at >= before + backoff(1)

    # Not due yet: a dispatch right away leaves it alone.
    assert dispatcher.dispatch_pending() == 0
    assert len(handler.seen) == 1

    # Due again, and still failing: the wait doubles.
    make_due(db)
    before = utcnow()
    assert dispatcher.dispatch_pending() == 1
    (message,) = messages(db)
    assert message.attempts == 2
    assert message.available_at >= before + backoff(2)

    # Due again, and the endpoint is back: delivered, once.
    make_due(db)
    handler.failing = False
    assert dispatcher.dispatch_pending() == 1
    (message,) = messages(db)
    assert message.delivered_at is not None
    assert message.attempts == 2
    assert message.last_error is None
    assert handler.seen == [{"sale_id": "s-1"}] * 3
    assert dispatcher.dispatch_pending() == 0


def test_one_failing_message_does_not_hold_back_the_others(db: Database) -> None:
    with db.unit_of_work() as uow:
        for n in range(3):
            enqueue(uow, topic="sale.update", payload={"sale_id": f"s-{n}"})
        uow.commit()
    delivered: list[str] = []

    def handler(payload: dict[str, Any]) -> None:
        if payload["sale_id"] == "s-1":
            raise RuntimeError("boom")
        delivered.append(payload["sale_id"])

    assert Dispatcher(db, {"sale.update": handler}).dispatch_pending() == 3
    assert sorted(delivered) == ["s-0", "s-2"]
    pending = [m.payload["sale_id"] for m in messages(db) if m.delivered_at is None]
    assert pending == ["s-1"]


def test_a_message_being_delivered_is_not_claimed_by_a_second_dispatcher(db: Database) -> None:
    with db.unit_of_work() as uow:
        enqueue(uow, topic="sale.update", payload={"sale_id": "s-1"})
        uow.commit()
    second = Dispatcher(db, {"sale.update": lambda payload: None})
    claimed_meanwhile: list[int] = []

    def slow_handler(payload: dict[str, Any]) -> None:
        # While the first dispatcher runs this handler, another worker polls.
        claimed_meanwhile.append(second.dispatch_pending())

    assert Dispatcher(db, {"sale.update": slow_handler}).dispatch_pending() == 1
    assert claimed_meanwhile == [0]


def test_the_retry_wait_doubles_with_each_attempt_up_to_a_ceiling() -> None:
    assert [backoff(n) for n in range(1, 5)] == [timedelta(seconds=s) for s in (2, 4, 8, 16)]
    assert backoff(40) == MAX_BACKOFF


def test_delivery_times_are_stored_in_utc(db: Database) -> None:
    with db.unit_of_work() as uow:
        enqueue(uow, topic="sale.update", payload={})
        uow.commit()
    Dispatcher(db, {"sale.update": lambda payload: None}).dispatch_pending()
    (message,) = messages(db)
    stamps: list[datetime | None] = [message.created_at, message.delivered_at]
    assert all(s is not None and s.utcoffset() == timedelta(0) for s in stamps)
