"""The fiscal journal: gapless signed chains per register, insert-only tables, and no entry
(so no sale) without a signing key."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from comptoir.core.db import Database
from comptoir.fiscal.errors import FiscalSigningUnavailable
from comptoir.fiscal.journal import append_entry, attach_signing_key, signed_message
from comptoir.fiscal.keys import SigningKey, verify_signature
from comptoir.fiscal.models import FiscalChain, FiscalEntry, FiscalKey, register_chain
from tests.conftest import BACKEND


def _append(db: Database, chain: str, amount: str) -> None:
    with db.unit_of_work() as uow:
        append_entry(uow.session, chain=chain, kind="sale", payload={"total": amount})
        uow.commit()


def _entries(db: Database, chain: str) -> list[FiscalEntry]:
    with db.read_sessions() as session:
        return list(
            session.scalars(
                select(FiscalEntry).where(FiscalEntry.chain == chain).order_by(FiscalEntry.sequence)
            )
        )


def test_each_register_has_its_own_gapless_chain_of_signed_entries(db: Database) -> None:
    till_a, till_b = register_chain(uuid.uuid4()), register_chain(uuid.uuid4())
    for amount in ("1.00", "2.00", "3.00"):
        _append(db, till_a, amount)
    _append(db, till_b, "9.00")

    chain_a = _entries(db, till_a)
    assert [entry.sequence for entry in chain_a] == [1, 2, 3]
    assert [entry.payload for entry in chain_a] == [
        '{"total":"1.00"}',
        '{"total":"2.00"}',
        '{"total":"3.00"}',
    ]
    assert chain_a[0].previous_signature is None
    assert [entry.previous_signature for entry in chain_a[1:]] == [
        entry.signature for entry in chain_a[:-1]
    ]
    assert [entry.sequence for entry in _entries(db, till_b)] == [1]

    with db.read_sessions() as session:
        public = {key.key_id: key.public_key for key in session.scalars(select(FiscalKey))}
    for entry in chain_a:
        assert verify_signature(public[entry.key_id], signed_message(entry), entry.signature)


def test_an_altered_entry_no_longer_verifies(db: Database) -> None:
    chain = register_chain(uuid.uuid4())
    _append(db, chain, "8.90")
    entry = _entries(db, chain)[0]
    with db.read_sessions() as session:
        public = session.scalars(select(FiscalKey.public_key)).one()
    entry.payload = '{"total":"0.89"}'
    assert not verify_signature(public, signed_message(entry), entry.signature)


@pytest.mark.parametrize(
    "change",
    [
        update(FiscalEntry).values(payload='{"total":"0.01"}'),
        delete(FiscalEntry),
        update(FiscalKey).values(public_key="forged"),
        delete(FiscalKey),
    ],
    ids=["update entry", "delete entry", "update key", "delete key"],
)
def test_the_database_refuses_to_change_or_delete_journal_rows(
    db: Database, change: object
) -> None:
    chain = register_chain(uuid.uuid4())
    _append(db, chain, "8.90")
    with pytest.raises(DBAPIError, match="append-only"), db.unit_of_work() as uow:
        uow.session.execute(change)  # type: ignore[call-overload]
        uow.commit()
    assert [entry.payload for entry in _entries(db, chain)] == ['{"total":"8.90"}']


@pytest.mark.skipif(BACKEND != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_refuses_to_truncate_the_journal(db: Database) -> None:
    _append(db, register_chain(uuid.uuid4()), "8.90")
    with pytest.raises(DBAPIError, match="append-only"), db.unit_of_work() as uow:
        uow.session.execute(text("TRUNCATE fiscal_entry"))
        uow.commit()


def test_without_a_signing_key_nothing_is_recorded(db: Database, fiscal_key: SigningKey) -> None:
    chain = register_chain(uuid.uuid4())
    attach_signing_key(db, None)
    try:
        with pytest.raises(FiscalSigningUnavailable), db.unit_of_work() as uow:
            append_entry(uow.session, chain=chain, kind="sale", payload={"total": "1.00"})
            uow.commit()
    finally:
        attach_signing_key(db, fiscal_key)
    assert _entries(db, chain) == []


def test_concurrent_appends_to_one_chain_stay_gapless(db: Database) -> None:
    chain = register_chain(uuid.uuid4())
    _append(db, chain, "0.00")  # the chain's head exists; the race is on its sequence
    errors: list[BaseException] = []

    def sell(index: int) -> None:
        try:
            for _ in range(5):
                _append(db, chain, f"{index}.00")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sell, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = _entries(db, chain)
    assert [entry.sequence for entry in entries] == list(range(1, 22))
    assert [entry.previous_signature for entry in entries[1:]] == [
        entry.signature for entry in entries[:-1]
    ]


def test_a_register_chain_follows_its_business_day(db: Database) -> None:
    chain = register_chain(uuid.uuid4())
    for day in (date(2026, 12, 4), date(2026, 12, 4), date(2026, 12, 5)):
        with db.unit_of_work() as uow:
            append_entry(
                uow.session,
                chain=chain,
                kind="sale",
                payload={"total": "1.00"},
                business_day=day,
                time_zone="Europe/Paris",
            )
            uow.commit()
    with db.read_sessions() as session:
        head = session.get_one(FiscalChain, chain)
    assert (head.last_sequence, head.open_day, head.time_zone) == (4, "2026-12-05", "Europe/Paris")
    # The 4th's closing comes before the 5th's first entry (fiscal/closings.py).
    assert [(entry.sequence, entry.kind) for entry in _entries(db, chain)] == [
        (1, "sale"),
        (2, "sale"),
        (3, "closing.daily"),
        (4, "sale"),
    ]
