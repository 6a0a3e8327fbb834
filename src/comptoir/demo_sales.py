"""Demo sales for `comptoir init --demo`, all on "Caisse 2" (invoice prefix MB-), so the
first sale a journey rings up on "Caisse 1" is still MA-1: a few closed sales, two parked
sales, a quote, a layby with a deposit and an on-account sale, with their two customers."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from comptoir.core.uow import UnitOfWork
from comptoir.customers import account
from comptoir.customers import service as customers
from comptoir.sales import service as sales
from comptoir.sales.inputs import SaleRights
from comptoir.store.models import PaymentKind, PaymentType, Register

# (status, product indexes and quantities, payments by kind, customer, note, quote)
_SALES: list[
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
    for status, lines, payments, customer, note, quote in _SALES:
        products_sold = [(products[i], q) for i, q in lines]
        total = sum((p.price_including_tax * q for p, q in products_sold), Decimal(0))
        sale = sales.SaleInput(
            id=uuid.uuid4(),
            register_id=register.id,
            status=status,
            customer_id=who[customer] if customer else None,
            note=note,
            is_quote=quote,
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
