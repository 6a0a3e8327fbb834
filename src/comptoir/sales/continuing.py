"""A parked sale continued: the register sends it again with its id, at any register of the
outlet; it keeps its id, number and lines as sent, and takes the status asked for.

Two registers continuing the same parked sale at once: the row is locked and the version the
register read is compared, so exactly one wins and the other gets a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import records as fiscal
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import move_stock
from comptoir.payments.usage import use_terminal_payments
from comptoir.sales.account import CustomerLedger, charge_account
from comptoir.sales.approvals import use_approval
from comptoir.sales.inputs import STATE_OF_STATUS, SaleInput, SaleRights
from comptoir.sales.lifecycle import (
    COMPLETED,
    NEEDS_CUSTOMER,
    ONACCOUNT,
    PARTLY_PAID,
    SAVED,
    STOCK_OUT,
    VOIDED,
    check_transition,
    settled_status,
)
from comptoir.sales.lookup import FindCustomer, SaleContext, look_up_sale
from comptoir.sales.models import Sale
from comptoir.sales.pricing import PricedSale, price_sale
from comptoir.sales.recording import _sale_line, _sale_payments, queue_receipt, stock_sold
from comptoir.sales.store_credit import CreditLedger, move_credit_tenders
from comptoir.store import service as store


class SaleChanged(Conflict):
    def __init__(self, *, sale: Sale, read_version: int | None) -> None:
        super().__init__(
            "this sale was changed or continued elsewhere (another register): reload it",
            sale_id=str(sale.id),
            status=sale.status,
            version=sale.version,
            read_version=read_version,
        )


def price_for_status(
    *, sale: SaleInput, context: SaleContext, rights: SaleRights
) -> tuple[PricedSale, str]:
    """The sale priced, and the status it is recorded with: a layby or on-account sale
    paid in full is closed; a parked sale takes no payments."""
    wanted = sale.wanted_status
    if wanted == SAVED and sale.payments:
        raise InvalidInput(
            "a parked sale or a quote takes no payments", field="register_sale_payments"
        )
    priced = price_sale(
        sale=sale,
        context=context,
        rights=rights,
        partial=wanted in PARTLY_PAID,
    )
    paid = sum((amount for _, amount in priced.payments), start=priced.totals.gross * 0)
    return priced, settled_status(wanted=wanted, total=priced.totals.gross, paid=paid)


def charge_unpaid(
    uow: UnitOfWork, *, ledger: CustomerLedger, rights: SaleRights
) -> Callable[[Sale], None]:
    """What an on-account sale adds to its customer's balance: its unpaid amount."""

    def charge(record: Sale) -> None:
        if record.status != ONACCOUNT or record.customer_id is None:
            return
        charge_account(
            uow.session,
            ledger=ledger,
            customer_id=record.customer_id,
            sale_id=record.id,
            amount=record.total_price_incl - record.total_payment,
            user_id=record.user_id,
            may_exceed_limit=rights.exceed_account_limit,
        )

    return charge


def continue_sale(
    uow: UnitOfWork,
    *,
    sale: SaleInput,
    user_id: uuid.UUID,
    find_customer: FindCustomer,
    rights: SaleRights,
    ledger: CustomerLedger,
    credit: CreditLedger | None = None,
) -> tuple[Sale, bool]:
    """Replace a parked sale's lines and payments with those sent and give it the status
    asked for (VOIDED voids it). Returns the sale and True; a sale already moved on since
    the version the register read is a 409; without a version, a sale already in the
    status asked for is an idempotent replay (False)."""
    assert sale.id is not None
    wanted = sale.wanted_status
    context = None
    if wanted != VOIDED:
        context = look_up_sale(uow.reader, sale=sale, user_id=user_id, find_customer=find_customer)
    session = uow.session
    record = session.scalars(select(Sale).where(Sale.id == sale.id).with_for_update()).one()
    session.refresh(record)
    if sale.version is not None and sale.version != record.version:
        raise SaleChanged(sale=record, read_version=sale.version)
    if record.status != SAVED:
        if record.status == wanted:
            return record, False
        raise SaleChanged(sale=record, read_version=sale.version)
    check_transition(current=record.status, wanted=wanted)
    if wanted == VOIDED:
        record.status, record.state = VOIDED, STATE_OF_STATUS[VOIDED]
        enqueue(uow, topic="sale.update", payload={"sale_id": str(record.id)})
        uow.commit()
        return record, True
    assert context is not None
    if context.register.outlet_id != record.outlet_id:
        raise InvalidInput(
            "a parked sale continues at a register of its outlet", field="register_id"
        )
    priced, status = price_for_status(sale=sale, context=context, rights=rights)
    if status in NEEDS_CUSTOMER and sale.customer_id is None:
        raise InvalidInput(f"a {status} sale needs a customer", field="customer_id")
    _replace_contents(record, sale=sale, context=context, priced=priced, status=status)
    if status != SAVED:
        # Completed (or paid into) now: it counts in this register's open session.
        record.register_session_id = store.lock_open_session(
            session, register_id=context.register.id
        )
        for payment in record.payments:
            payment.register_session_id = record.register_session_id
    session.flush()
    use_terminal_payments(
        session,
        sale_id=record.id,
        payments=record.payments,
        terminal_payment_ids=[p.terminal_payment_id for p in sale.payments],
        types=context.payment_types,
    )
    if priced.approval_id is not None:
        use_approval(session, approval_id=priced.approval_id, now=utcnow())
    # A parked sale holds no payments: every store credit tender here is new.
    move_credit_tenders(session, sale=record, ledger=credit)
    if status in STOCK_OUT:
        move_stock(
            session,
            changes=stock_sold(record.lines, context.products, outlet_id=record.outlet_id),
            kind=MovementKind.SALE,
            source_id=record.id,
            user_id=record.user_id,
        )
    charge_unpaid(uow, ledger=ledger, rights=rights)(record)
    fiscal.record_sale(session, sale=record, register=context.register)
    enqueue(uow, topic="sale.update", payload={"sale_id": str(record.id)})
    if status in COMPLETED:
        queue_receipt(uow, sale=record, register=context.register)
    uow.commit()
    return record, True


def _replace_contents(
    record: Sale, *, sale: SaleInput, context: SaleContext, priced: PricedSale, status: str
) -> None:
    now = utcnow()
    # The sale keeps the register (and number) it was parked at; its payments name the
    # register that took them.
    record.user_id = context.seller_id
    record.customer_id = sale.customer_id
    record.note = sale.note
    record.status, record.state = status, STATE_OF_STATUS[status]
    record.is_quote = sale.is_quote if status == SAVED else False
    record.quote_expires_at = sale.quote_expires_at if record.is_quote else None
    record.total_price = priced.totals.net
    record.total_tax = priced.totals.tax
    record.total_price_incl = priced.totals.gross
    record.total_cost = priced.total_cost
    record.total_payment = sum(
        (amount for _, amount in priced.payments), start=0 * priced.totals.gross
    )
    if status != SAVED:
        record.sale_date = sale.sale_date or now
    record.total_discount = priced.total_discount
    record.rounding_adjustment = priced.rounding_adjustment
    record.lines = [
        _sale_line(record.id, index, line, seller_id=context.seller_id)
        for index, line in enumerate(priced.lines)
    ]

    record.payments = _sale_payments(priced.payments, register_id=context.register.id, paid_at=now)
