"""Recording a sale, step 1: look up everything the sale names, before any write.

Reads go through `uow.reader`, outside SQLite's write lock, so the lock (and the register's
numbering) is held only for the writes. Whatever the sale names that does not exist is
refused here, before anything is priced or written.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, noload

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.sales import guards, sellers
from comptoir.sales.approvals import find_usable_approval
from comptoir.sales.discount_models import DiscountApproval
from comptoir.sales.errors import UnknownLineTax, UnknownPaymentTypes, UnknownProducts
from comptoir.sales.inputs import SaleInput, check_lines
from comptoir.sales.lifecycle import NEEDS_CUSTOMER
from comptoir.store import service as store
from comptoir.store.models import PaymentType, Register, Tax


class FindCustomer(Protocol):
    """Finds a live customer or raises NotFound: `customers.service.get_customer`.

    Sales does not import customers (customers reads sales for its figures, `history.py`),
    so whoever records a sale hands it this function."""

    def __call__(self, session: Session, *, customer_id: uuid.UUID) -> object: ...


@dataclass(frozen=True, kw_only=True)
class SaleContext:
    """What a sale needs from the database, loaded: pricing and writing read nothing more."""

    register: Register
    currency: str
    tax_exclusive: bool
    seller_id: uuid.UUID
    products: dict[uuid.UUID, Product]
    # The tax of each line, in the order of the lines (None: the line is not taxed).
    line_taxes: tuple[Tax | None, ...]
    # The tax each line has in the catalog at this outlet, whatever the register sent.
    catalog_tax_ids: tuple[uuid.UUID | None, ...]
    payment_types: dict[uuid.UUID, PaymentType]
    # Till settings (`discounts.py`, `pricing.cash_rounding`) and the approval the sale names.
    discount_limit: Decimal = Decimal(10)
    cash_rounding_increment: Decimal | None = None
    approval: DiscountApproval | None = None


def look_up_sale(
    session: Session, *, sale: SaleInput, user_id: uuid.UUID, find_customer: FindCustomer
) -> SaleContext:
    """Everything `sale` names, or the first reason it cannot be recorded. `user_id` is
    the user sending it (the one selling at the register)."""
    if sale.wanted_status in NEEDS_CUSTOMER and sale.customer_id is None:
        raise InvalidInput(f"a {sale.wanted_status} sale needs a customer", field="customer_id")
    check_lines(sale.lines)
    register = _find_register(session, register_id=sale.register_id)
    retailer = store.get_retailer(session)
    now = utcnow()
    guards.check_line_quantities(sale.lines, max_quantity=retailer.max_line_quantity)
    guards.check_sale_date(
        sale.sale_date,
        recorded_offline=sale.recorded_offline,
        max_age_hours=retailer.offline_sale_max_age_hours,
        now=now,
    )
    seller_id = sellers.find_seller(session, named_user_id=sale.user_id, acting_user_id=user_id)
    if sale.customer_id is not None:
        _check_customer(session, find_customer, customer_id=sale.customer_id)
    sellers.check_seller_at_outlet(session, seller_id=seller_id, outlet_id=register.outlet_id)
    products = _find_products(session, {line.product_id for line in sale.lines})
    fallback_tax_id = store.default_tax_id(retailer=retailer, outlet=register.outlet)
    catalog_tax_ids = tuple(
        products[line.product_id].tax_id_at(register.outlet_id) or fallback_tax_id
        for line in sale.lines
    )
    tax_ids = [
        line.tax_id or catalog_tax_id
        for line, catalog_tax_id in zip(sale.lines, catalog_tax_ids, strict=True)
    ]
    taxes = _find_taxes(session, {t for t in tax_ids if t is not None})
    _check_line_taxes(sale, tax_ids, taxes)
    return SaleContext(
        register=register,
        currency=retailer.currency,
        tax_exclusive=retailer.tax_exclusive,
        seller_id=seller_id,
        products=products,
        line_taxes=tuple(taxes[t] if t is not None else None for t in tax_ids),
        catalog_tax_ids=catalog_tax_ids,
        payment_types=_find_payment_types(session, {p.payment_type_id for p in sale.payments}),
        discount_limit=retailer.cashier_discount_limit,
        cash_rounding_increment=retailer.cash_rounding_increment,
        approval=(
            find_usable_approval(
                session, approval_id=sale.discount_approval_id, sale_id=sale.id, now=now
            )
            if sale.discount_approval_id is not None
            else None
        ),
    )


def _find_register(session: Session, *, register_id: uuid.UUID) -> Register:
    try:
        return store.get_register(session, register_id=register_id)
    except NotFound as exc:
        raise InvalidInput("unknown register", register_id=str(register_id)) from exc


def _check_customer(
    session: Session, find_customer: FindCustomer, *, customer_id: uuid.UUID
) -> None:
    try:
        find_customer(session, customer_id=customer_id)
    except NotFound as exc:
        raise InvalidInput("unknown customer", field="customer_id") from exc


def _find_products(session: Session, wanted: Collection[uuid.UUID]) -> dict[uuid.UUID, Product]:
    products = {
        p.id: p
        for p in session.scalars(
            select(Product)
            .options(noload(Product.codes), noload(Product.tags))
            .where(Product.id.in_(wanted), Product.deleted_at.is_(None))
        )
    }
    missing = sorted(str(pid) for pid in set(wanted) - products.keys())
    if missing:
        raise UnknownProducts(missing)
    return products


def _find_taxes(session: Session, tax_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Tax]:
    """The live taxes among `tax_ids` (the store's taxes: there is one store per database)."""
    if not tax_ids:
        return {}
    return {
        t.id: t
        for t in session.scalars(
            select(Tax)
            .options(joinedload(Tax.rates))
            .where(Tax.id.in_(tax_ids), Tax.deleted_at.is_(None))
        ).unique()
    }


def _check_line_taxes(
    sale: SaleInput, tax_ids: Sequence[uuid.UUID | None], taxes: Mapping[uuid.UUID, Tax]
) -> None:
    """A tax a line names must be one of the store's; so must a product's own tax."""
    for index, line in enumerate(sale.lines):
        if line.tax_id is not None and line.tax_id not in taxes:
            raise UnknownLineTax(index=index, tax_id=line.tax_id)
    unknown = sorted({str(t) for t in tax_ids if t is not None and t not in taxes})
    if unknown:
        raise InvalidInput("unknown tax", tax_ids=unknown)


def _find_payment_types(
    session: Session, type_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, PaymentType]:
    types = {
        t.id: t
        for t in session.scalars(
            select(PaymentType).where(
                PaymentType.id.in_(type_ids), PaymentType.deleted_at.is_(None)
            )
        )
    }
    unknown = sorted(str(t) for t in set(type_ids) - types.keys())
    if unknown:
        raise UnknownPaymentTypes(unknown)
    return types
