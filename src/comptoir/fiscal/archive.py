"""Signed monthly archives of the fiscal journal (BOI-TVA-DECLA-30-10-30: archiving).

`create_archive` writes one zip per month in an open format, readable without Comptoir:

- `entries.jsonl` and `entries.csv`: every column of `fiscal_entry` for the entries
  recorded in the month (the store's time zone), all chains, by chain then sequence; the
  payload is the canonical JSON text exactly as signed;
- `closings.jsonl`: the closings among them, in the same form;
- `public_keys.pem` and `keys.json`: every public key of `fiscal_key`;
- `manifest.json`: the period, when it was made, each chain's first and last sequence and
  counts, the software's version and the SHA-256 of every file above;
- `manifest.sig`: the signature (base64 DER ECDSA P-256/SHA-256) of manifest.json's bytes
  by the current key, named by the manifest's `key_id`.

The entries are streamed chain by chain in pages of the (chain, sequence) index into
temporary files, so memory does not grow with the month. Archiving is recorded in the
technical events journal (`event.archive`, with the manifest's hash).

`read_archive` checks a zip's files against its manifest and the manifest's signature
against the archive's own keys, and gives the entries back as rows with `fiscal_entry`'s
column names and types, for `comptoir fiscal verify --archive` (fiscal/verify.py), which
also checks the keys against ones the auditor trusts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir import __version__
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.fiscal.canonical import canonical_json
from comptoir.fiscal.closings import is_closing
from comptoir.fiscal.journal import append_entry, record_public_key, signing_key_of
from comptoir.fiscal.keys import verify_signature
from comptoir.fiscal.models import ENTRY_COLUMNS, EVENTS_CHAIN, FiscalChain, FiscalEntry, FiscalKey

FORMAT = "comptoir-fiscal-archive"
FORMAT_VERSION = 1
COLUMNS = ENTRY_COLUMNS
ENTRIES_JSONL = "entries.jsonl"
ENTRIES_CSV = "entries.csv"
CLOSINGS_JSONL = "closings.jsonl"
PUBLIC_KEYS_PEM = "public_keys.pem"
KEYS_JSON = "keys.json"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATA_FILES = (ENTRIES_JSONL, ENTRIES_CSV, CLOSINGS_JSONL, PUBLIC_KEYS_PEM, KEYS_JSON)
ARCHIVE_NAME = re.compile(r"^fiscal-(\d{4}-\d{2})-(\d{8}T\d{6}Z)\.zip$")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PAGE = 1000
_CHUNK = 1 << 16


class ArchiveInvalid(Exception):
    """An archive whose files do not match its manifest, or whose manifest's signature
    does not verify: it has been altered (or is not a Comptoir fiscal archive)."""


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str


@dataclass(frozen=True)
class ArchiveFile:
    name: str
    period: str
    size: int
    created_at: datetime


def parse_period(period: str) -> tuple[int, int]:
    match = _PERIOD.match(period.strip())
    if match is None:
        raise InvalidInput(N_("Enter a month as YYYY-MM."), field="period")
    return int(match.group(1)), int(match.group(2))


def month_bounds(period: str, time_zone: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in `time_zone`, as UTC times."""
    year, month = parse_period(period)
    zone = ZoneInfo(time_zone)
    start = datetime(year, month, 1, tzinfo=zone)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), following.astimezone(ZoneInfo("UTC"))


def _store_time_zone(session: Session) -> str:
    from comptoir.store.models import Retailer

    return session.scalar(select(Retailer.time_zone).limit(1)) or "UTC"


# Writing ---------------------------------------------------------------------------------


def row_of(entry: Any) -> dict[str, Any]:
    """An entry (ORM object or row) as the archive writes it: JSON-native values."""
    row: dict[str, Any] = {}
    for column in COLUMNS:
        value = getattr(entry, column)
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        row[column] = value
    return row


