"""What each use case writes in its register's fiscal chain, in its own transaction.

One `record_*` call per use case, after its rows are in the session and before its commit;
each builds the payload with a pure `*_payload` function (fiscal/payloads.py) and appends
it through `journal.append_entry`.

The sale path adds nothing but `append_entry`'s own statements: the register (and its outlet's
time zone) is already loaded by the sale's lookup.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.fiscal.journal import append_entry
from comptoir.fiscal.models import FiscalEntry, register_chain
from comptoir.fiscal.payloads import (
    ACCOUNT_PAYMENT,
    CASH_MOVEMENT,
    LAYBY_KIND,
    RECEIPT_KINDS,
    REGISTER_CLOSURE,
    REGISTER_OPEN,
    REPRINT,
    RETURN,
    SALE,
    CashMovement,
    RegisterSession,
    account_payment_payload,
    cash_movement_payload,
    layby_opened_payload,
    register_closure_payload,
    register_open_payload,
    reprint_payload,
    return_payload,
    sale_payload,
    sale_payment_kind,
    sale_payment_payload,
    void_kind,
    void_payload,
)
from comptoir.sales.lifecycle import (
    LAYBY,
    SAVED,
)
from comptoir.sales.models import Sale, SalePayment
from comptoir.store.models import Register

# Recording (in the caller's transaction) -------------------------------------------------


def _append(
    session: Session,
    *,
    register: Register | uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    subject_id: uuid.UUID | None,
) -> FiscalEntry:
    """Append to the register's chain (a loaded register, or its id), dated now in its
    outlet's business day.

    What the caller added is flushed at its commit, where it handles its own conflicts (a
    replayed client id): neither finding the register nor bumping the chain flushes it."""
    with session.no_autoflush:
        if not isinstance(register, Register):
            found = session.get(Register, register)
            assert found is not None, "the register is a foreign key of what is recorded"
            register = found
        now = utcnow()
        time_zone = register.outlet.time_zone
        return append_entry(
            session,
            chain=register_chain(register.id),
            kind=kind,
            payload=payload,
            register_id=register.id,
            subject_id=subject_id,
            recorded_at=now,
            business_day=now.astimezone(ZoneInfo(time_zone)).date(),
            time_zone=time_zone,
        )


def record_sale(session: Session, *, sale: Sale, register: Register) -> FiscalEntry | None:
    """A sale just written at `register` (loaded: its outlet gives the time zone): a
    completed or on-account sale, or a layby set aside. A parked sale records nothing."""
    if sale.status == SAVED:
        return None
    if sale.status == LAYBY:
        payload, kind = layby_opened_payload(sale), LAYBY_KIND
    elif sale.return_for is not None:
        payload, kind = return_payload(sale), RETURN
    else:
        payload, kind = sale_payload(sale), SALE
    return _append(session, register=register, kind=kind, payload=payload, subject_id=sale.id)


def record_return(session: Session, *, sale: Sale, register: Register) -> FiscalEntry:
    return _append(
        session, register=register, kind=RETURN, payload=return_payload(sale), subject_id=sale.id
    )


def record_sale_payment(session: Session, *, sale: Sale, payment: SalePayment) -> FiscalEntry:
    """A payment just added to a layby or an on-account sale, on the taking register's chain."""
    return _append(
        session,
        register=payment.register_id,
        kind=sale_payment_kind(sale),
        payload=sale_payment_payload(sale, payment),
        subject_id=sale.id,
    )


def record_void(
    session: Session, *, sale: Sale, payments: Sequence[SalePayment]
) -> FiscalEntry | None:
    """Before the voided sale takes its VOIDED status (`sale.status` is what it voids):
    `payments` are the void's own. A parked sale's void records nothing."""
    if sale.status == SAVED:
        return None
    return _append(
        session,
        register=sale.register_id,
        kind=void_kind(sale.status),
        payload=void_payload(sale, voided_status=sale.status, payments=payments),
        subject_id=sale.id,
    )


