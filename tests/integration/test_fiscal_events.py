"""The technical events journal (JET): starts and stops, settings and tax changes, clock
jumps and failures to sign are signed entries of the events chain, holding ids, not names."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.fiscal import events
from comptoir.fiscal.journal import append_entry, attach_signing_key
from comptoir.fiscal.keys import SigningKey
from comptoir.fiscal.models import EVENTS_CHAIN, FiscalEntry
from comptoir.fiscal.verify_database import verify_database
from comptoir.setup import ensure_retailer
from comptoir.store import service as store
from comptoir.store.till import TillSettings, update_till_settings


def _events(db: Database) -> list[tuple[str, dict[str, object]]]:
    with db.read_sessions() as session:
        return [
            (entry.kind, json.loads(entry.payload))
            for entry in session.scalars(
                select(FiscalEntry)
                .where(FiscalEntry.chain == EVENTS_CHAIN)
                .order_by(FiscalEntry.sequence)
            )
        ]


def _intact(db: Database) -> bool:
    with db.reader.connect() as connection:
        report = verify_database(connection)
    assert report.problem is None, report.problem
    return True


def test_start_and_stop_are_recorded(db: Database, tmp_path: Path) -> None:
    events.server_started(db, tmp_path)
    events.server_stopped(db)
    kinds = [kind for kind, _ in _events(db)]
    assert kinds == ["event.start", "event.stop"]
    assert _intact(db)


def test_a_start_without_a_key_is_recorded_once_a_key_is_back(
    db: Database, fiscal_key: SigningKey, tmp_path: Path
) -> None:
    attach_signing_key(db, None)
    try:
        events.server_started(db, tmp_path)
    finally:
        attach_signing_key(db, fiscal_key)
    assert _events(db) == []
    events.server_started(db, tmp_path)
    recorded = _events(db)
    assert [kind for kind, _ in recorded] == ["event.sign_failure", "event.start"]
    assert recorded[0][1]["what"] == "start_without_key"
    assert not (tmp_path / events.UNSIGNED_FILE).exists()


def test_a_clock_set_back_is_recorded_at_start_and_explains_the_step_back(
    db: Database, tmp_path: Path
) -> None:
    with db.unit_of_work() as uow:
        append_entry(
            uow.session,
            chain=EVENTS_CHAIN,
            kind="event.stop",
            payload={"schema": 1},
            recorded_at=utcnow() + timedelta(hours=1),
        )
        uow.commit()
    events.server_started(db, tmp_path)
    kinds = [kind for kind, _ in _events(db)]
    assert kinds == ["event.stop", "event.clock_jump", "event.start"]
    assert _intact(db)


def test_settings_and_tax_changes_are_recorded_without_names(db: Database) -> None:
    with db.unit_of_work() as uow:
        ensure_retailer(uow, name="Chez Marianne")
    with db.unit_of_work() as uow:
        tax = store.create_tax(
            uow, name="TVA 20 %", rates=[store.RateFields(name="TVA", rate=Decimal("0.2"))]
        )
    with db.unit_of_work() as uow:
        update_till_settings(
            uow,
            settings=TillSettings(
                cashier_discount_limit=Decimal("15"),
                cash_rounding_increment=Decimal("0.05"),
                max_line_quantity=50,
                offline_sale_max_age_hours=24,
                quote_validity_days=30,
                layby_cancel_refund="store_credit",
            ),
        )
    recorded = _events(db)
    taxes = [payload for kind, payload in recorded if kind == "event.tax"]
    assert taxes and taxes[-1]["tax_id"] == str(tax.id)
    assert Decimal(taxes[-1]["rates"][0]["rate"]) == Decimal("0.2")  # type: ignore[index]
    settings = [payload for kind, payload in recorded if kind == "event.settings"]
    assert settings[-1]["object"] == "retailer"
    assert settings[-1]["changes"]["cashier_discount_limit"] in ("15", "15.00", "15.00000")  # type: ignore[index]
    text = json.dumps(recorded)
    assert "Marianne" not in text and "TVA" not in text
    assert _intact(db)


def test_france_is_a_fiscal_backend(db: Database) -> None:
    from comptoir.fiscal.backend import FiscalBackend
    from comptoir.fiscal.france import FRANCE

    backend: FiscalBackend = FRANCE
    with db.unit_of_work() as uow:
        backend.record_event(uow.session, kind="event.start", payload={"version": "x"})
        uow.commit()
    with db.reader.connect() as connection:
        assert backend.verify(connection, pinned=None).intact
