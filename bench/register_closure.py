"""Closing a register: the close use case (figures, counts, closure stored) on a session
of 5,000 and of 50,000 sales.

    python bench/register_closure.py --backend sqlite|postgresql [--sizes 5000,50000]

It migrates a fresh database, seeds the demo store, then for each size opens "Caisse 1",
bulk-inserts that many sales into its session (SQLAlchemy Core, the project's bulk path:
two lines at two tax rates each, paid in cash with change, by card, or split; 2 % returns
refunded in cash; a few cash movements), refreshes the planner statistics and times
`registers.service.close_register` end to end (its commit included). Goals: 5,000 sales
<= 1 s, 50,000 sales <= 3 s. Prints the figures as JSON and exits 1 when a goal is missed.
"""

from __future__ import annotations

import json
import platform
import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from benchlib import analyze, database_bench_parser, open_signing_database, throwaway_database
from sqlalchemy import select, update

from comptoir.accounts import service as accounts
from comptoir.catalog.models import Product
from comptoir.core.bulk import executemany
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.versioning import allocate_versions
from comptoir.migrate import upgrade_database
from comptoir.registers import service as registers
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.setup import ensure_retailer, seed_demo_store
from comptoir.store.models import PaymentKind, PaymentType, Register

GOALS_S = {5_000: 1.0, 50_000: 3.0}
CHUNK = 10_000
TAXES = (
    ("TVA 20 %", Decimal("0.2"), Decimal("10.00")),
    ("TVA 5,5 %", Decimal("0.055"), Decimal("4.22")),
)


def _setup(db: Database) -> tuple[Register, uuid.UUID, dict[int, uuid.UUID], list[Any]]:
    with db.unit_of_work() as uow:
        ensure_retailer(uow)
    with db.unit_of_work() as uow:
        owner = accounts.ensure_owner(uow, email="owner@example.com", password="bench-pass-1")
    with db.unit_of_work() as uow:
        seed_demo_store(uow)
    with db.read_sessions() as session:
        register = session.scalars(select(Register).where(Register.name == "Caisse 1")).one()
        tenders = {p.type_id: p.id for p in session.scalars(select(PaymentType))}
        products = list(
            session.execute(select(Product.id, Product.name, Product.sku, Product.handle).limit(10))
        )
        session.expunge_all()
    return register, owner.id, tenders, products


def _sale_rows(
    n: int,
    *,
    session_id: uuid.UUID,
    register: Register,
    user_id: uuid.UUID,
    tenders: dict[int, uuid.UUID],
    products: list[Any],
    rng: random.Random,
    base_sequence: int,
    version: int,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    sale_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    when = utcnow() - timedelta(seconds=n)
    sign = -1 if rng.random() < 0.02 else 1
    lines = []
    for position, (name, rate, gross) in enumerate(TAXES):
        product = products[(n + position) % len(products)]
        net = (gross / (1 + rate)).quantize(Decimal("0.01"))
        lines.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "sale_id": sale_id,
                "sequence": position,
                "product_id": product[0],
                "name": product[1],
                "sku": product[2],
                "handle": product[3],
                "quantity": Decimal(sign),
                "price": net,
                "price_including_tax": gross,
                "tax": gross - net,
                "tax_name": name,
                "tax_rate": rate,
                "tax_components": [],
                "price_total": sign * net,
                "tax_total": sign * (gross - net),
                "total": sign * gross,
                "cost": Decimal(2),
                "cost_total": sign * Decimal(2),
                "is_return": sign < 0,
                "discount": Decimal(0),
                "discount_total": Decimal(0),
                "price_set": False,
                "restock": True,
                "returned_quantity": Decimal(0),
            }
        )
    total = sign * sum((t[2] for t in TAXES), Decimal(0))
    tax = sum((line["tax_total"] for line in lines), Decimal(0))
    roll = rng.random()
    if sign < 0 or roll < 0.5:
        paid = (
            [(PaymentKind.CASH, total)]
            if sign < 0
            else [(PaymentKind.CASH, Decimal(20)), (PaymentKind.CASH, total - 20)]
        )
    elif roll < 0.9:
        paid = [(PaymentKind.CARD_EXTERNAL, total)]
    else:
        paid = [(PaymentKind.CASH, Decimal(5)), (PaymentKind.CARD_EXTERNAL, total - 5)]
    payments = [
        {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "sale_id": sale_id,
            "position": position,
            "register_id": register.id,
            "payment_type_id": tenders[kind],
            "type_id": int(kind),
            "name": kind.name,
            "amount": amount,
            "payment_date": when,
            "register_session_id": session_id,
        }
        for position, (kind, amount) in enumerate(paid)
    ]
    sale = {
        "id": sale_id,
        "outlet_id": register.outlet_id,
        "register_id": register.id,
        "user_id": user_id,
        "invoice_number": f"B{base_sequence + n}",
        "invoice_sequence": base_sequence + n,
        "source": "USER",
        "state": "closed",
        "status": "CLOSED",
        "currency": "EUR",
        "tax_exclusive": False,
        "total_price": total - tax,
        "total_tax": tax,
        "total_price_incl": total,
        "total_cost": sign * Decimal(4),
        "total_payment": total,
        "total_discount": Decimal(0),
        "rounding_adjustment": Decimal(0),
        "is_quote": False,
        "sale_date": when,
        "version": version,
        "created_at": when,
        "updated_at": when,
        "register_session_id": session_id,
    }
    return sale, lines, payments