class _HashedFile:
    """A temporary file written once, with its SHA-256 and size kept as it grows."""

    def __init__(self, directory: Path, name: str) -> None:
        self.name = name
        self.path = directory / name
        self._file: BinaryIO = self.path.open("wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def close(self) -> dict[str, Any]:
        self._file.close()
        return {"sha256": self._hash.hexdigest(), "bytes": self.size}


def create_archive(
    database: Database,
    *,
    period: str,
    directory: Path,
    now: datetime | None = None,
    user_id: uuid.UUID | None = None,
) -> ArchiveResult:
    """Write the signed archive of `period` ("YYYY-MM", a month that is over) into
    `directory`, and record it in the technical events journal."""
    now = now or utcnow()
    with database.unit_of_work() as uow:
        # The key that signs the manifest is among the archive's keys, like every key.
        record_public_key(uow.session, signing_key_of(uow.session))
        uow.commit()
    with database.read_sessions() as session:
        zone = _store_time_zone(session)
        start, end = month_bounds(period, zone)
        if end > now:
            raise InvalidInput(N_("Only a month that is over can be archived."), field="period")
        key = signing_key_of(session)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"fiscal-{period}-{now.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}.zip"
        with tempfile.TemporaryDirectory(dir=directory, prefix=".archive-") as work:
            files, chains = _write_files(session, Path(work), start=start, end=end)
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "period": period,
                "time_zone": zone,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "generated_at": now.isoformat(),
                "software": {"name": "Comptoir", "version": __version__},
                "key_id": key.key_id,
                "algorithm": key.algorithm,
                "chains": chains,
                "entries": sum(chain["entries"] for chain in chains),
                "files": files,
            }
            manifest_bytes = canonical_json(manifest).encode("utf-8")
            signature = key.sign(manifest_bytes)
            partial = Path(work) / name
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for member in DATA_FILES:
                    archive.write(Path(work) / member, member)
                archive.writestr(MANIFEST, manifest_bytes)
                archive.writestr(SIGNATURE, signature.encode("ascii"))
            path = directory / name
            partial.replace(path)
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    with database.unit_of_work() as uow:
        append_entry(
            uow.session,
            chain=EVENTS_CHAIN,
            kind="event.archive",
            payload={
                "schema": 1,
                "period": period,
                "file": name,
                "manifest_sha256": manifest_sha256,
                "entries": manifest["entries"],
                "user_id": user_id,
            },
        )
        uow.commit()
    return ArchiveResult(path=path, manifest=manifest, manifest_sha256=manifest_sha256)


def _write_files(
    session: Session, work: Path, *, start: datetime, end: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    entries_jsonl = _HashedFile(work, ENTRIES_JSONL)
    entries_csv = _HashedFile(work, ENTRIES_CSV)
    closings_jsonl = _HashedFile(work, CLOSINGS_JSONL)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")

    def csv_row(values: list[Any]) -> None:
        writer.writerow(values)
        entries_csv.write(text.getvalue().encode("utf-8"))
        text.seek(0)
        text.truncate()

    csv_row(list(COLUMNS))
    chains: list[dict[str, Any]] = []
    for chain_id in session.scalars(select(FiscalChain.id).order_by(FiscalChain.id)):
        summary: dict[str, Any] | None = None
        for entry in _chain_entries(session, chain_id, start=start, end=end):
            row = row_of(entry)
            line = (canonical_json(row) + "\n").encode("utf-8")
            entries_jsonl.write(line)
            csv_row(["" if row[column] is None else row[column] for column in COLUMNS])
            if summary is None:
                summary = {
                    "chain": chain_id,
                    "register_id": row["register_id"],
                    "first_sequence": entry.sequence,
                    "entries": 0,
                    "closings": 0,
                }
            summary["last_sequence"] = entry.sequence
            summary["entries"] += 1
            if is_closing(entry.kind):
                closings_jsonl.write(line)
                summary["closings"] += 1
        if summary is not None:
            chains.append(summary)
    files = {
        ENTRIES_JSONL: entries_jsonl.close(),
        ENTRIES_CSV: entries_csv.close(),
        CLOSINGS_JSONL: closings_jsonl.close(),
    }
    keys = _HashedFile(work, KEYS_JSON)
    pems = _HashedFile(work, PUBLIC_KEYS_PEM)
    listed = []
    for key in session.scalars(select(FiscalKey).order_by(FiscalKey.created_at, FiscalKey.key_id)):
        pems.write(key.public_key.encode("ascii"))
        listed.append(
            {
                "key_id": key.key_id,
                "algorithm": key.algorithm,
                "public_key": key.public_key,
                "created_at": key.created_at.isoformat(),
            }
        )
    keys.write(canonical_json(listed).encode("utf-8"))
    files[KEYS_JSON] = keys.close()
    files[PUBLIC_KEYS_PEM] = pems.close()
    return files, chains


def _chain_entries(
    session: Session, chain: str, *, start: datetime, end: datetime
) -> Iterator[FiscalEntry]:
    """The chain's entries recorded in [start, end), by sequence, a page at a time (keyset
    paging on the unique (chain, sequence) index)."""
    after = 0
    while True:
        page = list(
            session.scalars(
                select(FiscalEntry)
                .where(
                    FiscalEntry.chain == chain,
                    FiscalEntry.sequence > after,
                    FiscalEntry.recorded_at >= start,
                    FiscalEntry.recorded_at < end,
                )
                .order_by(FiscalEntry.sequence)
                .limit(_PAGE)
            )
        )
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].sequence
        session.expunge_all()


