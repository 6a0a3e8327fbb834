"""What a recorded sale shows: its tax by rate (receipt page and API alike) and its receipt."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.core.money import ZERO
from comptoir.core.tax import TaxComponent, summarise_by_rate
from comptoir.sales.discounts import discount_shown
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.sales.service import get_sale
from comptoir.store import service as store
from comptoir.store.models import Outlet, Register, Retailer


def line_components(line: SaleLine) -> tuple[TaxComponent, ...]:
    """The tax of a line by rate, as it was recorded (a snapshot, DESIGN.md rule 2)."""
    return tuple(
        TaxComponent(
            rate_id=c["rate_id"],
            name=c["name"],
            rate=Decimal(c["rate"]),
            amount=Decimal(c["total_tax"]),
        )
        for c in line.tax_components
    )


def tax_by_rate(sale: Sale) -> tuple[TaxComponent, ...]:
    """The sale's tax by rate, in the order the rates first appear on its lines."""
    return summarise_by_rate(c for line in sale.lines for c in line_components(line))


@dataclass(frozen=True, kw_only=True)
class Receipt:
    sale: Sale
    register: Register
    outlet: Outlet
    seller: User
    retailer: Retailer
    taxes: tuple[TaxComponent, ...]
    tendered: tuple[SalePayment, ...]
    change: Decimal
    # Each line's discount in the store's mode, by line id, and their sum (`discounts.py`).
    discounts: dict[uuid.UUID, Decimal]
    total_discount: Decimal


def _seller(session: Session, sale: Sale) -> User:
    # Users are deactivated or soft-deleted, never erased: a receipt names its seller still.
    seller = session.get(User, sale.user_id)
    assert seller is not None, "sale.user_id is a foreign key"
    return seller


def receipt_of(session: Session, *, sale_id: uuid.UUID) -> Receipt:
    sale = get_sale(session, sale_id=sale_id)
    register = store.get_register(session, register_id=sale.register_id)
    discounts = {
        line.id: discount_shown(
            list_price=line.list_price,
            tax_rate=line.tax_rate,
            quantity=line.quantity,
            sold=line.price_total if sale.tax_exclusive else line.total,
            tax_exclusive=sale.tax_exclusive,
            currency=sale.currency,
        )
        for line in sale.lines
    }
    return Receipt(
        sale=sale,
        register=register,
        outlet=register.outlet,
        seller=_seller(session, sale),
        retailer=store.get_retailer(session),
        taxes=tax_by_rate(sale),
        tendered=tuple(p for p in sale.payments if p.amount > 0),
        # Change handed back is recorded as a negative cash payment.
        change=-sum((p.amount for p in sale.payments if p.amount < 0), ZERO),
        discounts=discounts,
        total_discount=sum(discounts.values(), ZERO),
    )