def seed_session(db: Database, *, size: int, setup: Any, rng: random.Random, base: int) -> None:
    """Open Caisse 1 and bulk-insert `size` sales into its session."""
    register, user_id, tenders, products = setup
    with db.unit_of_work() as uow:
        opened, _ = registers.open_register(
            uow, register_id=register.id, user_id=user_id, opening_float=Decimal(150)
        )
        session_id = opened.id
    with db.write_sessions() as session, session.begin():
        first_version = allocate_versions(session, size).start
    for offset in range(0, size, CHUNK):
        sales, lines, payments = [], [], []
        for n in range(offset, min(size, offset + CHUNK)):
            sale, sold, paid = _sale_rows(
                n,
                session_id=session_id,
                register=register,
                user_id=user_id,
                tenders=tenders,
                products=products,
                rng=rng,
                base_sequence=base,
                version=first_version + n,
            )
            sales.append(sale)
            lines += sold
            payments += paid
        with db.write_sessions() as session, session.begin():
            executemany(session, Sale.__table__, sales)
            executemany(session, SaleLine.__table__, lines)
            executemany(session, SalePayment.__table__, payments)
    for index, kind in enumerate(("CASH_OUT", "CASH_IN", "PETTY_CASH_OUT")):
        with db.unit_of_work() as uow:
            registers.record_cash_movement(
                uow,
                register_id=register.id,
                kind=kind,
                amount=Decimal(10 + index),
                note=None,
                user_id=user_id,
                client_id=f"bench-{base}-{index}",
            )
    with db.write_sessions() as session, session.begin():
        session.execute(
            update(Register)
            .where(Register.id == register.id)
            .values(invoice_sequence=base + size + 1)
        )


def time_close(db: Database, *, setup: Any) -> tuple[float, dict[str, Any]]:
    register, user_id, tenders, _products = setup
    started = time.perf_counter()
    with db.unit_of_work() as uow:
        closed, _ = registers.close_register(
            uow,
            register_id=register.id,
            user_id=user_id,
            counts=[
                registers.CountInput(
                    payment_type_id=tenders[PaymentKind.CASH], counted=Decimal(100)
                )
            ],
            client_id=uuid.uuid4().hex,
        )
        figures = dict(closed.closure_figures or {})
    return time.perf_counter() - started, figures


def run(url: str, *, sizes: list[int], seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        setup = _setup(db)
        with db.unit_of_work() as uow:  # the demo opened it: start from a closed register
            registers.close_register(uow, register_id=setup[0].id, user_id=setup[1], counts=[])
        results: dict[str, Any] = {}
        for index, size in enumerate(sizes):
            started = time.perf_counter()
            seed_session(db, size=size, setup=setup, rng=rng, base=(index + 1) * 10_000_000)
            analyze(db.writer)
            seeded = time.perf_counter() - started
            seconds, figures = time_close(db, setup=setup)
            assert figures["sales"]["count"] + figures["returns"]["count"] == size
            results[str(size)] = {
                "seed_seconds": round(seeded, 1),
                "close_seconds": round(seconds, 3),
                "goal_seconds": GOALS_S.get(size),
            }
        return results
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=11)
    parser.add_argument("--sizes", default="5000,50000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with throwaway_database(args.backend, prefix="comptoir-register-closure-bench-") as url:
        figures = run(url, sizes=sizes, seed=args.seed)
    met = {
        f"close_{size}_le_{goal}s": figures[str(size)]["close_seconds"] <= goal
        for size, goal in GOALS_S.items()
        if str(size) in figures
    }
    print(
        json.dumps(
            {
                "benchmark": "register_closure",
                "backend": args.backend,
                "python": platform.python_version(),
                "sessions": figures,
                "targets_met": met,
            },
            indent=2,
        )
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
