"""Monthly archives: a signed zip in an open format whose entries verify on their own, and
whose alteration `read_archive` detects; archiving is an event of the JET."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from comptoir.core.db import Database
from comptoir.core.errors import InvalidInput
from comptoir.fiscal import journal
from comptoir.fiscal.archive import (
    COLUMNS,
    ArchiveInvalid,
    create_archive,
    list_archives,
    read_archive,
)
from comptoir.fiscal.journal import signed_message
from comptoir.fiscal.keys import verify_signature
from comptoir.fiscal.models import EVENTS_CHAIN, FiscalEntry
from tests.integration.fiscal_support import Till

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _month_of_sales(db: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Till, Till]:
    """Two tills selling on 2 and 3 November (the closing of the 2nd is recorded on the 3rd,
    by its first sale), and one sale on 1 December."""
    first, second = Till(db), Till(db)
    for day in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 12, 1)):
        at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
        monkeypatch.setattr(journal, "utcnow", lambda at=at: at)
        first.append(day, "sale", _sale("8.90"))
        if day.month == 11:
            second.append(day, "sale", _sale("1.10"))
    monkeypatch.setattr(journal, "utcnow", lambda: NOW)
    return first, second


def _sale(amount: str) -> dict[str, object]:
    from tests.integration.fiscal_support import money_payload

    return money_payload([(amount, "20.00")])


def test_an_archive_holds_the_months_entries_signed_and_verifiable(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _month_of_sales(db, monkeypatch)
    result = create_archive(db, period="2026-11", directory=tmp_path, now=NOW)

    assert result.path.parent == tmp_path
    with zipfile.ZipFile(result.path) as archive:
        assert sorted(archive.namelist()) == [
            "closings.jsonl",
            "entries.csv",
            "entries.jsonl",
            "keys.json",
            "manifest.json",
            "manifest.sig",
            "public_keys.pem",
        ]
        rows = list(csv.DictReader(io.StringIO(archive.read("entries.csv").decode())))
        closings = archive.read("closings.jsonl").decode().splitlines()
        assert b"BEGIN PUBLIC KEY" in archive.read("public_keys.pem")
    assert tuple(rows[0]) == COLUMNS
    contents = read_archive(result.path)
    entries = list(contents.entries)
    assert [(e["chain"], e["sequence"]) for e in entries] == sorted(
        (e["chain"], e["sequence"]) for e in entries
    )
    assert {e["chain"] for e in entries} == {first.chain, second.chain}
    assert len(entries) == len(rows) == 6  # per till: sale, daily closing, sale
    assert len(closings) == 2  # the 3rd's are recorded on 1 December: next month's
    manifest = contents.manifest
    assert manifest["period"] == "2026-11"
    assert manifest["entries"] == 6
    assert sorted(
        (c["chain"], c["first_sequence"], c["last_sequence"]) for c in manifest["chains"]
    ) == sorted([(first.chain, 1, 3), (second.chain, 1, 3)])
    assert manifest["software"]["name"] == "Comptoir"
    # Each archived entry verifies on its own, with the archive's keys.
    for row in entries:
        entry = FiscalEntry(**row)
        assert verify_signature(
            contents.keys[row["key_id"]], signed_message(entry), row["signature"]
        )
    assert [item.name for item in list_archives(tmp_path)] == [result.path.name]


def test_archiving_is_recorded_in_the_events_journal(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _month_of_sales(db, monkeypatch)
    result = create_archive(db, period="2026-11", directory=tmp_path, now=NOW)
    with db.read_sessions() as session:
        event = session.scalars(select(FiscalEntry).where(FiscalEntry.chain == EVENTS_CHAIN)).one()
    payload = json.loads(event.payload)
    assert event.kind == "event.archive"
    assert payload["manifest_sha256"] == result.manifest_sha256
    assert payload["period"] == "2026-11"


@pytest.mark.parametrize("member", ["entries.jsonl", "entries.csv", "keys.json", "manifest.json"])
def test_read_archive_rejects_an_altered_file(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, member: str
) -> None:
    _month_of_sales(db, monkeypatch)
    result = create_archive(db, period="2026-11", directory=tmp_path, now=NOW)
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(result.path) as source, zipfile.ZipFile(altered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == member:
                changed = data.replace(b"8.90", b"0.89").replace(b"2026-11", b"2026-10")
                data = changed if changed != data else data + b" "
            target.writestr(name, data)
    with pytest.raises(ArchiveInvalid):
        read_archive(altered)


def test_only_a_month_that_is_over_is_archived(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidInput):
        create_archive(db, period="2026-12", directory=tmp_path, now=NOW)
    with pytest.raises(InvalidInput):
        create_archive(db, period="2026-13", directory=tmp_path, now=NOW)


def test_the_command_writes_the_archive_where_asked(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from comptoir.cli import app
    from comptoir.core.settings import get_settings
    from comptoir.fiscal.keys import create_signing_key

    _month_of_sales(db, monkeypatch)
    monkeypatch.undo()
    create_signing_key(tmp_path / "keys")
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", db.url)
    monkeypatch.setenv("COMPTOIR_FISCAL_KEY_DIR", str(tmp_path / "keys"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["fiscal", "archive", "--period", "2026-11", "--output", str(tmp_path / "out")]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (made,) = list_archives(tmp_path / "out")
    contents = read_archive(tmp_path / "out" / made.name)
    assert contents.manifest["entries"] == 6
    assert len(contents.keys) == 2  # the tests' key and the command's, which signed
    assert contents.manifest["key_id"] in contents.keys
