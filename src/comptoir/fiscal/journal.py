"""Appending to the fiscal journal: the one way in.

An entry is written in the same transaction as what it records, so a sale never commits
without its entry. Each chain has its own head row (`fiscal_chain`): appending bumps that
row's sequence atomically, which orders the entries of one register and never makes two
registers wait for each other.

The signing key reaches the use cases through the session's `info`, put there once by
`attach_signing_key` (create_app, the CLI, the test fixtures) from the key directory in the
settings: services keep taking a session and nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from comptoir.core.clock import utcnow
from comptoir.core.db import Base, Database
from comptoir.core.ids import new_id
from comptoir.fiscal.canonical import canonical_json
from comptoir.fiscal.closings import close_open_day
from comptoir.fiscal.errors import FiscalSigningUnavailable
from comptoir.fiscal.keys import SigningKey, create_signing_key, load_signing_key
from comptoir.fiscal.models import FiscalChain, FiscalEntry, FiscalKey

_INFO_KEY = "comptoir.fiscal.signing_key"

# The sale path's statements, built once as Core statements on the tables: building and
# synchronising ORM statements cost ten times the statements themselves (about 1.2 ms per
# entry on SQLite, against 0.2 ms: bench/README.md, issue 12).
_CHAIN = Base.metadata.tables[FiscalChain.__tablename__]
_ENTRY = Base.metadata.tables[FiscalEntry.__tablename__]
_BUMP = (
    update(_CHAIN)
    .where(_CHAIN.c.id == bindparam("chain_id"))
    .values(last_sequence=_CHAIN.c.last_sequence + 1)
    .returning(_CHAIN.c.last_sequence, _CHAIN.c.last_signature)
)
# One statement on the usual path: the bump only matches while the day is the same.
_BUMP_SAME_DAY = _BUMP.where(
    or_(_CHAIN.c.open_day == bindparam("day"), _CHAIN.c.open_day.is_(None))
)
_SET_SIGNATURE = (
    update(_CHAIN)
    .where(_CHAIN.c.id == bindparam("chain_id"))
    .values(last_signature=bindparam("signature"))
)
_INSERT_ENTRY = insert(_ENTRY)
_ENTRY_COLUMNS = tuple(column.key for column in _ENTRY.columns)


def attach_signing_key(database: Database, key: SigningKey | None) -> None:
    """Every session of `database` signs with `key` from now on (None: refuse to sign)."""
    for sessions in (database.write_sessions, database.read_sessions):
        info = dict(sessions.kw.get("info") or {})
        info[_INFO_KEY] = key
        sessions.configure(info=info)


def signing_key_of(session: Session) -> SigningKey:
    key = session.info.get(_INFO_KEY)
    if key is None:
        raise FiscalSigningUnavailable(
            "No fiscal signing key is loaded: run `comptoir init` to create one."
        )
    assert isinstance(key, SigningKey)
    return key


def has_signing_key(database: Database) -> bool:
    return (database.write_sessions.kw.get("info") or {}).get(_INFO_KEY) is not None


def record_public_key(session: Session, key: SigningKey) -> None:
    """Store the key's public half, once, so the journal can be verified without the key."""
    session.execute(
        _insert_into(session)(FiscalKey)
        .values(
            key_id=key.key_id,
            algorithm=key.algorithm,
            public_key=key.public_pem(),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[FiscalKey.key_id])
    )


def signed_message(entry: FiscalEntry) -> bytes:
    """The bytes an entry's signature covers: every column but its id and the signature."""
    envelope: dict[str, Any] = {
        "algorithm": entry.algorithm,
        "chain": entry.chain,
        "key_id": entry.key_id,
        "kind": entry.kind,
        "payload": entry.payload,
        "period": entry.period,
        "previous_signature": entry.previous_signature,
        "recorded_at": entry.recorded_at,
        "register_id": entry.register_id,
        "sequence": entry.sequence,
        "subject_id": entry.subject_id,
    }
    return canonical_json(envelope).encode("utf-8")


