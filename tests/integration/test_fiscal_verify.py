"""`comptoir fiscal verify`: an intact journal verifies; every kind of tampering by someone
who owns the database (the triggers suspended) but not the key is found, and the first
broken entry is named."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.fiscal import verify as fiscal_verify
from comptoir.fiscal.canonical import canonical_json
from comptoir.fiscal.events import record_event
from comptoir.fiscal.journal import append_entry, attach_signing_key, signed_message
from comptoir.fiscal.keys import SigningKey, create_signing_key
from comptoir.fiscal.models import (
    EVENTS_CHAIN,
    FiscalChain,
    FiscalEntry,
    FiscalKey,
    register_chain,
)
from comptoir.fiscal.totals import PeriodTotals, Totals, money_text
from comptoir.fiscal.triggers import suspended_triggers
from comptoir.fiscal.verify_archive import verify_archive
from comptoir.fiscal.verify_database import verify_database

CASH = "00000000-0000-4000-8000-00000000ca54"


def _sale(incl: str, rate: str = "20.00") -> dict[str, Any]:
    total = Decimal(incl)
    excl = (total / (1 + Decimal(rate) / 100)).quantize(Decimal("0.01"))
    tax = total - excl
    row = {"rate": rate, "incl": incl, "excl": money_text(excl), "tax": money_text(tax)}
    return {
        "schema": 1,
        "totals": {"incl": incl, "excl": row["excl"], "tax": row["tax"], "by_rate": [row]},
        "payments": [{"payment_type_id": CASH, "kind": "CASH", "amount": incl}],
        "ticket": True,
    }


def _closing(
    level: str, period: str, sums: PeriodTotals, perpetual: Totals, absolute: Decimal
) -> dict[str, Any]:
    return {
        "schema": 1,
        "level": level,
        "period": period,
        "totals": sums.totals.to_payload(),
        "payments": sums.payments.to_payload(),
        "tickets": sums.tickets,
        "perpetual": perpetual.to_payload(),
        "perpetual_absolute": {"incl": money_text(absolute)},
    }


class Till:
    """A register chain written as the journal would: sales, then the closings."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.register_id = uuid.uuid4()
        self.chain = register_chain(self.register_id)
        self.day = PeriodTotals()
        self.month = PeriodTotals()
        self.perpetual = Totals()
        self.absolute = Decimal(0)

    def append(self, kind: str, payload: dict[str, Any], period: str | None = None) -> None:
        with self.db.unit_of_work() as uow:
            append_entry(
                uow.session,
                chain=self.chain,
                kind=kind,
                payload=payload,
                register_id=self.register_id,
                period=period,
            )
            uow.commit()

    def sell(self, *amounts: str) -> None:
        for incl in amounts:
            payload = _sale(incl)
            self.append("sale" if not incl.startswith("-") else "return", payload)
            self.day.add_entry(payload)

    def close_day(self, day: str) -> dict[str, Any]:
        self.perpetual.add(self.day.totals)
        self.absolute += self.day.absolute_incl
        payload = _closing("daily", day, self.day, self.perpetual, self.absolute)
        self.append("closing.daily", payload, period=day)
        self.month.add_closing(payload)
        self.month.absolute_incl += self.day.absolute_incl
        self.day = PeriodTotals()
        return payload

    def close_month(self, month: str) -> None:
        payload = _closing("monthly", month, self.month, self.perpetual, self.absolute)
        self.append("closing.monthly", payload, period=month)
        self.month = PeriodTotals()


def _journal(db: Database) -> Till:
    """An events chain and a till with two days, a month closing and a third day open."""
    with db.unit_of_work() as uow:
        record_event(uow.session, kind="event.start", payload={"version": "test"})
        uow.commit()
    till = Till(db)
    till.sell("8.90", "12.00", "-3.00")
    till.close_day("2026-11-29")
    till.sell("5.50", "20.00")
    till.close_day("2026-11-30")
    till.close_month("2026-11")
    till.sell("1.00", "2.00", "3.00")
    return till


