"""Verifying the fiscal journal, from the database or from an archive, as an auditor would.

Every chain is read in sequence order, a page at a time (memory does not grow with the
journal), and checked for:

- sequences 1, 2, 3... without a gap, a duplicate or a swap;
- each entry's `previous_signature` equal to the signature of the entry before it;
- each signature, with the public key its `key_id` names (from `fiscal_key`, or pinned by the
  auditor: then a journal re-signed with another key and a rewritten `fiscal_key` is caught);
  a key other than the first one must be introduced by a key rotation entry in the events
  journal signed by a key already trusted;
- the time never going backwards within a chain;
- the chain's head (`fiscal_chain`) naming the last entry (a deleted last entry is caught);
- each closing's figures against what it closes: a daily closing against the entries since
  the previous daily closing, a monthly one against its dailies, an annual one against its
  monthlies, and perpetual totals = the previous closing's of the same level + the period.

The first broken entry (chain, sequence, what is wrong) is reported; chains are checked in
the order of their ids. Signatures dominate the time (~0.1 ms each with OpenSSL), so a long
journal is cut into segments of one chain that processes check side by side; the closings'
arithmetic is then folded in order from each segment's partial sums.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from comptoir.core.i18n import N_
from comptoir.fiscal.keys import key_id_of
from comptoir.fiscal.models import ENTRY_COLUMNS
from comptoir.fiscal.totals import PeriodTotals, Totals, amount, money_text

# The columns of an entry row, in the order the verifier handles them (archives give dicts
# with these names).
COLUMNS = ENTRY_COLUMNS[1:]  # all but the id
(CHAIN, SEQUENCE, KIND, RECORDED_AT, REGISTER_ID, SUBJECT_ID, PERIOD, PAYLOAD, PREVIOUS, SIGNATURE,
 KEY_ID, ALGORITHM) = range(len(COLUMNS))  # fmt: skip

KEY_ROTATION = "event.key_rotation"
CLOCK_JUMP = "event.clock_jump"
# Entries of one chain may come from app nodes whose clocks differ a little.
CLOCK_TOLERANCE = timedelta(seconds=5)
CLOSING_LEVELS = {
    "closing.daily": "daily",
    "closing.monthly": "monthly",
    "closing.annual": "annual",
}
# A chain is cut into segments of this many entries for parallel checking.
SEGMENT = 25_000
PAGE = 2_000

Row = tuple[Any, ...]


@dataclass(frozen=True, order=True)
class Problem:
    chain: str
    sequence: int
    what: str

    def __str__(self) -> str:
        return f"{self.chain} #{self.sequence}: {self.what}"


@dataclass
class Report:
    entries: int = 0
    chains: int = 0
    problem: Problem | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


# -- one entry ------------------------------------------------------------------------------


# One signature algorithm object for every check (a million are verified in a row).
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())

# What json.dumps(value, ensure_ascii=False) writes for a string, without its overhead.
_text = encode_basestring


def _time_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def message_of(row: Row) -> bytes:
    """The bytes an entry's signature covers, as `journal.signed_message` writes them
    (canonical JSON of every column but id and signature), built without sorting keys."""
    period, previous, register_id, subject_id = (
        row[PERIOD], row[PREVIOUS], row[REGISTER_ID], row[SUBJECT_ID]
    )  # fmt: skip
    recorded = row[RECORDED_AT]
    return "".join((
        '{"algorithm":', _text(row[ALGORITHM]),
        ',"chain":', _text(row[CHAIN]),
        ',"key_id":', _text(row[KEY_ID]),
        ',"kind":', _text(row[KIND]),
        ',"payload":', _text(row[PAYLOAD]),
        ',"period":', "null" if period is None else _text(str(period)),
        ',"previous_signature":', "null" if previous is None else _text(str(previous)),
        ',"recorded_at":', _text(recorded if type(recorded) is str else _time_text(recorded)),
        ',"register_id":', "null" if register_id is None else _text(str(register_id)),
        ',"sequence":', str(int(row[SEQUENCE])),
        ',"subject_id":', "null" if subject_id is None else _text(str(subject_id)),
        "}",
    )).encode("utf-8")  # fmt: skip


class Keys:
    """Public keys by id, loaded once; which of them the journal trusts."""

    def __init__(self, pems: Mapping[str, str], *, trusted: Iterable[str] | None = None) -> None:
        self.pems = dict(pems)
        self.trusted = set(self.pems if trusted is None else trusted)
        self._loaded: dict[str, ec.EllipticCurvePublicKey | None] = {}
        # Clock jumps the events journal records: (last time before, time after).
        self.jumps: list[tuple[datetime, datetime]] = []

    def explains(self, before: datetime, after: datetime) -> bool:
        """Whether time going back from `before` to `after` is a small skew or a recorded
        clock jump."""
        if before - after <= CLOCK_TOLERANCE:
            return True
        return any(before <= last + CLOCK_TOLERANCE and after >= now for last, now in self.jumps)

    def note_jump(self, payload_text: str) -> None:
        try:
            payload = json.loads(payload_text)
            self.jumps.append((_as_time(payload["last_recorded_at"]), _as_time(payload["now"])))
        except (ValueError, KeyError, TypeError):
            pass

    def public_key(self, key_id: str) -> ec.EllipticCurvePublicKey | None:
        if key_id not in self._loaded:
            self._loaded[key_id] = _load_public(self.pems.get(key_id), key_id)
        return self._loaded[key_id]

    def check(self, row: Row) -> str | None:
        """What is wrong with the entry's signature, or None."""
        key_id = row[KEY_ID]
        if key_id not in self.trusted:
            return f"signed by key {key_id}, which is not a trusted key"
        public_key = self.public_key(key_id)
        if public_key is None:
            return f"signed by key {key_id}, whose public key is missing or does not match"
        try:
            public_key.verify(base64.b64decode(row[SIGNATURE]), message_of(row), _ECDSA_SHA256)
        except (InvalidSignature, ValueError):
            return N_("the signature does not match the entry")
        return None


