"""Recording a sale from a register: price it, number it, move stock, take payments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, noload

from comptoir.accounts import users
from comptoir.accounts.models import User
from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.money import ZERO, round_money
from comptoir.core.outbox import enqueue
from comptoir.core.paging import Page, page_by_version
from comptoir.core.tax import LineAmounts, price_line, total_sale
from comptoir.core.uow import UnitOfWork
from comptoir.customers.models import Customer
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.sales.errors import (
    ChangeWithoutCash,
    OutletNotAllowed,
    PaymentShortfall,
    UnknownPaymentTypes,
    UnknownProducts,
)
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.store import service as store
from comptoir.store.models import PaymentKind, PaymentType, Tax

# X-Series `state` and the deprecated `status` that goes with it.
CLOSED = "closed"
STATUS_OF_STATE = {"closed": "CLOSED", "parked": "SAVED", "pending": "SAVED", "voided": "VOIDED"}
STATE_OF_STATUS = {"CLOSED": "closed", "SAVED": "parked", "VOIDED": "voided"}


@dataclass(frozen=True, kw_only=True)
class LineInput:
    product_id: uuid.UUID
    quantity: Decimal
    # Unit price excluding tax, as X-Series sends it; the catalog price when absent.
    price: Decimal | None = None
    # Unit tax the client computed; with `price` it pins the tax-inclusive price exactly.
    tax: Decimal | None = None
    tax_id: uuid.UUID | None = None
    sequence: int | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentInput:
    payment_type_id: uuid.UUID
    amount: Decimal
    payment_date: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SaleInput:
    register_id: uuid.UUID
    state: str = CLOSED
    id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    note: str | None = None
    sale_date: datetime | None = None
    source: str | None = None
    source_id: str | None = None
    lines: Sequence[LineInput] = field(default_factory=tuple)
    payments: Sequence[PaymentInput] = field(default_factory=tuple)


def resolve_state(*, state: str | None, status: str | None) -> str:
    if state is None and status is None:
        raise InvalidInput("a sale needs a state (closed)", field="state")
    if state is None:
        assert status is not None
        resolved = STATE_OF_STATUS.get(status.upper())
        if resolved is None:
            raise InvalidInput(f"unsupported sale status: {status}", field="status")
        return resolved
    if state not in STATUS_OF_STATE:
        raise InvalidInput(f"unknown sale state: {state}", field="state")
    return state


def _check_lines(lines: Sequence[LineInput]) -> None:
    if not lines:
        raise InvalidInput("a sale needs at least one line", field="register_sale_products")
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise InvalidInput(
                "quantities must be positive (returns are not supported yet)",
                field=f"register_sale_products[{index}].quantity",
            )
        if line.price is not None and line.price < 0:
            raise InvalidInput(
                "a unit price cannot be negative", field=f"register_sale_products[{index}].price"
            )


def _load_taxes(session: Session, tax_ids: set[uuid.UUID]) -> dict[uuid.UUID, Tax]:
    if not tax_ids:
        return {}
    rows = session.scalars(
        select(Tax)
        .options(joinedload(Tax.rates))
        .where(Tax.id.in_(tax_ids), Tax.deleted_at.is_(None))
    ).unique()
    return {t.id: t for t in rows}


def _price(
    line: LineInput, product: Product, tax: Tax | None, *, tax_exclusive: bool, currency: str
) -> LineAmounts:
    rates = store.rates_of(tax)
    if line.price is None:
        unit = product.price_excluding_tax if tax_exclusive else product.price_including_tax
    elif tax_exclusive:
        unit = line.price
    elif line.tax is not None:
        unit = line.price + line.tax
    else:
        unit = price_line(
            unit_price=line.price,
            quantity=Decimal(1),
            rates=rates,
            tax_inclusive=False,
            currency=currency,
        ).unit_price_including_tax
    return price_line(
        unit_price=unit,
        quantity=line.quantity,
        rates=rates,
        tax_inclusive=not tax_exclusive,
        currency=currency,
    )


def _settle_payments(
    payments: Sequence[PaymentInput],
    types: dict[uuid.UUID, PaymentType],
    *,
    total: Decimal,
    currency: str,
) -> list[tuple[PaymentType, Decimal]]:
    """The payments to record: what was tendered, then any change handed back in cash."""
    settled: list[tuple[PaymentType, Decimal]] = []
    for index, payment in enumerate(payments):
        if payment.amount <= 0:
            raise InvalidInput(
                "payment amounts must be positive",
                field=f"register_sale_payments[{index}].amount",
            )
        if round_money(payment.amount, currency=currency) != payment.amount:
            raise InvalidInput(
                f"payment amounts have at most the currency's decimal places ({currency})",
                field=f"register_sale_payments[{index}].amount",
            )
        settled.append((types[payment.payment_type_id], payment.amount))
    paid = sum((amount for _, amount in settled), ZERO)
    if paid < total:
        raise PaymentShortfall(total=total, paid=paid)
    excess = paid - total
    if excess > 0:
        cash = [(t, a) for t, a in settled if t.type_id == PaymentKind.CASH]
        tendered = sum((a for _, a in cash), ZERO)
        if tendered < excess:
            raise ChangeWithoutCash(excess=excess, cash=tendered)
        settled.append((cash[-1][0], -excess))
    return settled


def record_sale(uow: UnitOfWork, *, sale: SaleInput, user_id: uuid.UUID) -> tuple[Sale, bool]:
    """Record a closed sale. Returns the sale and whether this call created it.

    A sale sent again with the same id returns the first one and changes nothing; the
    primary key, not the lookup, is what guarantees it under concurrency.
    """
    if sale.id is not None:
        existing = uow.reader.get(Sale, sale.id)
        if existing is not None:
            return existing, False
    try:
        created = _record_new_sale(uow, sale=sale, user_id=user_id)
    except IntegrityError:
        uow.rollback()
        # A fresh transaction: the reader's snapshot may predate the winner's commit.
        existing = uow.session.get(Sale, sale.id) if sale.id is not None else None
        if existing is None:
            raise
        return existing, False
    return created, True


def stock_sold(
    lines: Sequence[SaleLine], products: dict[uuid.UUID, Product], *, outlet_id: uuid.UUID
) -> list[StockChange]:
    """What leaves the shelves: each tracked product sold, and for a composite, its tracked
    components times the quantity sold (the composite itself holds no stock)."""
    changes: list[StockChange] = []
    for line in lines:
        product = products[line.product_id]
        if product.is_composite:
            changes.extend(
                StockChange(
                    part.component_id,
                    outlet_id,
                    -(part.quantity * line.quantity),
                    unit_cost=part.component.supply_price,
                )
                for part in product.components
                if part.component.has_inventory
            )
        elif product.has_inventory:
            changes.append(StockChange(product.id, outlet_id, -line.quantity, unit_cost=line.cost))
    return changes


def _record_new_sale(uow: UnitOfWork, *, sale: SaleInput, user_id: uuid.UUID) -> Sale:
    # Everything is looked up and priced first, outside the write lock; the writes come
    # last and together, so the lock (and the register's numbering) is held briefly.
    session = uow.reader
    if sale.state != CLOSED:
        raise InvalidInput(
            f"only closed sales can be recorded yet, not {sale.state!r}", field="state"
        )
    _check_lines(sale.lines)
    try:
        register = store.get_register(session, register_id=sale.register_id)
    except NotFound as exc:
        raise InvalidInput("unknown register", register_id=str(sale.register_id)) from exc
    retailer = store.get_retailer(session)
    currency = retailer.currency
    if sale.user_id is not None:
        seller = session.get(User, sale.user_id)
        if seller is None or seller.deleted_at is not None:
            raise InvalidInput("unknown user", user_id=str(sale.user_id))
    seller_id = sale.user_id or user_id
    if sale.customer_id is not None:
        customer = session.get(Customer, sale.customer_id)
        if customer is None or customer.deleted_at is not None:
            raise InvalidInput("unknown customer", field="customer_id")
    if not users.may_use_outlet(session, user_id=seller_id, outlet_id=register.outlet_id):
        raise OutletNotAllowed(user_id=seller_id, outlet_id=register.outlet_id)

    wanted = {line.product_id for line in sale.lines}
    products = {
        p.id: p
        for p in session.scalars(
            select(Product)
            .options(noload(Product.codes), noload(Product.tags))
            .where(Product.id.in_(wanted), Product.deleted_at.is_(None))
        )
    }
    missing = sorted(str(pid) for pid in wanted - products.keys())
    if missing:
        raise UnknownProducts(missing)

    fallback_tax_id = store.default_tax_id(retailer=retailer, outlet=register.outlet)
    outlet_id = register.outlet_id
    tax_ids = {
        line.tax_id or products[line.product_id].tax_id_at(outlet_id) or fallback_tax_id
        for line in sale.lines
    }
    taxes = _load_taxes(session, {t for t in tax_ids if t is not None})
    unknown_taxes = sorted(str(t) for t in tax_ids if t is not None and t not in taxes)
    if unknown_taxes:
        raise InvalidInput("unknown tax", tax_ids=unknown_taxes)

    type_ids = {p.payment_type_id for p in sale.payments}
    types = {
        t.id: t
        for t in session.scalars(
            select(PaymentType).where(
                PaymentType.id.in_(type_ids), PaymentType.deleted_at.is_(None)
            )
        )
    }
    unknown_types = sorted(str(t) for t in type_ids - types.keys())
    if unknown_types:
        raise UnknownPaymentTypes(unknown_types)

    sale_id = sale.id or uuid.uuid4()
    now = utcnow()
    lines: list[SaleLine] = []
    amounts: list[LineAmounts] = []
    for index, line in enumerate(sale.lines):
        product = products[line.product_id]
        tax_id = line.tax_id or product.tax_id_at(outlet_id) or fallback_tax_id
        tax = taxes.get(tax_id) if tax_id else None
        priced = _price(line, product, tax, tax_exclusive=retailer.tax_exclusive, currency=currency)
        amounts.append(priced)
        cost_total = round_money(product.supply_price * line.quantity, currency=currency)
        lines.append(
            SaleLine(
                id=uuid.uuid4(),
                sale_id=sale_id,
                sequence=line.sequence if line.sequence is not None else index,
                product_id=product.id,
                name=product.variant_name,
                sku=product.sku,
                handle=product.handle,
                quantity=line.quantity,
                price=priced.unit_price_excluding_tax,
                price_including_tax=priced.unit_price_including_tax,
                tax=priced.unit_tax,
                tax_id=tax.id if tax else None,
                tax_name=tax.name if tax else "No Tax",
                tax_rate=tax.total_rate if tax else ZERO,
                tax_components=[
                    {
                        "rate_id": c.rate_id,
                        "name": c.name,
                        "rate": str(c.rate),
                        "total_tax": str(c.amount),
                    }
                    for c in priced.components
                ],
                price_total=priced.net,
                tax_total=priced.tax,
                total=priced.gross,
                cost=product.supply_price,
                cost_total=cost_total,
                note=line.note,
            )
        )
    totals = total_sale(amounts)
    settled = _settle_payments(sale.payments, types, total=totals.gross, currency=currency)

    session = uow.session
    sequence, invoice_number = store.take_invoice_number(session, register=register)
    record = Sale(
        id=sale_id,
        outlet_id=register.outlet_id,
        register_id=register.id,
        user_id=seller_id,
        customer_id=sale.customer_id,
        invoice_number=invoice_number,
        invoice_sequence=sequence,
        source=sale.source or "USER",
        source_id=sale.source_id,
        state=CLOSED,
        status=STATUS_OF_STATE[CLOSED],
        note=sale.note,
        currency=currency,
        tax_exclusive=retailer.tax_exclusive,
        total_price=totals.net,
        total_tax=totals.tax,
        total_price_incl=totals.gross,
        total_cost=sum((line.cost_total for line in lines), ZERO),
        total_payment=sum((amount for _, amount in settled), ZERO),
        sale_date=sale.sale_date or now,
        lines=lines,
        payments=[
            SalePayment(
                id=uuid.uuid4(),
                position=position,
                register_id=register.id,
                payment_type_id=payment_type.id,
                type_id=payment_type.type_id,
                name=payment_type.name if amount > 0 else f"{payment_type.name} (change)",
                amount=amount,
                payment_date=now,
            )
            for position, (payment_type, amount) in enumerate(settled)
        ],
    )
    session.add(record)
    session.flush()
    move_stock(
        session,
        changes=stock_sold(lines, products, outlet_id=register.outlet_id),
        kind=MovementKind.SALE,
        source_id=sale_id,
        user_id=record.user_id,
    )
    enqueue(uow, topic="sale.update", payload={"sale_id": str(sale_id)})
    uow.commit()
    return record


def get_sale(session: Session, *, sale_id: uuid.UUID) -> Sale:
    sale = session.get(Sale, sale_id)
    if sale is None or sale.deleted_at is not None:
        raise NotFound("sale not found", sale_id=str(sale_id))
    return sale


def page_sales(
    session: Session, *, after: int | None, before: int | None, page_size: int
) -> Page[Sale]:
    return page_by_version(
        session, select(Sale), Sale.version, after=after, before=before, page_size=page_size
    )
