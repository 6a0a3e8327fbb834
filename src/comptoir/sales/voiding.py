"""Voiding a sale (status VOIDED): nothing is deleted, what it did is undone.

A parked or open sale (layby, on account) may be voided by its cashier; a completed one needs
`sales:void`. Its stock comes back (the opposite of its own stock movements), its payments are
refunded as negative payments of the same types (a cancelled layby by the store's rule:
tenders, store credit or none), what it put on the customer's account is taken off. A sale
that has returns cannot be voided.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, NotFound, PermissionDenied
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.models import InventoryMovement, MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.payments.refunds import queue_card_refunds
from comptoir.sales.account import CustomerLedger
from comptoir.sales.inputs import STATE_OF_STATUS
from comptoir.sales.lifecycle import COMPLETED, LAYBY, SAVED, VOIDED, check_transition
from comptoir.sales.models import Sale, SalePayment
from comptoir.store import service as store


class SaleHasReturns(Conflict):
    def __init__(self, *, sale_id: uuid.UUID) -> None:
        super().__init__(
            "this sale has returns: it cannot be voided (return what is left instead)",
            sale_id=str(sale_id),
        )


class ReturnNotVoidable(Conflict):
    def __init__(self, *, sale_id: uuid.UUID) -> None:
        # Voiding a return would have to give back the original lines' returned quantities
        # and its store credit: until then, a return is undone by selling the items again.
        super().__init__(
            "a return or an exchange cannot be voided (sell the items again instead)",
            sale_id=str(sale_id),
        )


class VoidNotAllowed(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            "voiding a completed sale needs the sales:void permission (a manager)",
            permission="sales:void",
        )


def void_sale(
    uow: UnitOfWork,
    *,
    sale_id: uuid.UUID,
    user_id: uuid.UUID,
    may_void_completed: bool,
    ledger: CustomerLedger,
) -> Sale:
    """Void the sale; voiding a voided sale again changes nothing."""
    session = uow.session
    record = session.scalars(select(Sale).where(Sale.id == sale_id).with_for_update()).first()
    if record is None or record.deleted_at is not None:
        raise NotFound("sale not found", sale_id=str(sale_id))
    session.refresh(record)
    if record.status == VOIDED:
        return record
    if session.scalar(select(Sale.id).where(Sale.return_for == sale_id).limit(1)) is not None:
        raise SaleHasReturns(sale_id=sale_id)
    if record.return_for is not None:
        raise ReturnNotVoidable(sale_id=sale_id)
    check_transition(current=record.status, wanted=VOIDED)
    if record.status in COMPLETED and not may_void_completed:
        raise VoidNotAllowed()
    if record.status != SAVED:
        _give_stock_back(uow, record=record, user_id=user_id)
        _refund_payments(uow, record=record, user_id=user_id, ledger=ledger)
        uow.session.flush()
        # Card payments taken on a terminal go back to the card after the commit.
        queue_card_refunds(uow, sale=record, original=record)
        _clear_account(uow, record=record, user_id=user_id, ledger=ledger)
    record.status, record.state = VOIDED, STATE_OF_STATUS[VOIDED]
    enqueue(uow, topic="sale.update", payload={"sale_id": str(record.id)})
    uow.commit()
    return record


def _give_stock_back(uow: UnitOfWork, *, record: Sale, user_id: uuid.UUID) -> None:
    moved = uow.session.scalars(
        select(InventoryMovement).where(InventoryMovement.source_id == record.id)
    ).all()
    net: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = defaultdict(Decimal)
    costs: dict[tuple[uuid.UUID, uuid.UUID], Decimal | None] = {}
    for movement in moved:
        key = (movement.product_id, movement.outlet_id)
        net[key] += movement.quantity
        costs.setdefault(key, movement.unit_cost)
    move_stock(
        uow.session,
        changes=[
            StockChange(product_id, outlet_id, -quantity, unit_cost=costs[(product_id, outlet_id)])
            for (product_id, outlet_id), quantity in net.items()
            if quantity != 0
        ],
        kind=MovementKind.VOID,
        source_id=record.id,
        user_id=user_id,
    )


def _refund_payments(
    uow: UnitOfWork, *, record: Sale, user_id: uuid.UUID, ledger: CustomerLedger
) -> None:
    paid: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    kinds: dict[uuid.UUID, SalePayment] = {}
    for payment in record.payments:
        paid[payment.payment_type_id] += payment.amount
        kinds.setdefault(payment.payment_type_id, payment)
    total = sum(paid.values(), Decimal(0))
    if total <= 0:
        return
    if record.status == LAYBY:
        rule = store.get_retailer(uow.session).layby_cancel_refund
        if rule == "none":
            return
        if rule == "store_credit" and record.customer_id is not None:
            ledger.issue_store_credit(
                uow.session,
                customer_id=record.customer_id,
                sale_id=record.id,
                amount=total,
                user_id=user_id,
                client_id=f"void:{record.id}",
            )
            return
    now = utcnow()
    position = len(record.payments)
    for payment_type_id, amount in paid.items():
        if amount <= 0:
            continue
        first = kinds[payment_type_id]
        record.payments.append(
            SalePayment(
                id=uuid.uuid4(),
                position=position,
                register_id=record.register_id,
                payment_type_id=payment_type_id,
                type_id=first.type_id,
                name=f"{first.name} (refund)",
                amount=-amount,
                payment_date=now,
            )
        )
        position += 1
    record.total_payment = sum((p.amount for p in record.payments), Decimal(0))


def _clear_account(
    uow: UnitOfWork, *, record: Sale, user_id: uuid.UUID, ledger: CustomerLedger
) -> None:
    if record.customer_id is None:
        return
    owed = ledger.sale_account_total(uow.session, sale_id=record.id)
    if owed != 0:
        ledger.move_account(
            uow.session,
            customer_id=record.customer_id,
            sale_id=record.id,
            amount=-owed,
            kind="VOID",
            user_id=user_id,
            client_id=f"void:{record.id}",
        )
