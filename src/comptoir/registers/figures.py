"""A session's figures, for the X report (mid-day) and the closure (at closing).

Plain functions over a few set-based queries, each grouped (by sale kind, tax rate, payment
type, movement kind) on the session's indexed `register_session_id`: the cost grows with
the session's sales inside the database, never in Python.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from comptoir.registers.models import MOVEMENT_SIGN, CashMovement, MovementKind, RegisterSession
from comptoir.sales.lifecycle import SAVED, STOCK_OUT
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.store.models import PaymentKind, PaymentType

ZERO = Decimal(0)
# Taken from the recorded payments, never typed at closing: a terminal's provider knows
# them, and store credit is no money in a drawer.
AUTO_COUNTED_KINDS = frozenset({PaymentKind.STORE_CREDIT})
COUNTED_FROM_PROVIDER = "provider"
COUNTED_FROM_RECORDED = "recorded"


@dataclass
class SalesFigures:
    count: int = 0
    total: Decimal = ZERO  # tax included
    tax: Decimal = ZERO
    discounts: Decimal = ZERO  # excluding tax, as sale lines record them
    rounding: Decimal = ZERO


@dataclass
class TaxFigure:
    name: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass
class PaymentFigure:
    payment_type_id: str
    name: str
    type_id: int
    provider: str | None
    count: int = 0
    taken: Decimal = ZERO
    refunded: Decimal = ZERO  # negative: refunds and change given
    expected: Decimal = ZERO  # what should be there at closing (cash: float and movements)
    # An integrated type at closing: where its count came from (COUNTED_FROM_PROVIDER or,
    # the provider unreachable, COUNTED_FROM_RECORDED) and the provider's net total.
    counted_from: str | None = None
    provider_total: Decimal | None = None

    @property
    def is_cash(self) -> bool:
        return self.type_id == PaymentKind.CASH

    @property
    def counted_automatically(self) -> bool:
        return self.provider is not None or self.type_id in AUTO_COUNTED_KINDS


@dataclass
class MovementFigure:
    kind: str
    count: int
    total: Decimal


@dataclass
class Figures:
    session_id: str
    register_id: str
    sequence: int
    opened_at: datetime
    closed_at: datetime | None
    opening_float: Decimal
    sales: SalesFigures
    returns: SalesFigures
    taxes: list[TaxFigure]
    payments: list[PaymentFigure]
    movements: list[MovementFigure]
    cash_expected: Decimal
    parked_sales: int
    currency: str = "EUR"
    warnings: list[str] = field(default_factory=list)

    def movement_total(self, kind: str) -> Decimal:
        return sum((m.total for m in self.movements if m.kind == kind), ZERO)

    @property
    def net_total(self) -> Decimal:
        return self.sales.total + self.returns.total


def compute_figures(
    session: Session, *, register_session: RegisterSession, currency: str
) -> Figures:
    """The session's figures as the database holds them now."""
    sid = register_session.id
    sales, returns = _sales(session, session_id=sid)
    payments = _payments(session, session_id=sid)
    movements = _movements(session, session_id=sid)
    cash_expected = _attach_cash(
        payments, opening_float=register_session.opening_float, movements=movements
    )
    return Figures(
        session_id=str(sid),
        register_id=str(register_session.register_id),
        sequence=register_session.sequence,
        opened_at=register_session.opened_at,
        closed_at=register_session.closed_at,
        opening_float=register_session.opening_float,
        sales=sales,
        returns=returns,
        taxes=_taxes(session, session_id=sid),
        payments=payments,
        movements=movements,
        cash_expected=cash_expected,
        parked_sales=_parked(session, register_id=register_session.register_id),
        currency=currency,
    )


def _sales(session: Session, *, session_id: uuid.UUID) -> tuple[SalesFigures, SalesFigures]:
    is_return = Sale.total_price_incl < 0
    rows = session.execute(
        select(
            is_return.label("is_return"),
            func.count(),
            func.sum(Sale.total_price_incl),
            func.sum(Sale.total_tax),
            func.sum(Sale.total_discount),
            func.sum(Sale.rounding_adjustment),
        )
        .where(Sale.register_session_id == session_id, Sale.status.in_(STOCK_OUT))
        .group_by(is_return)
    ).all()
    found = {
        bool(flag): SalesFigures(
            count=count,
            total=total or ZERO,
            tax=tax or ZERO,
            discounts=discounts or ZERO,
            rounding=rounding or ZERO,
        )
        for flag, count, total, tax, discounts, rounding in rows
    }
    return found.get(False, SalesFigures()), found.get(True, SalesFigures())


def _taxes(session: Session, *, session_id: uuid.UUID) -> list[TaxFigure]:
    rows = session.execute(
        select(
            SaleLine.tax_name,
            SaleLine.tax_rate,
            func.sum(SaleLine.price_total),
            func.sum(SaleLine.tax_total),
            func.sum(SaleLine.total),
        )
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(Sale.register_session_id == session_id, Sale.status.in_(STOCK_OUT))
        .group_by(SaleLine.tax_name, SaleLine.tax_rate)
        .order_by(SaleLine.tax_rate, SaleLine.tax_name)
    ).all()
    return [
        TaxFigure(name=name, rate=rate, net=net or ZERO, tax=tax or ZERO, gross=gross or ZERO)
        for name, rate, net, tax, gross in rows
    ]