def _verify(db: Database, **options: Any) -> fiscal_verify.Report:
    with db.reader.connect() as connection:
        return verify_database(connection, **options)


def _entries(db: Database, chain: str) -> list[FiscalEntry]:
    with db.read_sessions() as session:
        return list(
            session.scalars(
                select(FiscalEntry).where(FiscalEntry.chain == chain).order_by(FiscalEntry.sequence)
            )
        )


class _Attacker:
    """A session with the insert-only triggers lifted, as a database owner could; opened on
    first use (after the journal is written), closed by `commit`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session: Session | None = None
        self.lifted: Any = None

    def __getattr__(self, name: str) -> Any:
        if self.session is None:
            self.session = self.db.write_sessions()
            self.session.begin()
            self.lifted = suspended_triggers(self.session.connection())
            self.lifted.__enter__()
        return getattr(self.session, name)

    def commit(self) -> None:
        assert self.session is not None
        self.lifted.__exit__(None, None, None)
        self.session.commit()
        self.session.close()
        self.session = None


@pytest.fixture
def attacker(db: Database) -> Iterator[Session]:
    attack = _Attacker(db)
    yield attack  # type: ignore[misc]
    if attack.session is not None:
        attack.session.close()


def _where(chain: str, sequence: int) -> Any:
    return (FiscalEntry.chain == chain) & (FiscalEntry.sequence == sequence)


def _resign(entry: FiscalEntry, key: SigningKey) -> None:
    entry.key_id = key.key_id
    entry.signature = key.sign(signed_message(entry))


def test_an_intact_journal_verifies(db: Database) -> None:
    till = _journal(db)
    report = _verify(db)
    assert report.intact, report.problem
    assert (report.entries, report.chains) == (1 + 11, 2)
    assert len(_entries(db, till.chain)) == 11


def test_the_fast_message_is_the_signed_message(db: Database) -> None:
    till = _journal(db)
    for entry in _entries(db, till.chain) + _entries(db, EVENTS_CHAIN):
        row = tuple(getattr(entry, name) for name in fiscal_verify.COLUMNS)
        assert fiscal_verify.message_of(row) == signed_message(entry)


def test_segments_checked_by_processes_agree(db: Database, database_url: str) -> None:
    till = _journal(db)
    assert _verify(db, url=database_url, workers=2, segment=3).intact
    attacker = _Attacker(db)
    attacker.execute(
        update(FiscalEntry).where(_where(till.chain, 8)).values(payload='{"schema":1}')
    )
    attacker.commit()
    report = _verify(db, url=database_url, workers=2, segment=3)
    assert report.problem == fiscal_verify.Problem(
        till.chain, 8, "the signature does not match the entry"
    )


def test_an_altered_amount_is_found(db: Database, attacker: Session) -> None:
    till = _journal(db)
    entry = _entries(db, till.chain)[1]
    attacker.execute(
        update(FiscalEntry)
        .where(_where(till.chain, 2))
        .values(payload=entry.payload.replace("12.00", "1.20"))
    )
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None
    assert (problem.chain, problem.sequence) == (till.chain, 2)
    assert "signature" in problem.what


def test_an_altered_date_is_found(db: Database, attacker: Session) -> None:
    till = _journal(db)
    attacker.execute(
        update(FiscalEntry)
        .where(_where(till.chain, 5))
        .values(recorded_at=utcnow() - timedelta(days=3))
    )
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 5)


def test_a_deleted_entry_is_found(db: Database, attacker: Session) -> None:
    till = _journal(db)
    attacker.execute(delete(FiscalEntry).where(_where(till.chain, 6)))
    attacker.commit()
    assert _verify(db).problem == fiscal_verify.Problem(till.chain, 6, "entry missing")


def test_a_deleted_last_entry_is_found_by_the_chain_head(db: Database, attacker: Session) -> None:
    till = _journal(db)
    attacker.execute(delete(FiscalEntry).where(_where(till.chain, 11)))
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 11)


def test_two_swapped_entries_are_found(db: Database, attacker: Session) -> None:
    till = _journal(db)
    attacker.execute(update(FiscalEntry).where(_where(till.chain, 2)).values(sequence=-2))
    attacker.execute(update(FiscalEntry).where(_where(till.chain, 3)).values(sequence=2))
    attacker.execute(update(FiscalEntry).where(_where(till.chain, -2)).values(sequence=3))
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 2)


def test_an_inserted_entry_is_found(db: Database, attacker: Session, tmp_path: Path) -> None:
    till = _journal(db)
    forger = create_signing_key(tmp_path / "forger")
    for sequence in range(11, 3, -1):
        attacker.execute(
            update(FiscalEntry).where(_where(till.chain, sequence)).values(sequence=sequence + 1)
        )
    # (read by the attacker's session: lifting the triggers locks the table on PostgreSQL)
    before = attacker.scalars(select(FiscalEntry).where(_where(till.chain, 3))).one()
    forged = FiscalEntry(
        id=uuid.uuid4(),
        chain=till.chain,
        sequence=4,
        kind="sale",
        recorded_at=before.recorded_at,
        register_id=till.register_id,
        payload=canonical_json(_sale("100.00")),
        previous_signature=before.signature,
        key_id=forger.key_id,
        algorithm=forger.algorithm,
        signature="",
    )
    forged.signature = forger.sign(signed_message(forged))
    attacker.add(forged)
    attacker.execute(
        update(FiscalChain).where(FiscalChain.id == till.chain).values(last_sequence=12)
    )
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 4)


def _rebuild(
    attacker: Session, chains: list[str], forger: SigningKey, *, replace_keys: bool
) -> None:
    """Re-sign whole chains with the attacker's key (the entries made to look untouched)."""
    for chain in chains:
        previous = None
        entries = list(
            attacker.scalars(
                select(FiscalEntry).where(FiscalEntry.chain == chain).order_by(FiscalEntry.sequence)
            )
        )
        for entry in entries:
            entry.previous_signature = previous
            if entry.sequence == 2 and chain.startswith("register:"):
                entry.payload = canonical_json(_sale("1.20"))
            _resign(entry, forger)
            previous = entry.signature
        attacker.flush()
        attacker.execute(
            update(FiscalChain).where(FiscalChain.id == chain).values(last_signature=previous)
        )
    if replace_keys:
        attacker.execute(delete(FiscalKey))
    attacker.execute(
        insert(FiscalKey).values(
            key_id=forger.key_id,
            algorithm=forger.algorithm,
            public_key=forger.public_pem(),
            created_at=utcnow() - timedelta(days=400),
        )
    )