def _load_public(pem: str | None, key_id: str) -> ec.EllipticCurvePublicKey | None:
    if not pem:
        return None
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except ValueError:
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key_id_of(key) != key_id:
        return None
    return key


def read_public_keys(pem_text: str) -> dict[str, str]:
    """The public keys of a PEM file (one or more keys), by key id."""
    marker = "-----END PUBLIC KEY-----"
    keys = {}
    for block in pem_text.split(marker)[:-1]:
        start = block.find("-----BEGIN PUBLIC KEY-----")
        if start < 0:
            continue
        pem = block[start:] + marker + "\n"
        key = serialization.load_pem_public_key(pem.encode("ascii"))
        if isinstance(key, ec.EllipticCurvePublicKey):
            keys[key_id_of(key)] = pem
    return keys


# -- a segment of one chain -----------------------------------------------------------------


@dataclass
class Segment:
    """What checking consecutive entries of one chain found: the first problem, the last
    entry seen, and the money tape to fold in order (partial sums between closings)."""

    chain: str
    count: int = 0
    problem: Problem | None = None
    last: tuple[int, str, Any] | None = None  # sequence, signature, recorded_at
    tape: list[tuple[str, Any]] = field(default_factory=list)


def check_segment(
    chain: str,
    rows: Iterable[Row],
    keys: Keys,
    *,
    first_sequence: int | None,
    previous: tuple[int, str, Any] | None,
) -> Segment:
    """Check `rows` (one chain, in sequence order) starting at `first_sequence` (None: at
    whatever comes first, as in an archive), after the entry `previous` (None: no check of
    the first link). Stops at the first problem."""
    segment = Segment(chain)
    expected = first_sequence
    previous_signature = previous[1] if previous else None
    previous_time = _as_time(previous[2]) if previous else None
    link_known = previous is not None or first_sequence == 1
    partial = PeriodTotals()
    for row in rows:
        sequence = int(row[SEQUENCE])
        what = None
        if expected is not None and sequence != expected:
            if sequence > expected:
                segment.problem = Problem(chain, expected, N_("entry missing"))
            else:
                segment.problem = Problem(chain, sequence, N_("sequence out of order or repeated"))
            return segment
        if link_known and row[PREVIOUS] != previous_signature:
            what = N_("previous_signature does not match the previous entry's signature")
        elif not link_known and expected == 1 and row[PREVIOUS] is not None:
            what = "the first entry names a previous entry"
        if what is None:
            what = keys.check(row)
        recorded = _as_time(row[RECORDED_AT])
        if (
            what is None
            and previous_time is not None
            and recorded < previous_time
            and not keys.explains(previous_time, recorded)
        ):
            what = N_("recorded before the previous entry")
        kind = row[KIND]
        payload: dict[str, Any] | None = None
        if what is None and (kind in CLOSING_LEVELS or kind == KEY_ROTATION or _has_money(row)):
            try:
                payload = json.loads(row[PAYLOAD])
                if kind not in CLOSING_LEVELS:
                    partial.add_entry(payload)
            except (ValueError, TypeError, KeyError, ArithmeticError):
                what = "the payload's amounts cannot be read"
        if what is not None:
            segment.problem = Problem(chain, sequence, what)
            return segment
        if kind in CLOSING_LEVELS:
            segment.tape.append(("sum", partial))
            segment.tape.append(("closing", (sequence, kind, payload)))
            partial = PeriodTotals()
        segment.count += 1
        previous_signature, previous_time = row[SIGNATURE], recorded
        segment.last = (sequence, previous_signature, recorded)
        link_known = True
        expected = sequence + 1
    segment.tape.append(("sum", partial))
    return segment


def _has_money(row: Row) -> bool:
    payload = row[PAYLOAD]
    return '"totals"' in payload or '"payments"' in payload or '"ticket"' in payload


def _as_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# -- closings -------------------------------------------------------------------------------