def _payments(session: Session, *, session_id: uuid.UUID) -> list[PaymentFigure]:
    """Every payment type of the store, with what this session took and gave back."""
    amount = SalePayment.amount
    sums = {
        type_id: (count, taken or ZERO, refunded or ZERO)
        for type_id, count, taken, refunded in session.execute(
            select(
                SalePayment.payment_type_id,
                func.count(),
                func.sum(case((amount > 0, amount), else_=None)),
                func.sum(case((amount < 0, amount), else_=None)),
            )
            .where(SalePayment.register_session_id == session_id)
            .group_by(SalePayment.payment_type_id)
        ).all()
    }
    types = session.scalars(
        select(PaymentType)
        .where(PaymentType.deleted_at.is_(None) | PaymentType.id.in_(list(sums)))
        .order_by(PaymentType.type_id, PaymentType.name)
    ).all()
    figures = []
    for payment_type in types:
        count, taken, refunded = sums.get(payment_type.id, (0, ZERO, ZERO))
        figures.append(
            PaymentFigure(
                payment_type_id=str(payment_type.id),
                name=payment_type.name,
                type_id=payment_type.type_id,
                provider=payment_type.provider,
                count=count,
                taken=taken,
                refunded=refunded,
                expected=taken + refunded,
            )
        )
    return figures


def _movements(session: Session, *, session_id: uuid.UUID) -> list[MovementFigure]:
    rows = session.execute(
        select(CashMovement.kind, func.count(), func.sum(CashMovement.amount))
        .where(CashMovement.session_id == session_id)
        .group_by(CashMovement.kind)
    ).all()
    totals = {kind: (count, total or ZERO) for kind, count, total in rows}
    return [
        MovementFigure(
            kind=kind.value,
            count=totals.get(kind, (0, ZERO))[0],
            total=totals.get(kind, (0, ZERO))[1],
        )
        for kind in MovementKind
    ]


def _attach_cash(
    payments: list[PaymentFigure], *, opening_float: Decimal, movements: list[MovementFigure]
) -> Decimal:
    """Expected cash = float + cash taken - cash given back + cash in - cash out (petty
    cash likewise); the drawer's figure sits on the first cash payment type."""
    moved = sum((MOVEMENT_SIGN[MovementKind(m.kind)] * m.total for m in movements), ZERO)
    cash = next((p for p in payments if p.is_cash), None)
    taken = cash.taken + cash.refunded if cash is not None else ZERO
    expected = opening_float + taken + moved
    if cash is not None:
        cash.expected = expected
    return expected


def _parked(session: Session, *, register_id: uuid.UUID) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(Sale)
        .where(Sale.register_id == register_id, Sale.status == SAVED, Sale.is_quote.is_(False))
    )
    return int(count or 0)


# Stored with the closure (JSON) and read back for its pages and documents ---------------


def figures_to_json(figures: Figures) -> dict[str, Any]:
    data: dict[str, Any] = _jsonable(asdict(figures))
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def figures_from_json(data: dict[str, Any]) -> Figures:
    def dec(v: Any) -> Decimal:
        return Decimal(str(v))

    def when(v: Any) -> datetime | None:
        return datetime.fromisoformat(v) if v else None

    def sales(d: dict[str, Any]) -> SalesFigures:
        return SalesFigures(
            count=int(d["count"]),
            total=dec(d["total"]),
            tax=dec(d["tax"]),
            discounts=dec(d["discounts"]),
            rounding=dec(d["rounding"]),
        )

    opened = when(data["opened_at"])
    assert opened is not None
    return Figures(
        session_id=data["session_id"],
        register_id=data["register_id"],
        sequence=int(data["sequence"]),
        opened_at=opened,
        closed_at=when(data.get("closed_at")),
        opening_float=dec(data["opening_float"]),
        sales=sales(data["sales"]),
        returns=sales(data["returns"]),
        taxes=[
            TaxFigure(
                name=t["name"],
                rate=dec(t["rate"]),
                net=dec(t["net"]),
                tax=dec(t["tax"]),
                gross=dec(t["gross"]),
            )
            for t in data["taxes"]
        ],
        payments=[
            PaymentFigure(
                payment_type_id=p["payment_type_id"],
                name=p["name"],
                type_id=int(p["type_id"]),
                provider=p.get("provider"),
                count=int(p["count"]),
                taken=dec(p["taken"]),
                refunded=dec(p["refunded"]),
                expected=dec(p["expected"]),
                counted_from=p.get("counted_from"),
                provider_total=(
                    dec(p["provider_total"]) if p.get("provider_total") is not None else None
                ),
            )
            for p in data["payments"]
        ],
        movements=[
            MovementFigure(kind=m["kind"], count=int(m["count"]), total=dec(m["total"]))
            for m in data["movements"]
        ],
        cash_expected=dec(data["cash_expected"]),
        parked_sales=int(data["parked_sales"]),
        currency=data.get("currency", "EUR"),
        warnings=list(data.get("warnings", [])),
    )