def test_a_chain_rebuilt_with_another_key_is_found_by_the_auditors_public_key(
    db: Database, attacker: Session, fiscal_key: SigningKey, tmp_path: Path
) -> None:
    till = _journal(db)
    forger = create_signing_key(tmp_path / "forger")
    _rebuild(attacker, [EVENTS_CHAIN, till.chain], forger, replace_keys=True)
    attacker.commit()
    pinned = fiscal_verify.read_public_keys(fiscal_key.public_pem())
    problem = _verify(db, pinned=pinned).problem
    assert problem is not None
    assert (problem.chain, problem.sequence) == (EVENTS_CHAIN, 1)
    assert "not a trusted key" in problem.what


def test_a_key_no_rotation_introduced_is_refused(
    db: Database, attacker: Session, tmp_path: Path
) -> None:
    till = _journal(db)
    forger = create_signing_key(tmp_path / "forger")
    _rebuild(attacker, [till.chain], forger, replace_keys=False)
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None
    assert (problem.chain, problem.sequence) == (till.chain, 1)
    assert f"key {forger.key_id}" in problem.what


def test_a_rotated_key_is_trusted_through_its_rotation_entry(
    db: Database, fiscal_key: SigningKey, tmp_path: Path
) -> None:
    from comptoir.fiscal.rotation import rotate_key

    till = _journal(db)
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    # The session key, as the key directory's current key.
    (key_dir / f"{fiscal_key.key_id}.pem").write_bytes(
        fiscal_key.private_key.private_bytes(
            *_pkcs8(),
        )
    )
    (key_dir / "current").write_text(fiscal_key.key_id)
    try:
        old, new = rotate_key(db, key_dir)
        till.sell("4.00")
        till.close_day("2026-12-01")
    finally:
        attach_signing_key(db, fiscal_key)
    assert old.key_id == fiscal_key.key_id != new.key_id
    assert _entries(db, till.chain)[-1].key_id == new.key_id
    rotation = _entries(db, EVENTS_CHAIN)[-1]
    assert (rotation.kind, rotation.key_id) == ("event.key_rotation", old.key_id)
    assert _verify(db).intact
    pinned = fiscal_verify.read_public_keys(old.public_pem())
    # Pinning the first key is enough: the rotation entry it signed vouches for the next.
    problem = _verify(db, pinned=pinned).problem
    assert problem is not None and "not a trusted key" in problem.what
    both = fiscal_verify.read_public_keys(old.public_pem() + new.public_pem())
    assert _verify(db, pinned=both).intact