class ClosingFold:
    """The closings of one chain checked in order: each level sums what it closes."""

    def __init__(self, chain: str, *, from_start: bool) -> None:
        self.chain = chain
        # Sums since the last closing of each level; None until known (an archive starts
        # in the middle of a chain: the first closing of a level is its starting point).
        self.day: PeriodTotals | None = PeriodTotals() if from_start else None
        self.month: PeriodTotals | None = PeriodTotals() if from_start else None
        self.year: PeriodTotals | None = PeriodTotals() if from_start else None
        zero = {"incl": "0.00"}
        self.perpetual: dict[str, Mapping[str, Any] | None] = {
            level: ({} if from_start else None) for level in ("daily", "monthly", "annual")
        }
        self.perpetual_absolute: dict[str, Mapping[str, Any] | None] = {
            level: (zero if from_start else None) for level in ("daily", "monthly", "annual")
        }

    def feed(self, segment: Segment) -> Problem | None:
        """Fold the next segment's money tape; the first closing that disagrees, if any."""
        for tag, item in segment.tape:
            if tag == "sum":
                self.add(item)
            else:
                problem = self.closing(*item)
                if problem is not None:
                    return problem
        return None

    def add(self, partial: PeriodTotals) -> None:
        if self.day is not None:
            _merge(self.day, partial)

    def closing(self, sequence: int, kind: str, payload: Mapping[str, Any]) -> Problem | None:
        level = CLOSING_LEVELS[kind]
        if payload.get("level") != level:
            return Problem(
                self.chain, sequence, f"a {kind} entry states level {payload.get('level')!r}"
            )
        period = {"daily": "day", "monthly": "month", "annual": "year"}[level]
        sums = {"daily": self.day, "monthly": self.month, "annual": self.year}[level]
        problem = None
        if sums is not None:
            different = sums.differences(payload)
            if different:
                problem = (
                    f"the {level} closing's {', '.join(different)} differ from "
                    f"its {period}'s entries"
                )
        previous = self.perpetual[level]
        if problem is None and previous is not None and sums is not None:
            expected = Totals.from_payload(previous)
            expected.add(sums.totals)
            if not expected.same_as(Totals.from_payload(payload.get("perpetual"))):
                problem = (
                    f"the {level} closing's perpetual totals are not the previous "
                    f"ones plus the {period}'s"
                )
            else:
                before = amount((self.perpetual_absolute[level] or {}).get("incl", "0"))
                stated = amount((payload.get("perpetual_absolute") or {}).get("incl", "0"))
                if money_text(before + sums.absolute_incl) != money_text(stated):
                    problem = f"the {level} closing's perpetual absolute total is wrong"
        if problem is not None:
            return Problem(self.chain, sequence, problem)
        figures = PeriodTotals()
        figures.add_closing(payload)
        figures.absolute_incl = sums.absolute_incl if sums is not None else Decimal(0)
        self.perpetual[level] = payload.get("perpetual") or {}
        self.perpetual_absolute[level] = payload.get("perpetual_absolute") or {"incl": "0.00"}
        if level == "daily":
            self.day = PeriodTotals()
            if sums is None:  # the first daily of an archive: the month is not whole
                return None
            if self.month is not None:
                _merge(self.month, figures)
        elif level == "monthly":
            self.month = PeriodTotals()
            if sums is not None and self.year is not None:
                _merge(self.year, figures)
        else:
            self.year = PeriodTotals()
        return None


def _merge(into: PeriodTotals, other: PeriodTotals) -> None:
    into.totals.add(other.totals)
    into.payments.add(other.payments)
    into.tickets += other.tickets
    into.absolute_incl += other.absolute_incl


def fold_segments(chain: str, segments: Iterable[Segment], *, from_start: bool) -> Problem | None:
    """The first closing that disagrees with what it closes, over a chain's segments."""
    fold = ClosingFold(chain, from_start=from_start)
    for segment in segments:
        problem = fold.feed(segment)
        if problem is not None:
            return problem
    return None


# -- trust in keys --------------------------------------------------------------------------


def rotation_problem(row: Row, keys: Keys) -> Problem | None:
    """A verified key rotation entry makes its new key trusted, if it names it right."""
    try:
        payload = json.loads(row[PAYLOAD])
        new_id, new_pem = payload["new_key_id"], payload["new_public_key"]
    except (ValueError, KeyError, TypeError):
        return Problem(row[CHAIN], int(row[SEQUENCE]), "a key rotation that names no key")
    key = _load_public(new_pem, new_id)
    if key is None:
        return Problem(
            row[CHAIN], int(row[SEQUENCE]), "a key rotation whose key id is not its key's"
        )
    stored = keys.public_key(new_id)
    if stored is not None and stored.public_numbers() != key.public_numbers():
        return Problem(
            row[CHAIN], int(row[SEQUENCE]), "the rotated-to key differs from fiscal_key's"
        )
    keys.pems.setdefault(new_id, new_pem)
    keys.trusted.add(new_id)
    return None