def append_entry(
    session: Session,
    *,
    chain: str,
    kind: str,
    payload: Mapping[str, Any],
    register_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    period: str | None = None,
    recorded_at: datetime | None = None,
    business_day: date | None = None,
    time_zone: str | None = None,
) -> FiscalEntry:
    """Sign `payload` as the next entry of `chain`, in the caller's transaction.

    Register chains pass the entry's `business_day` in the outlet's `time_zone`: the first
    entry of a later day closes the chain's open day first. Closings themselves pass None.
    """
    key = signing_key_of(session)
    sequence, previous_signature = _take_sequence(
        session,
        chain=chain,
        key=key,
        register_id=register_id,
        business_day=business_day,
        time_zone=time_zone,
    )
    entry = FiscalEntry(
        id=new_id(),
        chain=chain,
        sequence=sequence,
        kind=kind,
        # Stored and signed to the microsecond both databases keep.
        recorded_at=recorded_at or utcnow(),
        register_id=register_id,
        subject_id=subject_id,
        period=period,
        payload=canonical_json(payload),
        previous_signature=previous_signature,
        key_id=key.key_id,
        algorithm=key.algorithm,
    )
    entry.signature = key.sign(signed_message(entry))
    connection = session.connection()
    connection.execute(_INSERT_ENTRY, {name: getattr(entry, name) for name in _ENTRY_COLUMNS})
    connection.execute(_SET_SIGNATURE, {"chain_id": chain, "signature": entry.signature})
    _synchronise_head(session, chain, sequence=sequence, signature=entry.signature)
    # Inserted above: the session holds it as a persistent row, without inserting it again.
    make_transient_to_detached(entry)
    session.add(entry)
    return entry


def _synchronise_head(session: Session, chain: str, *, sequence: int, signature: str) -> None:
    """A chain's head loaded in the session (the slow path locks it) reads as the Core
    statements left it, as ORM statements would have synchronised it."""
    head = session.identity_map.get(identity_key(FiscalChain, chain))
    if head is not None:
        set_committed_value(head, "last_sequence", sequence)
        set_committed_value(head, "last_signature", signature)


def _take_sequence(
    session: Session,
    *,
    chain: str,
    key: SigningKey,
    register_id: uuid.UUID | None,
    business_day: date | None,
    time_zone: str | None,
) -> tuple[int, str | None]:
    connection = session.connection()
    if business_day is None:
        row = connection.execute(_BUMP, {"chain_id": chain}).one_or_none()
    else:
        day = business_day.isoformat()
        row = connection.execute(_BUMP_SAME_DAY, {"chain_id": chain, "day": day}).one_or_none()
    if row is None:
        _prepare_chain(
            session,
            chain=chain,
            key=key,
            register_id=register_id,
            business_day=business_day,
            time_zone=time_zone,
        )
        row = session.connection().execute(_BUMP, {"chain_id": chain}).one()
    return int(row[0]), row[1]


def _prepare_chain(
    session: Session,
    *,
    chain: str,
    key: SigningKey,
    register_id: uuid.UUID | None,
    business_day: date | None,
    time_zone: str | None,
) -> None:
    """The slow path: make the chain's head on its first entry (a concurrent first entry
    makes it too, harmlessly; the key that will verify it is recorded), or close the open
    day when this entry is the first of a later one."""
    session.execute(
        _insert_into(session)(FiscalChain)
        .values(id=chain, register_id=register_id, last_sequence=0, time_zone=time_zone)
        .on_conflict_do_nothing(index_elements=[FiscalChain.id])
    )
    record_public_key(session, key)
    head = session.scalars(
        select(FiscalChain).where(FiscalChain.id == chain).with_for_update()
    ).one()
    if business_day is None:
        return
    if head.open_day is not None and head.open_day < business_day.isoformat():
        close_open_day(session, chain=head, next_day=business_day)
    head.open_day = business_day.isoformat()
    head.time_zone = time_zone or head.time_zone
    session.flush()


def _insert_into(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def sign_with_key_directory(database: Database, key_dir: Path) -> SigningKey | None:
    """Load the current key from `key_dir` into `database`'s sessions, unless a key is
    already attached (tests attach their own). None when there is no key yet."""
    if has_signing_key(database):
        return signing_key_of(database.write_sessions())
    key = load_signing_key(key_dir)
    attach_signing_key(database, key)
    return key


def ensure_signing_key(database: Database, key_dir: Path) -> SigningKey:
    """`comptoir init`: the current key, made on first run, attached and recorded."""
    key = load_signing_key(key_dir) or create_signing_key(key_dir)
    attach_signing_key(database, key)
    with database.unit_of_work() as uow:
        record_public_key(uow.session, key)
        uow.commit()
    return key