def _pkcs8() -> tuple[Any, Any, Any]:
    from cryptography.hazmat.primitives import serialization

    return (
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_an_altered_closing_total_is_found(db: Database, attacker: Session) -> None:
    till = _journal(db)
    closing = _entries(db, till.chain)[3]
    assert closing.kind == "closing.daily"
    attacker.execute(
        update(FiscalEntry)
        .where(_where(till.chain, 4))
        .values(payload=closing.payload.replace('"tickets":3', '"tickets":2'))
    )
    attacker.commit()
    problem = _verify(db).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 4)


def test_a_signed_closing_that_disagrees_with_its_entries_is_found(db: Database) -> None:
    till = _journal(db)
    till.day.totals.incl += Decimal("1.00")  # a closing summed wrong, yet signed
    till.close_day("2026-12-01")
    problem = _verify(db).problem
    assert problem == fiscal_verify.Problem(
        till.chain, 12, "the daily closing's totals differ from its day's entries"
    )


def test_a_monthly_closing_must_sum_its_dailies(db: Database) -> None:
    till = _journal(db)
    till.close_day("2026-12-01")
    till.month.tickets += 1
    till.close_month("2026-12")
    problem = _verify(db).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 13)
    assert "monthly closing's tickets" in problem.what


def test_wrong_perpetual_totals_are_found(db: Database) -> None:
    till = _journal(db)
    till.perpetual.incl += Decimal("50.00")
    till.close_day("2026-12-01")
    problem = _verify(db).problem
    assert problem is not None and "perpetual" in problem.what


def test_time_going_back_without_a_clock_jump_is_found(db: Database) -> None:
    till = _journal(db)
    with db.unit_of_work() as uow:
        append_entry(
            uow.session,
            chain=till.chain,
            kind="sale",
            payload=_sale("1.00"),
            recorded_at=utcnow() - timedelta(hours=2),
        )
        uow.commit()
    problem = _verify(db).problem
    assert problem == fiscal_verify.Problem(till.chain, 12, "recorded before the previous entry")


def test_an_archive_of_rows_verifies_from_the_middle_of_a_chain(db: Database) -> None:
    till = _journal(db)
    with db.read_sessions() as session:
        keys = {key.key_id: key.public_key for key in session.scalars(select(FiscalKey))}
    rows = [
        {name: getattr(entry, name) for name in fiscal_verify.COLUMNS}
        for entry in _entries(db, till.chain)[4:]  # from day 2 on, as a month's archive
    ]
    for row in rows:  # as an archive's JSON gives them
        row["recorded_at"] = row["recorded_at"].isoformat()
        row["register_id"] = str(row["register_id"])

    @dataclass
    class Archive:
        entries: Iterator[dict[str, Any]]
        keys: dict[str, str]

    assert verify_archive(Archive(iter(rows), keys)).intact
    rows[2]["payload"] = rows[2]["payload"].replace("20.00", "2.00")
    problem = verify_archive(Archive(iter(rows), keys)).problem
    assert problem is not None and (problem.chain, problem.sequence) == (till.chain, 7)
