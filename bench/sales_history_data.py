"""A store with many sales for bench/sales_history.py: the demo store's outlets, registers,
products and payment types, then `count` sales over two years bulk-inserted through
SQLAlchemy Core (one line and one payment each), in the proportions a shop sees: mostly
closed, some parked, laybys, on account, voided, quotes and returns."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comptoir.accounts import service as accounts
from comptoir.accounts.models import User
from comptoir.catalog.models import Product
from comptoir.core.bulk import executemany
from comptoir.core.db import Database
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.setup import ensure_retailer, seed_demo_store
from comptoir.store.models import PaymentType, Register

START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 730
CHUNK = 10_000
CUSTOMERS = 20_000
# (status, state, share): the rest is CLOSED.
OTHER_STATUSES = (
    ("SAVED", "parked", 0.03),
    ("LAYBY", "pending", 0.02),
    ("ONACCOUNT", "pending", 0.02),
    ("VOIDED", "voided", 0.02),
)


@dataclass(frozen=True)
class Seeded:
    registers: list[Register]
    user_ids: list[uuid.UUID]
    customer_ids: list[uuid.UUID]
    # Invoice numbers of some sales, to look up.
    invoices: list[str]
    count: int


def _setup(db: Database) -> tuple[list[Register], list[uuid.UUID], list[Product], PaymentType]:
    with db.unit_of_work() as uow:
        ensure_retailer(uow)
    with db.unit_of_work() as uow:
        accounts.ensure_owner(uow, email="owner@example.com", password="bench-password-1")
    with db.unit_of_work() as uow:
        seed_demo_store(uow)
    with db.read_sessions() as session:
        registers = list(session.scalars(select(Register)))
        session.expunge_all()
        users = list(session.scalars(select(User.id)))
        products = list(session.scalars(select(Product).limit(20)))
        session.expunge_all()
        payment_type = session.scalars(select(PaymentType).limit(1)).one()
        session.expunge_all()
    return registers, users, products, payment_type


def _status(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    for status, state, share in OTHER_STATUSES:
        if roll < share:
            return status, state
        roll -= share
    return "CLOSED", "closed"


def seed_sales(db: Database, *, count: int, rng: random.Random) -> Seeded:
    """`count` sales in date order (invoice sequences increase with the date per register)."""
    registers, user_ids, products, payment_type = _setup(db)
    customer_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(CUSTOMERS)]
    with db.read_sessions() as session:
        first_version = (
            session.scalar(select(StoreCounter.value).where(StoreCounter.name == VERSION_COUNTER))
            or 0
        ) + 1
    step = timedelta(days=DAYS) / count
    sequences = {r.id: 0 for r in registers}
    closed: list[uuid.UUID] = []
    invoices: list[str] = []
    price = Decimal("10.00")
    for offset in range(0, count, CHUNK):
        sales: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        payments: list[dict[str, Any]] = []
        for n in range(offset, min(count, offset + CHUNK)):
            register = rng.choice(registers)
            sequences[register.id] += 1
            sale_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            when = START + step * n + timedelta(seconds=rng.random())
            status, state = _status(rng)
            is_return = bool(status == "CLOSED" and closed and rng.random() < 0.01)
            sign = -1 if is_return else 1
            invoice = f"{register.invoice_prefix}{sequences[register.id]}"
            product = rng.choice(products)
            sales.append(
                {
                    "id": sale_id,
                    "outlet_id": register.outlet_id,
                    "register_id": register.id,
                    "user_id": rng.choice(user_ids),
                    "customer_id": rng.choice(customer_ids) if rng.random() < 0.4 else None,
                    "invoice_number": invoice,
                    "invoice_sequence": sequences[register.id],
                    "source": "USER",
                    "state": state,
                    "status": status,
                    "currency": "EUR",
                    "tax_exclusive": False,
                    "total_price": sign * Decimal("8.33"),
                    "total_tax": sign * Decimal("1.67"),
                    "total_price_incl": sign * price,
                    "total_cost": sign * Decimal("4.00"),
                    "total_payment": sign * price,
                    "total_discount": Decimal(0),
                    "rounding_adjustment": Decimal(0),
                    "is_quote": status == "SAVED" and rng.random() < 0.3,
                    "return_for": rng.choice(closed[-5000:]) if is_return else None,
                    "sale_date": when,
                    "version": first_version + n,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            lines.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "sale_id": sale_id,
                    "sequence": 0,
                    "product_id": product.id,
                    "name": product.name,
                    "sku": product.sku,
                    "handle": product.handle,
                    "quantity": Decimal(sign),
                    "price": Decimal("8.33333"),
                    "price_including_tax": price,
                    "tax": Decimal("1.66667"),
                    "tax_name": "TVA 20 %",
                    "tax_rate": Decimal("0.2"),
                    "tax_components": [],
                    "price_total": sign * Decimal("8.33"),
                    "tax_total": sign * Decimal("1.67"),
                    "total": sign * price,
                    "cost": Decimal("4.00"),
                    "cost_total": sign * Decimal("4.00"),
                    "is_return": is_return,
                    "discount": Decimal(0),
                    "discount_total": Decimal(0),
                    "price_set": False,
                    "restock": True,
                    "returned_quantity": Decimal(0),
                }
            )
            payments.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "sale_id": sale_id,
                    "position": 0,
                    "register_id": register.id,
                    "payment_type_id": payment_type.id,
                    "type_id": payment_type.type_id,
                    "name": payment_type.name,
                    "amount": sign * price,
                    "payment_date": when,
                }
            )
            if status == "CLOSED" and not is_return:
                closed.append(sale_id)
            if rng.random() < 0.002:
                invoices.append(invoice)
        with db.write_sessions() as session, session.begin():
            _insert(session, sales, lines, payments)
    with db.write_sessions() as session, session.begin():
        session.execute(
            update(StoreCounter)
            .where(StoreCounter.name == VERSION_COUNTER)
            .values(value=first_version + count)
        )
    return Seeded(registers, user_ids, customer_ids, invoices, count)


def _insert(
    session: Session,
    sales: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    payments: list[dict[str, Any]],
) -> None:
    """The project's bulk path (COPY on PostgreSQL, the driver's executemany on SQLite)."""
    executemany(session, Sale.__table__, sales)
    executemany(session, SaleLine.__table__, lines)
    executemany(session, SalePayment.__table__, payments)
