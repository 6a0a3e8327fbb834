"""Recording a sale, step 3: write it, all at once and last.

The register's next invoice number, the sale with its lines and payments, the stock it
moves (through inventory's ledger) and its outbox message go into one transaction: a retry,
a crash or a kill -9 leaves either the whole sale or nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import records as fiscal
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.payments.usage import use_terminal_payments
from comptoir.printing.jobs import queue_sale_documents
from comptoir.sales.approvals import use_approval
from comptoir.sales.inputs import CLOSED, STATE_OF_STATUS, STATUS_OF_STATE, SaleInput
from comptoir.sales.lifecycle import COMPLETED, STOCK_OUT
from comptoir.sales.lookup import SaleContext
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.sales.pricing import PricedLine, PricedSale
from comptoir.sales.store_credit import CreditLedger, move_credit_tenders
from comptoir.store import service as store
from comptoir.store.models import PaymentType, Register


def write_sale(
    uow: UnitOfWork,
    *,
    sale_id: uuid.UUID,
    sale: SaleInput,
    context: SaleContext,
    priced: PricedSale,
    status: str = "CLOSED",
    on_written: Callable[[Sale], None] | None = None,
    credit: CreditLedger | None = None,
) -> Sale:
    """Number the sale, store it with its lines and payments, move its stock (unless it is
    parked) and any store credit it spends (`credit`: customers' ledger; without it, no store
    credit tender); `on_written` adds the status's other writes (an account charge); commit."""
    session = uow.session
    now = utcnow()
    record = _new_sale(sale_id, sale=sale, context=context, priced=priced, now=now)
    record.status, record.state = status, STATE_OF_STATUS[status]
    record.is_quote = sale.is_quote
    record.quote_expires_at = sale.quote_expires_at
    # Taken in the sale's own transaction: a sale that fails gives its number back.
    numbered = store.take_invoice_number(session, register=context.register)
    record.invoice_sequence, record.invoice_number = numbered.sequence, numbered.number
    record.register_session_id = numbered.register_session_id
    for payment in record.payments:
        payment.register_session_id = numbered.register_session_id
    session.add(record)
    session.flush()
    use_terminal_payments(
        session,
        sale_id=sale_id,
        payments=record.payments,
        terminal_payment_ids=[p.terminal_payment_id for p in sale.payments],
        types=context.payment_types,
    )
    if priced.approval_id is not None:
        # After the sale's row: a concurrent retry of this sale fails on its id (and is
        # answered as a replay), not on the approval its twin just used.
        use_approval(session, approval_id=priced.approval_id, now=now)
    if status in STOCK_OUT:
        move_stock(
            session,
            changes=stock_sold(record.lines, context.products, outlet_id=record.outlet_id),
            kind=MovementKind.SALE,
            source_id=sale_id,
            user_id=record.user_id,
        )
    if on_written is not None:
        on_written(record)
    move_credit_tenders(session, sale=record, ledger=credit)
    fiscal.record_sale(session, sale=record, register=context.register)
    enqueue(uow, topic="sale.update", payload={"sale_id": str(sale_id)})
    if status in COMPLETED:
        queue_receipt(uow, sale=record, register=context.register)
    uow.commit()
    return record


def queue_receipt(uow: UnitOfWork, *, sale: Sale, register: Register) -> None:
    """The completed sale's receipt: its print job and its email, when the register and the
    store want them (`printing.jobs`: nothing is written otherwise)."""
    queue_sale_documents(
        uow,
        sale_id=str(sale.id),
        register=register,
        customer_id=str(sale.customer_id) if sale.customer_id else None,
        retailer=store.get_retailer(uow.session) if sale.customer_id else None,
    )


def _new_sale(
    sale_id: uuid.UUID, *, sale: SaleInput, context: SaleContext, priced: PricedSale, now: datetime
) -> Sale:
    register = context.register
    return Sale(
        id=sale_id,
        outlet_id=register.outlet_id,
        register_id=register.id,
        user_id=context.seller_id,
        customer_id=sale.customer_id,
        source=sale.source or "USER",
        source_id=sale.source_id,
        state=CLOSED,
        status=STATUS_OF_STATE[CLOSED],
        note=sale.note,
        currency=context.currency,
        tax_exclusive=context.tax_exclusive,
        total_price=priced.totals.net,
        total_tax=priced.totals.tax,
        total_price_incl=priced.totals.gross,
        total_cost=priced.total_cost,
        total_payment=sum((amount for _, amount in priced.payments), Decimal(0)),
        total_discount=priced.total_discount,
        rounding_adjustment=priced.rounding_adjustment,
        sale_date=sale.sale_date or now,
        lines=[
            _sale_line(sale_id, index, line, seller_id=context.seller_id)
            for index, line in enumerate(priced.lines)
        ],
        payments=_sale_payments(priced.payments, register_id=register.id, paid_at=now),
    )


def _sale_line(
    sale_id: uuid.UUID, index: int, priced: PricedLine, *, seller_id: uuid.UUID
) -> SaleLine:
    """The line as sold: a snapshot that later catalog changes leave alone."""
    line, product, tax, amounts = priced.line, priced.product, priced.tax, priced.amounts
    return SaleLine(
        id=uuid.uuid4(),
        sale_id=sale_id,
        sequence=line.sequence if line.sequence is not None else index,
        product_id=product.id,
        name=product.variant_name,
        sku=product.sku,
        handle=product.handle,
        quantity=line.quantity,
        price=amounts.unit_price_excluding_tax,
        price_including_tax=amounts.unit_price_including_tax,
        tax=amounts.unit_tax,
        tax_id=tax.id if tax else None,
        tax_name=tax.name if tax else "No Tax",
        tax_rate=tax.total_rate if tax else Decimal(0),
        tax_components=[
            {"rate_id": c.rate_id, "name": c.name, "rate": str(c.rate), "total_tax": str(c.amount)}
            for c in amounts.components
        ],
        price_total=amounts.net,
        tax_total=amounts.tax,
        total=amounts.gross,
        cost=product.supply_price,
        cost_total=priced.cost_total,
        note=line.note,
        list_price=(priced.list_amounts.unit_price_excluding_tax if priced.list_amounts else None),
        discount=priced.unit_discount,
        discount_total=priced.discount_total,
        discount_percent=priced.discount_percent or None,
        discount_by=seller_id if priced.discount_total else None,
        discount_approved_by=priced.approved_by,
        price_set=priced.price_set,
    )


def _sale_payments(
    payments: Sequence[tuple[PaymentType, Decimal]], *, register_id: uuid.UUID, paid_at: datetime
) -> list[SalePayment]:
    return [
        SalePayment(
            id=uuid.uuid4(),
            position=position,
            register_id=register_id,
            payment_type_id=payment_type.id,
            type_id=payment_type.type_id,
            name=payment_type.name if amount > 0 else f"{payment_type.name} (change)",
            amount=amount,
            payment_date=paid_at,
        )
        for position, (payment_type, amount) in enumerate(payments)
    ]


def stock_sold(
    lines: Sequence[SaleLine], products: Mapping[uuid.UUID, Product], *, outlet_id: uuid.UUID
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
