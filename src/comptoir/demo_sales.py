"""Demo sales for `comptoir init --demo`, all on "Caisse 2" (invoice prefix MB-), so the
first sale a journey rings up on "Caisse 1" is still MA-1: a few closed sales, two parked
sales, a quote, a layby with a deposit and an on-account sale, with their two customers.

Registers: yesterday's day on "Caisse 2" (150 € float, its closed sales, 20 € cash out,
closed with the cash 1 € short), then both registers open today with a 150 € float."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.uow import UnitOfWork
from comptoir.customers import account
from comptoir.customers import service as customers
from comptoir.registers import service as registers
from comptoir.registers.figures import compute_figures
from comptoir.sales import service as sales
from comptoir.sales.inputs import SaleRights
from comptoir.store.models import PaymentKind, PaymentType, Register

# (status, product indexes and quantities, payments by kind, customer, note, quote)
DEMO_SALES: list[
    tuple[str, list[tuple[int, int]], list[tuple[int, str]], str | None, str | None, bool]
] = [
    ("CLOSED", [(0, 2), (4, 1)], [(PaymentKind.CASH, "full")], None, None, False),
    ("CLOSED", [(12, 1)], [(PaymentKind.CARD_EXTERNAL, "full")], None, None, False),
    ("CLOSED", [(2, 1), (10, 2)], [(PaymentKind.CASH, "full")], "camille", None, False),
    ("SAVED", [(13, 1)], [], None, "Revient après le déjeuner", False),
    ("SAVED", [(19, 2), (23, 3)], [], None, "Attend la taille au-dessus", False),
    ("SAVED", [(25, 1), (26, 1)], [], "camille", "Devis pour la boutique", True),
    ("LAYBY", [(25, 1)], [(PaymentKind.CASH, "20.00")], "camille", "Mise de côté", False),
    ("ONACCOUNT", [(14, 1), (16, 2)], [], "louis", "Fin de mois", False),
]


def seed_demo_sales(uow: UnitOfWork) -> None:
    session = uow.session
    register = session.scalars(select(Register).where(Register.name == "Caisse 2")).first()
    owner = session.scalars(select(User).where(User.role == Role.OWNER)).first()
    if register is None or owner is None:
        return
    products = list(session.scalars(select(Product).order_by(Product.sku)))
    tenders = {t.type_id: t for t in session.scalars(select(PaymentType))}
    camille, _ = customers.create_customer(
        uow,
        values={"first_name": "Camille", "last_name": "Durand", "email": "camille@example.com"},
    )
    louis, _ = customers.create_customer(
        uow, values={"first_name": "Louis", "last_name": "Petitjean", "on_account_limit": "300"}
    )
    who = {"camille": camille.id, "louis": louis.id}
    yesterday = utcnow().replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=1)
    float_counts = {"20": 5, "10": 4, "5": 2}  # 150 €
    registers.open_register(
        uow, register_id=register.id, user_id=owner.id, counts=float_counts, opened_at=yesterday
    )
    for index, (status, lines, payments, customer, note, quote) in enumerate(DEMO_SALES):
        if index == _CLOSED_DAY_SALES:
            _close_yesterday(uow, register=register, owner=owner, tenders=tenders, when=yesterday)
            registers.open_register(
                uow, register_id=register.id, user_id=owner.id, counts=float_counts
            )
        products_sold = [(products[i], q) for i, q in lines]
        total = sum((p.price_including_tax * q for p, q in products_sold), Decimal(0))
        sale = sales.SaleInput(
            id=uuid.uuid4(),
            register_id=register.id,
            status=status,
            customer_id=who[customer] if customer else None,
            note=note,
            is_quote=quote,
            sale_date=yesterday + timedelta(hours=2 + index) if index < _CLOSED_DAY_SALES else None,
            recorded_offline=index < _CLOSED_DAY_SALES,
            lines=[sales.LineInput(product_id=p.id, quantity=Decimal(q)) for p, q in products_sold],
            payments=[
                sales.PaymentInput(
                    payment_type_id=tenders[kind].id,
                    amount=total if amount == "full" else Decimal(amount),
                )
                for kind, amount in payments
            ],
        )
        sales.record_sale(
            uow,
            sale=sale,
            user_id=owner.id,
            find_customer=customers.get_customer,
            rights=SaleRights(exceed_account_limit=True),
            ledger=account.LEDGER,
        )
    for till in session.scalars(select(Register).where(Register.open_session_id.is_(None))):
        registers.open_register(uow, register_id=till.id, user_id=owner.id, counts=float_counts)


# The first three sales are yesterday's, closed with their register.
_CLOSED_DAY_SALES = 3


def _close_yesterday(
    uow: UnitOfWork,
    *,
    register: Register,
    owner: User,
    tenders: dict[int, PaymentType],
    when: datetime,
) -> None:
    registers.record_cash_movement(
        uow,
        register_id=register.id,
        kind="CASH_OUT",
        amount=Decimal(20),
        note="Achat de café pour la boutique",
        user_id=owner.id,
        client_id=f"demo-cash-out-{register.id}",
    )
    current = registers.current_session(uow.session, register=register)
    assert current is not None
    retailer_currency = "EUR"
    figures = compute_figures(uow.session, register_session=current, currency=retailer_currency)
    cash = next(p for p in figures.payments if p.is_cash)
    card = tenders[PaymentKind.CARD_EXTERNAL]
    card_expected = next(p.expected for p in figures.payments if p.payment_type_id == str(card.id))
    registers.close_register(
        uow,
        register_id=register.id,
        user_id=owner.id,
        counts=[
            registers.CountInput(
                payment_type_id=uuid.UUID(cash.payment_type_id),
                counted=cash.expected - 1,
                note="Il manque 1 €",
            ),
            registers.CountInput(payment_type_id=card.id, counted=card_expected),
        ],
        closed_at=when + timedelta(hours=11),
    )
