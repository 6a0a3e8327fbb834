"""Verifying rows in this process: an archive's entries (against its public keys or the
auditor's pinned ones), or a short database's; and a chain's head row against its last
entry. The per-entry and per-segment rules are `fiscal.verify`'s."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import Any, Protocol

from comptoir.core.i18n import N_
from comptoir.fiscal.models import EVENTS_CHAIN
from comptoir.fiscal.verify import (
    CHAIN,
    CLOCK_JUMP,
    COLUMNS,
    KEY_ROTATION,
    KIND,
    PAYLOAD,
    Keys,
    Problem,
    Report,
    Row,
    check_segment,
    fold_segments,
    rotation_problem,
)


class ArchiveLike(Protocol):
    """What `fiscal.archive.read_archive` gives: entry rows in (chain, sequence) order as
    dicts with the entry's column names, and the public keys (key id -> PEM)."""

    @property
    def entries(self) -> Iterable[Mapping[str, Any]]: ...

    @property
    def keys(self) -> Mapping[str, str]: ...


def verify_rows(
    rows: Iterable[Mapping[str, Any] | Row],
    keys: Keys,
    *,
    from_start: bool,
    heads: Mapping[str, tuple[int, str | None]] | None = None,
) -> Report:
    """Verify entry rows in (chain, sequence) order in this process: an archive's, or a
    database's when it is short. `from_start`: chains start at sequence 1 here (a database)
    rather than wherever the archive's period starts."""
    report = Report()
    problems: list[Problem] = []
    seen: set[str] = set()
    for chain, group in groupby((_as_row(row) for row in rows), key=lambda row: row[CHAIN]):
        if chain in seen:
            problems.append(Problem(chain, 0, "the chain's entries are not together"))
            break
        seen.add(chain)
        report.chains += 1
        segment = check_segment(
            chain,
            _trusting(group, keys),
            keys,
            first_sequence=1 if from_start else None,
            previous=None,
        )
        report.entries += segment.count
        problem = segment.problem or fold_segments(chain, [segment], from_start=from_start)
        if problem is None and heads is not None:
            problem = head_problem(chain, segment.last, heads.get(chain))
        if problem is not None:
            problems.append(problem)
            break
    if not problems and heads is not None:
        missing = sorted(set(heads) - seen)
        for chain in missing:
            if heads[chain][0] > 0:
                problems.append(Problem(chain, 1, N_("entry missing")))
                break
    report.problem = min(problems) if problems else None
    return report


def _trusting(rows: Iterable[Row], keys: Keys) -> Iterator[Row]:
    """Rows as they come, trusting each rotation's new key once the rotation is checked."""
    for row in rows:
        yield row
        if row[CHAIN] == EVENTS_CHAIN and row[KIND] == KEY_ROTATION:
            rotation_problem(row, keys)
        elif row[CHAIN] == EVENTS_CHAIN and row[KIND] == CLOCK_JUMP:
            keys.note_jump(row[PAYLOAD])


def _as_row(row: Mapping[str, Any] | Row) -> Row:
    if isinstance(row, tuple):
        return row
    return tuple(row.get(name) for name in COLUMNS)


def head_problem(
    chain: str, last: tuple[int, str, Any] | None, head: tuple[int, str | None] | None
) -> Problem | None:
    if head is None:
        return Problem(chain, last[0] if last else 1, "the chain has no head row")
    last_sequence, last_signature = head
    if last is None:
        return Problem(chain, 1, N_("entry missing")) if last_sequence else None
    if last_sequence > last[0]:
        return Problem(chain, last[0] + 1, "entry missing (the chain's head names a later entry)")
    if last_sequence < last[0] or last_signature != last[1]:
        return Problem(chain, last[0], N_("the chain's head does not name this last entry"))
    return None


def verify_archive(archive: ArchiveLike, *, pinned: Mapping[str, str] | None = None) -> Report:
    """An archive's entries against its public keys, or against the auditor's pinned ones."""
    keys = Keys(pinned) if pinned is not None else Keys(archive.keys)
    return verify_rows(archive.entries, keys, from_start=False)
