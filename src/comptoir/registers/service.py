"""Opening and closing a register, and its cash movements: one use case, one commit.

Opening claims the register row (`open_session_id` from NULL to the new session) in one
atomic UPDATE, closing locks the same row: two opens or two closes at once, one wins. Sales
bump the invoice number on that row too (store.service.take_invoice_number), so a closing
waits for the register's sales in flight and sees every one of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import allocate_versions
from comptoir.fiscal import records as fiscal
from comptoir.registers.closing import attach_provider_totals, build_counts, closure_warnings
from comptoir.registers.denominations import total_of_counts
from comptoir.registers.documents import build_document, document_to_json
from comptoir.registers.figures import compute_figures, figures_to_json
from comptoir.registers.models import CashMovement, MovementKind, RegisterSession
from comptoir.store import service as store
from comptoir.store.models import Register

DRAWER_KICK_TOPIC = "register.drawer_kick"
CLOSURE_EMAIL_TOPIC = "register.closure_email"


class RegisterAlreadyClosed(Conflict):
    code = "register_closed"

    def __init__(self, *, register_id: uuid.UUID) -> None:
        super().__init__(
            N_("this register is already closed (closed elsewhere?): reload it"),
            register_id=str(register_id),
        )


@dataclass(frozen=True, kw_only=True)
class CountInput:
    """What the closer counted for a payment type: a total, or cash by denomination."""

    payment_type_id: uuid.UUID
    counted: Decimal | None = None
    denominations: Mapping[str, int] | None = None
    note: str | None = None


def get_register_session(session: Session, *, session_id: uuid.UUID) -> RegisterSession:
    found = session.get(RegisterSession, session_id)
    if found is None or found.deleted_at is not None:
        raise NotFound("register closure not found", register_session_id=str(session_id))
    return found


def current_session(session: Session, *, register: Register) -> RegisterSession | None:
    """The register's open session, read from the database (not the loaded row)."""
    open_id = session.scalar(select(Register.open_session_id).where(Register.id == register.id))
    return None if open_id is None else session.get(RegisterSession, open_id)


def latest_closed_session(session: Session, *, register_id: uuid.UUID) -> RegisterSession | None:
    return session.scalars(
        select(RegisterSession)
        .where(RegisterSession.register_id == register_id, RegisterSession.closed_at.isnot(None))
        .order_by(RegisterSession.sequence.desc())
        .limit(1)
    ).first()


def opening_float_of(
    *, total: Decimal | None, counts: Mapping[str, int] | None, currency: str
) -> tuple[Decimal, dict[str, int] | None]:
    """The float from a total or a count by denomination (both: they must agree)."""
    if counts:
        counted, normalised = total_of_counts(counts, currency=currency, field="denominations")
        if total is not None and total != counted:
            raise InvalidInput(
                N_("the float's notes and coins do not add up to its total"),
                field="opening_float",
                counted=str(counted),
            )
        return counted, normalised
    total = total if total is not None else Decimal(0)
    if total < 0:
        raise InvalidInput(N_("the float is zero or more"), field="opening_float")
    return total, None