def record_account_payment(
    session: Session,
    *,
    register_id: uuid.UUID,
    customer_id: uuid.UUID,
    payment_type_id: uuid.UUID,
    type_id: int,
    paid: Decimal,
    client_id: str,
) -> FiscalEntry:
    return _append(
        session,
        register=register_id,
        kind=ACCOUNT_PAYMENT,
        payload=account_payment_payload(
            customer_id=customer_id,
            payment_type_id=payment_type_id,
            type_id=type_id,
            paid=paid,
            client_id=client_id,
        ),
        subject_id=customer_id,
    )


def record_cash_movement(session: Session, *, movement: CashMovement) -> FiscalEntry:
    return _append(
        session,
        register=movement.register_id,
        kind=CASH_MOVEMENT,
        payload=cash_movement_payload(movement),
        subject_id=movement.id,
    )


def record_register_open(session: Session, *, opened: RegisterSession) -> FiscalEntry:
    return _append(
        session,
        register=opened.register_id,
        kind=REGISTER_OPEN,
        payload=register_open_payload(opened),
        subject_id=opened.id,
    )


def record_register_closure(session: Session, *, closed: RegisterSession) -> FiscalEntry:
    return _append(
        session,
        register=closed.register_id,
        kind=REGISTER_CLOSURE,
        payload=register_closure_payload(closed),
        subject_id=closed.id,
    )


def record_reprint(session: Session, *, sale: Sale) -> int:
    """A receipt printed again: its entry, numbered per sale ("DUPLICATA n°k", k from the
    journal's earlier reprints of the sale, counted under the sale's row lock). Returns k."""
    session.execute(select(Sale.id).where(Sale.id == sale.id).with_for_update())
    earlier = session.scalar(
        select(func.count())
        .select_from(FiscalEntry)
        .where(FiscalEntry.subject_id == sale.id, FiscalEntry.kind == REPRINT)
    )
    duplicate = int(earlier or 0) + 1
    _append(
        session,
        register=sale.register_id,
        kind=REPRINT,
        payload=reprint_payload(sale, duplicate=duplicate, original=receipt_entry(session, sale)),
        subject_id=sale.id,
    )
    return duplicate


# What a receipt shows --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReceiptStamp:
    """The journal's mark on a receipt: the entry's sequence in the register's chain, its
    time, the start of its signature, and the duplicate's number on a reprint."""

    sequence: int
    recorded_at: datetime
    signature_start: str
    duplicate: int | None = None


def receipt_entry(session: Session, sale: Sale) -> FiscalEntry | None:
    """The entry the sale's receipt stands for: its latest sale, return or layby entry."""
    return session.scalars(
        select(FiscalEntry)
        .where(FiscalEntry.subject_id == sale.id, FiscalEntry.kind.in_(RECEIPT_KINDS))
        .order_by(FiscalEntry.sequence.desc())
        .limit(1)
    ).first()


def reprint_entry(session: Session, sale: Sale, *, duplicate: int) -> FiscalEntry | None:
    for entry in session.scalars(
        select(FiscalEntry)
        .where(FiscalEntry.subject_id == sale.id, FiscalEntry.kind == REPRINT)
        .order_by(FiscalEntry.sequence)
    ):
        if json.loads(entry.payload).get("duplicate") == duplicate:
            return entry
    return None


def receipt_stamp(
    session: Session, *, sale: Sale, duplicate: int | None = None
) -> ReceiptStamp | None:
    """The stamp of the sale's receipt (`duplicate`: of that reprint; None when the journal
    has no such entry: a sale recorded before the journal existed)."""
    entry = (
        reprint_entry(session, sale, duplicate=duplicate)
        if duplicate is not None
        else receipt_entry(session, sale)
    )
    if entry is None:
        return None
    return ReceiptStamp(
        sequence=entry.sequence,
        recorded_at=entry.recorded_at,
        signature_start=entry.signature[:8],
        duplicate=duplicate,
    )