# Listing ---------------------------------------------------------------------------------


def list_archives(directory: Path) -> list[ArchiveFile]:
    """The archives in `directory`, newest period first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = ARCHIVE_NAME.match(path.name)
        if match and path.is_file():
            found.append(
                ArchiveFile(
                    name=path.name,
                    period=match.group(1),
                    size=path.stat().st_size,
                    created_at=datetime.strptime(match.group(2), "%Y%m%dT%H%M%SZ").replace(
                        tzinfo=ZoneInfo("UTC")
                    ),
                )
            )
    return sorted(found, key=lambda item: (item.period, item.created_at), reverse=True)


def archive_path(directory: Path, name: str) -> Path:
    """The archive called `name` in `directory` (only a name the archiver writes)."""
    if ARCHIVE_NAME.match(name) is None or not (directory / name).is_file():
        raise NotFound("archive not found", name=name)
    return directory / name


# Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveContents:
    """A checked archive: its manifest, its public keys (key id -> PEM) and its entries."""

    path: Path
    manifest: dict[str, Any]
    keys: dict[str, str]

    @property
    def entries(self) -> Iterator[dict[str, Any]]:
        """The entries as `fiscal_entry` rows (column names and Python types), streamed."""
        return self._rows(ENTRIES_JSONL)

    @property
    def closings(self) -> Iterator[dict[str, Any]]:
        return self._rows(CLOSINGS_JSONL)

    def _rows(self, member: str) -> Iterator[dict[str, Any]]:
        with zipfile.ZipFile(self.path) as archive, archive.open(member) as stream:
            for line in io.TextIOWrapper(stream, encoding="utf-8"):
                if line.strip():
                    yield entry_row(json.loads(line))


def entry_row(data: dict[str, Any]) -> dict[str, Any]:
    """An archived row with the types the database gives: UUIDs, an aware datetime."""
    row = {column: data.get(column) for column in COLUMNS}
    for column in ("id", "register_id", "subject_id"):
        if row[column] is not None:
            row[column] = uuid.UUID(row[column])
    row["recorded_at"] = datetime.fromisoformat(str(row["recorded_at"]))
    row["sequence"] = int(str(row["sequence"]))
    return row


def read_archive(path: Path) -> ArchiveContents:
    """Open an archive after checking it: every file's SHA-256 is the manifest's, and the
    manifest's signature verifies with the key it names (from the archive's keys).

    Raises ArchiveInvalid otherwise. Whether those keys are the store's is for the caller
    to check against keys it trusts (`comptoir fiscal verify --public-key`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [n for n in (*DATA_FILES, MANIFEST, SIGNATURE) if n not in names]
            if missing:
                raise ArchiveInvalid(f"missing files: {', '.join(missing)}")
            manifest_bytes = archive.read(MANIFEST)
            signature = archive.read(SIGNATURE).decode("ascii").strip()
            manifest = json.loads(manifest_bytes)
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ArchiveInvalid("not a Comptoir fiscal archive")
            for member in DATA_FILES:
                stated = (manifest.get("files") or {}).get(member) or {}
                if _sha256_of(archive, member) != stated.get("sha256"):
                    raise ArchiveInvalid(f"{member} does not match the manifest's SHA-256")
            keys = {
                str(item["key_id"]): str(item["public_key"])
                for item in json.loads(archive.read(KEYS_JSON))
            }
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as error:
        raise ArchiveInvalid(f"unreadable archive: {error}") from error
    signer = keys.get(str(manifest.get("key_id")))
    try:
        signed = signer is not None and verify_signature(signer, manifest_bytes, signature)
    except ValueError:  # a key that is not a PEM public key
        signed = False
    if not signed:
        raise ArchiveInvalid("the manifest's signature does not verify")
    return ArchiveContents(path=Path(path), manifest=manifest, keys=keys)


def _sha256_of(archive: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def last_month(today: date) -> str:
    """The month before `today`'s, "YYYY-MM" (the default month to archive)."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"
