"""Every use case that takes money or issues a receipt writes exactly one signed entry on its
register's chain, in its own transaction, with ids and amounts only (no personal data)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from comptoir import __version__
from comptoir.core.db import Database
from comptoir.customers import account
from comptoir.customers import service as customers
from comptoir.customers.gdpr import erase_customer
from comptoir.fiscal.errors import FiscalSigningUnavailable
from comptoir.fiscal.journal import append_entry, attach_signing_key, signed_message
from comptoir.fiscal.keys import SigningKey, verify_signature
from comptoir.fiscal.models import FiscalEntry, FiscalKey, register_chain
from comptoir.printing.jobs import PRINT_RECEIPT_TOPIC
from comptoir.registers import service as registers
from comptoir.sales import recording
from comptoir.sales import service as sales
from comptoir.sales.account import pay_sale
from comptoir.sales.inputs import SaleRights
from comptoir.sales.models import Sale
from comptoir.sales.voiding import void_sale
from comptoir.store.models import Register
from comptoir.store.service import RegisterClosed
from tests.conftest import BACKEND
from tests.factories import (
    Store,
    close_till,
    csrf_of,
    make_customer,
    make_product,
    make_register,
    make_return,
    make_sale,
    return_lines,
    run_together,
    sale_input,
    sign_in,
)
from tests.integration.printing_support import (
    FakePrinter,
    attach_printer,
    dispatcher,
    messages_of,
    text_of,
)


@dataclasses.dataclass
class Entry:
    sequence: int
    kind: str
    subject_id: uuid.UUID | None
    payload: dict[str, Any]
    raw: str
    signature: str


def entries(db: Database, register: Register) -> list[Entry]:
    with db.read_sessions() as session:
        rows = session.scalars(
            select(FiscalEntry)
            .where(FiscalEntry.chain == register_chain(register.id))
            .order_by(FiscalEntry.sequence)
        ).all()
        return [
            Entry(e.sequence, e.kind, e.subject_id, json.loads(e.payload), e.payload, e.signature)
            for e in rows
        ]


def new_entries(shop: Store, before: int, register: Register | None = None) -> list[Entry]:
    return entries(shop.db, register or shop.register)[before:]


def count(shop: Store, register: Register | None = None) -> int:
    return len(entries(shop.db, register or shop.register))


def by_rate(*rows: tuple[str, str, str, str]) -> list[dict[str, str]]:
    return [{"rate": r, "incl": i, "excl": e, "tax": t} for r, i, e, t in rows]


def totals(incl: str, excl: str, tax: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    return {"incl": incl, "excl": excl, "tax": tax, "by_rate": rows}


def paid(shop: Store, *amounts: tuple[str, str]) -> list[dict[str, str]]:
    types = {"CASH": shop.cash, "CARD_EXTERNAL": shop.card}
    return sorted(
        (
            {"payment_type_id": str(types[kind].id), "kind": kind, "amount": amount}
            for kind, amount in amounts
        ),
        key=lambda p: p["payment_type_id"],
    )


@pytest.fixture
def goods(shop: Store) -> tuple[Any, Any]:
    mug = make_product(shop, name="Mug", price="12.00")
    tea = make_product(shop, name="Tea", price="3.00", tax=shop.reduced_tax)
    return mug, tea


def _record(shop: Store, wanted: sales.SaleInput, **kwargs: Any) -> Sale:
    with shop.uow() as uow:
        sale, _ = sales.record_sale(
            uow,
            sale=wanted,
            user_id=shop.owner.id,
            find_customer=customers.get_customer,
            ledger=account.LEDGER,
            rights=SaleRights(exceed_account_limit=True),
            **kwargs,
        )
        return sale


def _pay(shop: Store, sale: Sale, amount: str) -> None:
    with shop.uow() as uow:
        pay_sale(
            uow,
            sale_id=sale.id,
            payment_id=uuid.uuid4(),
            payment_type_id=shop.cash.id,
            amount=Decimal(amount),
            register_id=None,
            user_id=shop.owner.id,
            ledger=account.LEDGER,
        )


def _void(shop: Store, sale: Sale) -> None:
    with shop.uow() as uow:
        void_sale(
            uow,
            sale_id=sale.id,
            user_id=shop.owner.id,
            may_void_completed=True,
            ledger=account.LEDGER,
        )


# One entry per use case -------------------------------------------------------------------


def test_the_register_opening_is_the_first_entry_of_its_chain(shop: Store) -> None:
    (opened,) = entries(shop.db, shop.register)
    assert (opened.sequence, opened.kind) == (1, "register.open")
    assert opened.payload["opening_float"] == "0.00"
    assert opened.payload["session_sequence"] == 1


def test_a_sale_writes_one_entry_with_its_amounts_by_rate_and_its_payments(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, tea = goods
    before = count(shop)
    sale = make_sale(shop, [(mug, 1), (tea, 1)], payments=[(shop.cash, "20.00")])

    (entry,) = new_entries(shop, before)
    assert (entry.sequence, entry.kind, entry.subject_id) == (before + 1, "sale", sale.id)
    payload = entry.payload
    assert payload["schema"] == 1 and payload["ticket"] is True
    assert payload["sale_id"] == str(sale.id)
    assert payload["invoice_number"] == sale.invoice_number
    assert payload["totals"] == totals(
        "15.00",
        "12.84",
        "2.16",
        by_rate(("20.00", "12.00", "10.00", "2.00"), ("5.50", "3.00", "2.84", "0.16")),
    )
    # 20.00 given, 5.00 change: the cash taken is netted.
    assert payload["payments"] == paid(shop, ("CASH", "15.00"))
    assert [line["rate"] for line in payload["lines"]] == ["20.00", "5.50"]


def test_a_parked_sale_records_nothing_until_it_is_completed(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    before = count(shop)
    parked = _record(
        shop,
        dataclasses.replace(
            sale_input(shop, [(mug, 1)], payments=[], sale_id=uuid.uuid4()), status="SAVED"
        ),
    )
    assert count(shop) == before
    with shop.db.read_sessions() as session:
        version = session.get(Sale, parked.id).version  # type: ignore[union-attr]
    _record(
        shop,
        dataclasses.replace(
            sale_input(shop, [(mug, 1)], total="12.00", sale_id=parked.id), version=version
        ),
    )
    (entry,) = new_entries(shop, before)
    assert (entry.kind, entry.subject_id) == ("sale", parked.id)
    assert entry.payload["totals"]["incl"] == "12.00"


def test_a_return_and_the_void_of_a_sale_are_negative_entries(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, tea = goods
    sale = make_sale(shop, [(mug, 2), (tea, 1)], payments=[(shop.card, "27.00")])
    before = count(shop)
    back = make_return(shop, sale, return_lines(sale, (0, 1)))
    (entry,) = new_entries(shop, before)
    assert (entry.kind, entry.subject_id, entry.payload["ticket"]) == ("return", back.id, True)
    assert entry.payload["return_for"] == str(sale.id)
    assert entry.payload["totals"] == totals(
        "-12.00", "-10.00", "-2.00", by_rate(("20.00", "-12.00", "-10.00", "-2.00"))
    )
    assert entry.payload["payments"] == paid(shop, ("CARD_EXTERNAL", "-12.00"))

    other = make_sale(shop, [(tea, 2)], total="6.00")
    before = count(shop)
    _void(shop, other)
    (voided,) = new_entries(shop, before)
    assert (voided.kind, voided.subject_id) == ("void", other.id)
    assert voided.payload["voided_status"] == "CLOSED"
    assert voided.payload["totals"] == totals(
        "-6.00", "-5.69", "-0.31", by_rate(("5.50", "-6.00", "-5.69", "-0.31"))
    )
    assert voided.payload["payments"] == paid(shop, ("CASH", "-6.00"))

    # Voiding the return negates the return: its figures come back positive.
    before = count(shop)
    _void(shop, back)
    (unreturned,) = new_entries(shop, before)
    assert unreturned.kind == "void" and unreturned.payload["totals"]["incl"] == "12.00"


def test_a_layby_counts_its_deposits_as_payments_and_its_figures_at_completion(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    ada = make_customer(shop, first_name="Ada", last_name="Lovelace", email="ada@example.com")
    before = count(shop)
    wanted = dataclasses.replace(
        sale_input(shop, [(mug, 2)], payments=[(shop.cash, "5.00")]),
        status="LAYBY",
        customer_id=ada.id,
    )
    layby = _record(shop, wanted)
    _pay(shop, layby, "10.00")
    _pay(shop, layby, "9.00")

    opened, payment, completed = new_entries(shop, before)
    assert (opened.kind, opened.payload["event"]) == ("layby", "open")
    assert "totals" not in opened.payload and "ticket" not in opened.payload
    assert opened.payload["payments"] == paid(shop, ("CASH", "5.00"))
    assert opened.payload["due"] == "24.00"
    assert payment.kind == "layby.payment" and "totals" not in payment.payload
    assert payment.payload["payments"] == paid(shop, ("CASH", "10.00"))
    assert (completed.kind, completed.payload["event"]) == ("layby", "complete")
    assert completed.payload["ticket"] is True
    assert completed.payload["totals"] == totals(
        "24.00", "20.00", "4.00", by_rate(("20.00", "24.00", "20.00", "4.00"))
    )
    assert completed.payload["payments"] == paid(shop, ("CASH", "9.00"))

    # A layby cancelled while open gives its deposit back, and no figures.
    cancelled = _record(shop, dataclasses.replace(wanted, id=uuid.uuid4()))
    before = count(shop)
    _void(shop, cancelled)
    (cancel,) = new_entries(shop, before)
    assert (cancel.kind, cancel.payload["event"]) == ("layby", "cancel")
    assert "totals" not in cancel.payload
    assert cancel.payload["payments"] == paid(shop, ("CASH", "-5.00"))


def test_an_on_account_sale_counts_when_sold_and_its_payments_when_paid(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, tea = goods
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    before = count(shop)
    wanted = dataclasses.replace(
        sale_input(shop, [(mug, 1)], payments=[]), status="ONACCOUNT", customer_id=ada.id
    )
    owed = _record(shop, wanted)
    _record(
        shop,
        dataclasses.replace(
            wanted, id=uuid.uuid4(), lines=[sales.LineInput(product_id=tea.id, quantity=Decimal(1))]
        ),
    )
    with shop.uow() as uow:
        account.pay_balance(
            uow,
            customer_id=ada.id,
            payment_type_id=shop.card.id,
            amount=Decimal("15.00"),
            client_id=uuid.uuid4(),
            user_id=shop.owner.id,
        )

    sold, sold_too, first_paid, second_paid = new_entries(shop, before)
    assert (sold.kind, sold.subject_id, sold.payload["status"]) == ("sale", owed.id, "ONACCOUNT")
    assert sold.payload["totals"]["incl"] == "12.00" and sold.payload["payments"] == []
    assert sold_too.payload["totals"]["incl"] == "3.00"
    assert [first_paid.kind, second_paid.kind] == ["account.payment", "account.payment"]
    assert "totals" not in first_paid.payload
    assert first_paid.payload["payments"] == paid(shop, ("CARD_EXTERNAL", "12.00"))
    assert second_paid.payload["payments"] == paid(shop, ("CARD_EXTERNAL", "3.00"))
    assert second_paid.payload["status"] == "ONACCOUNT_CLOSED"


def test_a_balance_brought_in_and_paid_from_the_profile_is_an_account_payment(
    shop: Store,
) -> None:
    ada = make_customer(shop, first_name="Ada")
    with shop.uow() as uow:  # a balance no sale holds (an import's)
        account.move_account(
            uow.session,
            customer_id=ada.id,
            sale_id=None,
            amount=Decimal("7.00"),
            kind="IMPORT",
            user_id=None,
        )
        uow.commit()
    before = count(shop)
    with shop.uow() as uow:
        account.pay_balance(
            uow,
            customer_id=ada.id,
            payment_type_id=shop.cash.id,
            amount=Decimal("7.00"),
            client_id=uuid.uuid4(),
            user_id=shop.owner.id,
        )
    (paid_in,) = new_entries(shop, before)
    assert (paid_in.kind, paid_in.subject_id) == ("account.payment", ada.id)
    assert paid_in.payload["customer_id"] == str(ada.id)
    assert paid_in.payload["payments"] == paid(shop, ("CASH", "7.00"))
    assert "totals" not in paid_in.payload


def test_cash_movements_and_the_closure_are_entries_without_their_notes(shop: Store) -> None:
    before = count(shop)
    with shop.uow() as uow:
        movement, _ = registers.record_cash_movement(
            uow,
            register_id=shop.register.id,
            kind="CASH_OUT",
            amount=Decimal("20.00"),
            note="Paid Mme Dupont for the window cleaning",
            user_id=shop.owner.id,
            client_id="out-1",
        )
    closed = close_till(shop, counted={shop.cash.id: "0.00"}, client_id="close-1")

    out, closure = new_entries(shop, before)
    assert (out.kind, out.subject_id) == ("cash.movement", movement.id)
    assert (out.payload["movement"], out.payload["cash"]) == ("CASH_OUT", "-20.00")
    assert "Dupont" not in out.raw and "note" not in out.payload
    assert (closure.kind, closure.subject_id) == ("register.closure", closed.id)
    (cash,) = closure.payload["counts"]
    assert cash["payment_type_id"] == str(shop.cash.id)
    assert (cash["expected"], cash["counted"], cash["difference"]) == ("-20.00", "0.00", "20.00")

    # Refused on a closed register: no entry.
    with shop.uow() as uow, pytest.raises(RegisterClosed):
        registers.record_cash_movement(
            uow,
            register_id=shop.register.id,
            kind="CASH_IN",
            amount=Decimal("1.00"),
            note=None,
            user_id=shop.owner.id,
            client_id="in-1",
        )
    assert count(shop) == before + 2


def test_a_replayed_cash_movement_writes_no_second_entry(shop: Store) -> None:
    def put_in(client_id: str) -> Any:
        def send() -> Any:
            with shop.uow() as uow:
                movement, _ = registers.record_cash_movement(
                    uow,
                    register_id=shop.register.id,
                    kind="CASH_IN",
                    amount=Decimal("5.00"),
                    note=None,
                    user_id=shop.owner.id,
                    client_id=client_id,
                )
                return movement.id

        return send

    before = count(shop)
    put_in("in-twice")()
    put_in("in-twice")()
    # Sent twice at once: one movement, one entry, and the other send answered with it.
    results = run_together(2, put_in("in-together"))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results[0] == results[1]
    assert [e.kind for e in new_entries(shop, before)] == ["cash.movement", "cash.movement"]


# Atomicity ---------------------------------------------------------------------------------


def test_a_refused_sale_leaves_no_entry(shop: Store, goods: tuple[Any, Any]) -> None:
    mug, _tea = goods
    close_till(shop)
    before = count(shop)
    with pytest.raises(RegisterClosed):
        make_sale(shop, [(mug, 1)], total="12.00")
    assert count(shop) == before


def test_a_sale_and_its_entry_commit_together_or_not_at_all(
    shop: Store, goods: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mug, _tea = goods
    before = count(shop)

    def killed(*_: object, **__: object) -> None:
        raise RuntimeError("killed after the sale and its entry were written")

    # The step after the entry fails: the transaction is rolled back, taking both.
    monkeypatch.setattr(recording, "enqueue", killed)
    sale_id = uuid.uuid4()
    with pytest.raises(RuntimeError, match="killed"):
        make_sale(shop, [(mug, 1)], total="12.00", sale_id=sale_id)
    assert count(shop) == before
    with shop.db.read_sessions() as session:
        assert session.get(Sale, sale_id) is None


def test_without_a_signing_key_the_sale_is_refused(
    shop: Store, goods: tuple[Any, Any], fiscal_key: SigningKey
) -> None:
    mug, _tea = goods
    before = count(shop)
    sale_id = uuid.uuid4()
    attach_signing_key(shop.db, None)
    try:
        with pytest.raises(FiscalSigningUnavailable):
            make_sale(shop, [(mug, 1)], total="12.00", sale_id=sale_id)
    finally:
        attach_signing_key(shop.db, fiscal_key)
    assert count(shop) == before
    with shop.db.read_sessions() as session:
        assert session.get(Sale, sale_id) is None


def test_the_sale_path_adds_only_the_journals_own_statements(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    make_sale(shop, [(mug, 1)], total="12.00")  # today's chain is open
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(shop.db.writer, "before_cursor_execute", seen)
    try:
        make_sale(shop, [(mug, 1)], total="12.00")
    finally:
        event.remove(shop.db.writer, "before_cursor_execute", seen)
    journal = re.compile(r"\bfiscal_(entry|chain|key)\b")  # not retailer.fiscal_year_...
    fiscal = [s.split()[0] for s in statements if journal.search(s)]
    assert sorted(fiscal) == ["INSERT", "UPDATE", "UPDATE"]
    # The outlet's time zone comes with the register the sale's lookup loaded.
    assert not [s for s in statements if "FROM outlet" in s]


def test_every_entry_verifies_with_the_recorded_public_key(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, tea = goods
    make_sale(shop, [(mug, 1), (tea, 2)], total="18.00")
    with shop.db.read_sessions() as session:
        keys = {k.key_id: k.public_key for k in session.scalars(select(FiscalKey))}
        chain = session.scalars(
            select(FiscalEntry)
            .where(FiscalEntry.chain == register_chain(shop.register.id))
            .order_by(FiscalEntry.sequence)
        ).all()
        assert [e.sequence for e in chain] == list(range(1, len(chain) + 1))
        for entry in chain:
            assert verify_signature(keys[entry.key_id], signed_message(entry), entry.signature)


# Personal data ------------------------------------------------------------------------------


def test_erasing_a_customer_leaves_the_journal_untouched_and_it_never_named_them(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    ada = make_customer(
        shop,
        first_name="Augusta",
        last_name="Byron-King",
        email="augusta.byron@example.com",
        phone="+33 6 12 34 56 78",
    )
    make_sale(shop, [(mug, 1)], total="12.00", customer_id=ada.id)
    wanted = dataclasses.replace(
        sale_input(shop, [(mug, 1)], payments=[]), status="ONACCOUNT", customer_id=ada.id
    )
    _record(shop, wanted)
    journal = entries(shop.db, shop.register)

    with shop.uow() as uow:
        erase_customer(uow, customer_id=ada.id, actor_id=shop.owner.id)

    assert entries(shop.db, shop.register) == journal
    text = "".join(e.raw for e in journal)
    assert str(ada.id) in text  # ids only
    for personal in ("Augusta", "Byron", "augusta.byron@example.com", "12 34 56 78"):
        assert personal not in text


# Receipts -----------------------------------------------------------------------------------


def test_the_receipt_page_shows_the_entry_and_a_reprint_is_a_numbered_duplicate(
    app_client: TestClient, shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    sale = make_sale(shop, [(mug, 1)], total="12.00")
    (entry,) = [e for e in entries(shop.db, shop.register) if e.subject_id == sale.id]
    sign_in(app_client)

    page = app_client.get(f"/sales/{sale.id}/receipt").text
    assert f"Journal no. {entry.sequence}" in page
    assert entry.signature[:8] in page
    assert f"Comptoir {__version__}" in page
    assert "DUPLICATA" not in page

    csrf = csrf_of(app_client.get(f"/sales/{sale.id}").text)
    for number in (1, 2):
        before = count(shop)
        reply = app_client.post(
            f"/sales/{sale.id}/reprint", data={"csrf": csrf}, follow_redirects=False
        )
        assert reply.status_code == 303
        assert reply.headers["location"] == f"/sales/{sale.id}/receipt?duplicate={number}"
        (reprint,) = new_entries(shop, before)
        assert (reprint.kind, reprint.subject_id) == ("receipt.reprint", sale.id)
        assert reprint.payload["duplicate"] == number
        assert reprint.payload["original_sequence"] == entry.sequence
    duplicate = app_client.get(f"/sales/{sale.id}/receipt?duplicate=2").text
    assert "DUPLICATA n°2" in duplicate
    assert f"Journal no. {reprint.sequence}" in duplicate and reprint.signature[:8] in duplicate
    # A duplicate the journal does not hold cannot be shown.
    assert app_client.get(f"/sales/{sale.id}/receipt?duplicate=3").status_code == 404


def test_a_reprint_on_the_register_printer_prints_the_duplicate_number(
    api: TestClient, shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    printer = FakePrinter()
    try:
        attach_printer(shop, port=printer.port)
        sale = make_sale(shop, [(mug, 1)], total="12.00")
        (entry,) = [e for e in entries(shop.db, shop.register) if e.subject_id == sale.id]
        deliver = dispatcher(shop.db)
        deliver()
        first = text_of(printer.jobs[-1])
        assert f"Journal no. {entry.sequence}" in first and entry.signature[:8] in first
        assert f"Comptoir {__version__}" in first and "DUPLICATA" not in first

        assert api.put(f"/api/2.0/sales/{sale.id}/actions/print_receipt").status_code == 202
        job = messages_of(shop.db, PRINT_RECEIPT_TOPIC)[-1]
        assert job.payload["duplicate"] == 1
        deliver()
        again = text_of(printer.jobs[-1])
        reprint = entries(shop.db, shop.register)[-1]
        assert reprint.kind == "receipt.reprint"
        assert "DUPLICATA n°1" in again
        assert f"Journal no. {reprint.sequence}" in again and reprint.signature[:8] in again
    finally:
        printer.stop()


# Registers never wait on one another ---------------------------------------------------------


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has one writer for the database")
def test_two_registers_sell_concurrently_without_waiting_on_one_journal_lock(
    shop: Store, goods: tuple[Any, Any]
) -> None:
    mug, _tea = goods
    second = make_register(shop, name="Till 2", prefix="T2-")
    make_sale(shop, [(mug, 1)], total="12.00")
    # Register 1's chain is held by an open transaction...
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with shop.uow() as uow:
            append_entry(
                uow.session,
                chain=register_chain(shop.register.id),
                kind="sale",
                payload={"schema": 1},
                register_id=shop.register.id,
            )
            held.set()
            release.wait(30)
            uow.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        # ...while register 2 sells: it does not wait for register 1.
        seller = threading.Thread(
            target=lambda: _record(
                shop,
                dataclasses.replace(
                    sale_input(shop, [(mug, 1)], total="12.00"), register_id=second.id
                ),
            )
        )
        seller.start()
        seller.join(10)
        assert not seller.is_alive(), "register 2 waited on register 1's journal"
    finally:
        release.set()
        holder.join(30)

    def sell_at(register: Register) -> Any:
        return lambda: _record(
            shop,
            dataclasses.replace(
                sale_input(shop, [(mug, 1)], total="12.00"), register_id=register.id
            ),
        )

    tills = itertools.cycle([shop.register, second])
    pick = threading.Lock()

    def sell() -> Any:
        with pick:
            till = next(tills)
        return _record(
            shop,
            dataclasses.replace(sale_input(shop, [(mug, 1)], total="12.00"), register_id=till.id),
        )

    results = run_together(8, sell)
    assert not [r for r in results if isinstance(r, BaseException)]
    for till in (shop.register, second):
        chain = entries(shop.db, till)
        assert [e.sequence for e in chain] == list(range(1, len(chain) + 1))
        assert [e.kind for e in chain].count("sale") >= 4
