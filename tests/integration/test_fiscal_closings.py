"""Closings: a register's day, month and fiscal year close on its first entry of a later
one (or by `comptoir fiscal close` when it stays idle), each with its period's totals and
the perpetual totals that carry over from closing to closing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from comptoir.core.db import Database
from comptoir.fiscal import closings
from comptoir.fiscal.journal import signed_message
from comptoir.fiscal.keys import verify_signature
from comptoir.fiscal.models import FiscalChain, FiscalKey
from comptoir.store.models import Retailer
from tests.conftest import BACKEND
from tests.factories import make_store
from tests.integration.fiscal_support import CARD_TYPE, CASH_TYPE, Till, money_payload

DAY = date(2026, 12, 4)


def test_a_daily_closing_totals_the_days_entries(db: Database) -> None:
    till = Till(db)
    till.append(DAY, "register.open", {"schema": 1, "float": "100.00"})
    till.sale(DAY, ("8.90", "20.00"), ("2.20", "5.50"))
    till.sale(DAY, ("12.00", "20.00"), payment=CARD_TYPE)
    till.append(DAY, "return", money_payload([("-8.90", "20.00")]))
    till.append(DAY, "cash.movement", {"schema": 1, "cash": "-20.00", "movement": "CASH_OUT"})
    till.append(DAY, "receipt.reprint", {"schema": 1, "sale_id": "x", "duplicate": 1})

    till.sale(DAY + timedelta(days=1), ("1.00", "20.00"))

    kinds = [(entry.sequence, entry.kind) for entry in till.entries()]
    assert kinds[-2:] == [(7, "closing.daily"), (8, "sale")]
    (daily,) = till.closings("daily")
    assert daily["period"] == "2026-12-04"
    assert (daily["first_sequence"], daily["last_sequence"]) == (1, 6)
    assert daily["level"] == "daily"
    assert daily["register_id"] == str(till.register_id)
    assert daily["time_zone"] == "Europe/Paris"
    assert daily["totals"] == {
        "incl": "14.20",
        "excl": "12.09",
        "tax": "2.11",
        "by_rate": [
            {"rate": "20.00", "incl": "12.00", "excl": "10.00", "tax": "2.00"},
            {"rate": "5.50", "incl": "2.20", "excl": "2.09", "tax": "0.11"},
        ],
    }
    assert daily["payments"] == [
        {"payment_type_id": CASH_TYPE, "kind": "CASH", "amount": "2.20"},
        {"payment_type_id": CARD_TYPE, "kind": "CARD_EXTERNAL", "amount": "12.00"},
    ]
    assert daily["tickets"] == 3
    assert daily["perpetual"] == daily["totals"]
    assert daily["perpetual_absolute"] == {"incl": "32.00"}  # 11.10 + 12.00 + |-8.90|
    closing = till.entries("closing.daily")[0]
    assert closing.period == "2026-12-04"
    assert closing.previous_signature == till.entries()[5].signature
    with db.read_sessions() as session:
        public = session.get_one(FiscalKey, closing.key_id).public_key
    assert verify_signature(public, signed_message(closing), closing.signature)


def test_perpetual_totals_carry_over_days_months_and_years(db: Database) -> None:
    till = Till(db)
    till.sale(date(2026, 11, 30), ("10.00", "20.00"))
    till.sale(date(2026, 12, 1), ("20.00", "20.00"))
    till.sale(date(2026, 12, 1), ("-5.00", "20.00"))
    till.sale(date(2026, 12, 31), ("30.00", "5.50"))
    till.sale(date(2027, 1, 2), ("40.00", "20.00"))
    till.sale(date(2027, 1, 3), ("1.00", "20.00"))

    daily = till.closings("daily")
    assert [c["period"] for c in daily] == ["2026-11-30", "2026-12-01", "2026-12-31", "2027-01-02"]
    assert [c["totals"]["incl"] for c in daily] == ["10.00", "15.00", "30.00", "40.00"]
    assert [c["perpetual"]["incl"] for c in daily] == ["10.00", "25.00", "55.00", "95.00"]
    assert [c["perpetual_absolute"]["incl"] for c in daily] == [
        "10.00",
        "35.00",
        "65.00",
        "105.00",
    ]
    monthly = till.closings("monthly")
    assert [c["period"] for c in monthly] == ["2026-11", "2026-12"]
    assert [c["totals"]["incl"] for c in monthly] == ["10.00", "45.00"]
    assert [c["tickets"] for c in monthly] == [1, 3]
    assert [c["perpetual"]["incl"] for c in monthly] == ["10.00", "55.00"]
    assert [c["perpetual_absolute"]["incl"] for c in monthly] == ["10.00", "65.00"]
    assert monthly[1]["perpetual"] == daily[2]["perpetual"]
    (annual,) = till.closings("annual")
    assert annual["period"] == "2026"
    assert annual["totals"] == annual["perpetual"] == monthly[1]["perpetual"]
    assert annual["perpetual_absolute"] == {"incl": "65.00"}

    # What each roll-up covers: the closings of the level below since its own previous one.
    sequence_of = {
        (entry.kind, entry.period): entry.sequence for entry in till.entries() if entry.period
    }
    assert (monthly[1]["first_sequence"], monthly[1]["last_sequence"]) == (
        sequence_of[("closing.daily", "2026-12-01")],
        sequence_of[("closing.daily", "2026-12-31")],
    )
    assert (annual["first_sequence"], annual["last_sequence"]) == (
        sequence_of[("closing.monthly", "2026-11")],
        sequence_of[("closing.monthly", "2026-12")],
    )
    kinds = [entry.kind for entry in till.entries()]
    year_end = kinds.index("closing.annual")
    assert kinds[year_end - 3 : year_end + 2] == [
        "sale",
        "closing.daily",
        "closing.monthly",
        "closing.annual",
        "sale",
    ]


def test_the_fiscal_year_starts_in_the_month_the_store_chooses(db: Database) -> None:
    make_store(db)
    with db.unit_of_work() as uow:
        uow.session.execute(update(Retailer).values(fiscal_year_start_month=7))
        uow.commit()
    till = Till(db)
    till.sale(date(2026, 6, 30), ("10.00", "20.00"))
    till.sale(date(2026, 12, 31), ("20.00", "20.00"))
    till.sale(date(2027, 1, 1), ("30.00", "20.00"))  # not a new fiscal year
    till.sale(date(2027, 7, 1), ("40.00", "20.00"))

    annual = till.closings("annual")
    assert [c["period"] for c in annual] == ["2025-2026", "2026-2027"]
    assert [c["totals"]["incl"] for c in annual] == ["10.00", "50.00"]
    assert [c["perpetual"]["incl"] for c in annual] == ["10.00", "60.00"]


def test_each_register_closes_its_own_days(db: Database) -> None:
    first, second = Till(db), Till(db)
    first.sale(DAY, ("5.00", "20.00"))
    second.sale(DAY, ("7.00", "20.00"))
    first.sale(DAY + timedelta(days=1), ("1.00", "20.00"))

    assert [c["totals"]["incl"] for c in first.closings("daily")] == ["5.00"]
    assert second.closings("daily") == []


def test_an_idle_register_is_closed_once_in_its_own_time_zone(db: Database) -> None:
    paris, auckland = Till(db), Till(db, time_zone="Pacific/Auckland")
    paris.sale(DAY, ("5.00", "20.00"))
    auckland.sale(DAY, ("7.00", "20.00"))
    # 4 December, 12:00 UTC: still the 4th in Paris, already the 5th in Auckland.
    noon = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    with db.read_sessions() as session:
        today = closings.today_by_zone(closings.chain_zones(session), noon)
    assert today == {"Europe/Paris": DAY, "Pacific/Auckland": DAY + timedelta(days=1)}

    with db.unit_of_work() as uow:
        closed = closings.close_due_days(uow.session, today_by_zone=today)
        uow.commit()
    assert [entry.chain for entry in closed] == [auckland.chain]
    assert paris.closings("daily") == []
    assert [c["totals"]["incl"] for c in auckland.closings("daily")] == ["7.00"]

    # The register's next sale, days later, does not close that day a second time, and a
    # day without entries has no closing.
    auckland.sale(DAY + timedelta(days=3), ("2.00", "20.00"))
    auckland.sale(DAY + timedelta(days=4), ("3.00", "20.00"))
    assert [c["period"] for c in auckland.closings("daily")] == ["2026-12-04", "2026-12-07"]
    assert [c["perpetual"]["incl"] for c in auckland.closings("daily")] == ["7.00", "9.00"]


def test_half_past_eleven_utc_is_already_the_next_day_in_paris(db: Database) -> None:
    paris = Till(db)
    paris.sale(DAY, ("5.00", "20.00"))
    late = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    today = closings.today_by_zone(["Europe/Paris"], late)
    assert today == {"Europe/Paris": DAY + timedelta(days=1)}
    with db.unit_of_work() as uow:
        closings.close_due_days(uow.session, today_by_zone=today)
        uow.commit()
    assert [c["period"] for c in paris.closings("daily")] == ["2026-12-04"]
    with db.read_sessions() as session:
        assert session.get_one(FiscalChain, paris.chain).open_day == "2026-12-05"


def test_closing_an_idle_register_across_a_month_end_rolls_the_month_once(db: Database) -> None:
    till = Till(db)
    till.sale(date(2026, 11, 30), ("5.00", "20.00"))
    with db.unit_of_work() as uow:
        closings.close_due_days(uow.session, today_by_zone={"Europe/Paris": date(2026, 12, 1)})
        uow.commit()
    till.sale(date(2026, 12, 3), ("6.00", "20.00"))
    till.sale(date(2027, 1, 4), ("7.00", "20.00"))

    assert [c["period"] for c in till.closings("daily")] == ["2026-11-30", "2026-12-03"]
    assert [c["period"] for c in till.closings("monthly")] == ["2026-11", "2026-12"]
    assert [c["perpetual"]["incl"] for c in till.closings("monthly")] == ["5.00", "11.00"]


def test_the_command_closes_idle_registers(
    db: Database, monkeypatch: Any, tmp_path: Any, fiscal_key: Any
) -> None:
    from comptoir.cli import app
    from comptoir.core.settings import get_settings
    from comptoir.fiscal.keys import create_signing_key

    till = Till(db)
    till.sale(date(2026, 1, 5), ("5.00", "20.00"))
    key_dir = tmp_path / "keys"
    create_signing_key(key_dir)
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", db.url)
    monkeypatch.setenv("COMPTOIR_FISCAL_KEY_DIR", str(key_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["fiscal", "close"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "1 register day(s) closed" in result.output
    assert [c["period"] for c in till.closings("daily")] == ["2026-01-05"]


def test_a_roll_finds_the_previous_closings_through_their_index(db: Database) -> None:
    chain = "register:x"
    query = " ".join(  # constants only
        (
            "SELECT sequence FROM fiscal_entry WHERE chain = :chain AND",
            closings.CLOSINGS_PREDICATE,
            "AND kind = 'closing.daily' ORDER BY sequence DESC LIMIT 1",
        )
    )
    with db.read_sessions() as session:
        if BACKEND == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(
                str(row[0]) for row in session.execute(text(f"EXPLAIN {query}"), {"chain": chain})
            )
        else:
            plan = " ".join(
                str(row[-1])
                for row in session.execute(text(f"EXPLAIN QUERY PLAN {query}"), {"chain": chain})
            )
    assert "ix_fiscal_entry_closings" in plan


def _running(entries: list[tuple[int, str, str]]) -> tuple[Decimal, Decimal, dict[str, Decimal]]:
    incl = Decimal(0)
    absolute = Decimal(0)
    by_rate: dict[str, Decimal] = {}
    for _day, amount, rate in entries:
        incl += Decimal(amount)
        absolute += abs(Decimal(amount))
        by_rate[rate] = by_rate.get(rate, Decimal(0)) + Decimal(amount)
    return incl, absolute, by_rate


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=420),  # days after 20 Dec 2026
            st.decimals(min_value=-500, max_value=500, places=2).map(lambda d: f"{d:.2f}"),
            st.sampled_from(["20.00", "10.00", "5.50", "0.00"]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_the_last_closings_perpetual_total_is_the_sum_of_every_entry(
    db: Database, entries: list[tuple[int, str, str]]
) -> None:
    entries = sorted(entries, key=lambda item: item[0])
    till = Till(db)
    start = date(2026, 12, 20)
    for offset, amount, rate in entries:
        till.sale(start + timedelta(days=offset), (amount, rate))
    # A year later: every day, month and fiscal year of those entries is closed.
    till.append(start + timedelta(days=800), "register.open", {"schema": 1})

    incl, absolute, by_rate = _running(entries)
    for level in ("daily", "monthly", "annual"):
        last = till.closings(level)[-1]
        assert Decimal(last["perpetual"]["incl"]) == incl, level
        assert Decimal(last["perpetual_absolute"]["incl"]) == absolute, level
        stated = {row["rate"]: Decimal(row["incl"]) for row in last["perpetual"]["by_rate"]}
        assert stated == {rate: value for rate, value in by_rate.items() if value != 0}, level
        assert sum(Decimal(c["totals"]["incl"]) for c in till.closings(level)) == incl, level
    days = {offset for offset, _amount, _rate in entries}
    assert len(till.closings("daily")) == len(days)
    payloads = [json.loads(entry.payload) for entry in till.entries()]
    assert sum(p.get("tickets", 0) for p in payloads if p.get("level") == "daily") == len(entries)
    with db.read_sessions() as session:
        assert session.scalar(select(FiscalChain.open_day).where(FiscalChain.id == till.chain))