def open_register(
    uow: UnitOfWork,
    *,
    register_id: uuid.UUID,
    user_id: uuid.UUID,
    opening_float: Decimal | None = None,
    counts: Mapping[str, int] | None = None,
    note: str | None = None,
    opened_at: datetime | None = None,
) -> tuple[RegisterSession, bool]:
    """Open the register with its float. Opening an open register changes nothing and
    returns its session (False): a retried open is harmless."""
    session = uow.session
    register = store.get_register(session, register_id=register_id)
    currency = store.get_retailer(session).currency
    amount, normalised = opening_float_of(total=opening_float, counts=counts, currency=currency)
    new_id = uuid.uuid4()
    (version,) = allocate_versions(session, 1)
    claimed = session.execute(
        update(Register)
        .where(Register.id == register.id, Register.open_session_id.is_(None))
        .values(open_session_id=new_id, version=version, updated_at=utcnow())
        .returning(Register.id)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        uow.rollback()
        session = uow.session
        register = store.get_register(session, register_id=register_id)
        session.refresh(register)
        existing = current_session(session, register=register)
        if existing is None:  # closed again meanwhile: the caller may simply retry
            raise Conflict(
                "the register changed meanwhile: try again", register_id=str(register_id)
            )
        return existing, False
    last = session.scalar(
        select(func.max(RegisterSession.sequence)).where(RegisterSession.register_id == register_id)
    )
    opened = RegisterSession(
        id=new_id,
        register_id=register.id,
        outlet_id=register.outlet_id,
        sequence=(last or 0) + 1,
        opened_at=opened_at or utcnow(),
        opened_by=user_id,
        opening_float=amount,
        opening_counts=normalised,
        opening_note=(note or "").strip() or None,
    )
    session.add(opened)
    session.flush()
    fiscal.record_register_open(session, opened=opened)
    if amount > 0:
        _kick_drawer(uow, register_id=register.id, reason="float", ref=str(new_id))
    uow.commit()
    session.refresh(register)
    return opened, True


def record_cash_movement(
    uow: UnitOfWork,
    *,
    register_id: uuid.UUID,
    kind: str,
    amount: Decimal,
    note: str | None,
    user_id: uuid.UUID,
    client_id: str,
) -> tuple[CashMovement, bool]:
    """Put cash in or take it out of an open register's drawer. `client_id` makes it
    idempotent: sent again, the first movement comes back (False) and nothing changes."""
    if kind not in MovementKind.__members__:
        raise InvalidInput(N_("unknown kind of cash movement"), field="type", value=kind)
    if amount <= 0:
        raise InvalidInput(N_("the amount is more than zero"), field="amount")
    client_id = client_id.strip()
    if not client_id or len(client_id) > 100:
        raise InvalidInput("client_id is required (at most 100 characters)", field="client_id")
    session = uow.session
    existing = _movement_by_client_id(session, client_id=client_id, register_id=register_id)
    if existing is not None:
        return existing, False
    session_id = store.lock_open_session(session, register_id=register_id)
    movement = CashMovement(
        id=uuid.uuid4(),
        session_id=session_id,
        register_id=register_id,
        kind=kind,
        amount=amount,
        note=(note or "").strip() or None,
        user_id=user_id,
        client_id=client_id,
    )
    session.add(movement)
    fiscal.record_cash_movement(session, movement=movement)
    _kick_drawer(uow, register_id=register_id, reason="cash_movement", ref=str(movement.id))
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        existing = _movement_by_client_id(uow.session, client_id=client_id, register_id=register_id)
        if existing is None:
            raise
        return existing, False
    return movement, True


def _movement_by_client_id(
    session: Session, *, client_id: str, register_id: uuid.UUID
) -> CashMovement | None:
    found = session.scalars(select(CashMovement).where(CashMovement.client_id == client_id)).first()
    if found is not None and found.register_id != register_id:
        raise Conflict("this client_id was used by another register", field="client_id")
    return found


def list_movements(session: Session, *, session_id: uuid.UUID) -> list[CashMovement]:
    return list(
        session.scalars(
            select(CashMovement)
            .where(CashMovement.session_id == session_id)
            .order_by(CashMovement.created_at, CashMovement.id)
        )
    )


def close_register(
    uow: UnitOfWork,
    *,
    register_id: uuid.UUID,
    user_id: uuid.UUID,
    counts: Sequence[CountInput],
    note: str | None = None,
    client_id: str | None = None,
    manager_email: str | None = None,
    closed_at: datetime | None = None,
) -> tuple[RegisterSession, bool]:
    """Close the register's open session: figures, counts against what was expected,
    final. A close sent again with its `client_id` returns the same closure (False); any
    other close of a closed register is a 409 (two closes at once: one wins).
    `closed_at`: now, unless a demo or an import says otherwise."""
    session = uow.session
    open_id = session.scalar(
        select(Register.open_session_id).where(Register.id == register_id).with_for_update()
    )
    register = store.get_register(session, register_id=register_id)
    if open_id is None:
        return _replayed_close(session, register_id=register_id, client_id=client_id), False
    open_session = get_register_session(session, session_id=open_id)
    retailer = store.get_retailer(session)
    figures = compute_figures(session, register_session=open_session, currency=retailer.currency)
    now = closed_at or utcnow()
    # The providers are asked before this transaction writes anything (the register row
    # is locked on PostgreSQL meanwhile; an unreachable one answers at once or times out).
    attach_provider_totals(session, figures, start=open_session.opened_at, end=now)
    figures.warnings = closure_warnings(figures)
    open_session.counts = build_counts(figures, counts=counts, currency=retailer.currency)
    figures.closed_at = now
    open_session.closed_at = now
    open_session.closed_by = user_id
    open_session.closing_note = (note or "").strip() or None
    open_session.closing_client_id = client_id
    open_session.closure_figures = figures_to_json(figures)
    (version,) = allocate_versions(session, 1)
    session.execute(
        update(Register)
        .where(Register.id == register_id)
        .values(open_session_id=None, version=version, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    fiscal.record_register_closure(session, closed=open_session)
    email = manager_email or register.outlet.manager_email or register.outlet.email
    if email:
        document = build_document(session, register_session=open_session, figures=figures)
        enqueue(
            uow,
            topic=CLOSURE_EMAIL_TOPIC,
            payload={
                "register_session_id": str(open_session.id),
                "to": email,
                "locale": retailer.locale,
                "document": document_to_json(document),
            },
        )
    uow.commit()
    return open_session, True


def _replayed_close(
    session: Session, *, register_id: uuid.UUID, client_id: str | None
) -> RegisterSession:
    last = latest_closed_session(session, register_id=register_id)
    if client_id and last is not None and last.closing_client_id == client_id:
        return last
    raise RegisterAlreadyClosed(register_id=register_id)


def _kick_drawer(uow: UnitOfWork, *, register_id: uuid.UUID, reason: str, ref: str) -> None:
    enqueue(
        uow,
        topic=DRAWER_KICK_TOPIC,
        payload={"register_id": str(register_id), "reason": reason, "ref": ref},
    )


def list_closures(
    session: Session, *, register_id: uuid.UUID | None = None, limit: int = 100
) -> list[RegisterSession]:
    query = select(RegisterSession).where(RegisterSession.closed_at.isnot(None))
    if register_id is not None:
        query = query.where(RegisterSession.register_id == register_id)
    return list(session.scalars(query.order_by(RegisterSession.closed_at.desc()).limit(limit)))


def register_times(
    session: Session, *, registers: Sequence[Register]
) -> dict[uuid.UUID, tuple[datetime | None, datetime | None]]:
    """Per register: when its open session opened, and when it last closed (two queries)."""
    open_ids = [r.open_session_id for r in registers if r.open_session_id is not None]
    opened = {
        register_id: at
        for register_id, at in session.execute(
            select(RegisterSession.register_id, RegisterSession.opened_at).where(
                RegisterSession.id.in_(open_ids)
            )
        )
    }
    closed = {
        register_id: at
        for register_id, at in session.execute(
            select(RegisterSession.register_id, func.max(RegisterSession.closed_at))
            .where(RegisterSession.register_id.in_([r.id for r in registers]))
            .group_by(RegisterSession.register_id)
        )
    }
    return {r.id: (opened.get(r.id), closed.get(r.id)) for r in registers}
