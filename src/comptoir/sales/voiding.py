"""Voiding a sale (status VOIDED): nothing is deleted, what it did is undone.

A parked or open sale (layby, on account) may be voided by its cashier; a completed one needs
`sales:void`. Its stock comes back (the opposite of its own stock movements), its payments are
reversed as payments of the same types and the opposite amounts (a cancelled layby by the
store's rule: tenders, store credit or none; store credit it spent is given back, store credit
it issued is taken back, refused when already spent), what it put on the customer's account is
taken off. A sale that has returns cannot be voided (void its returns first). Voiding a return
(or an exchange) gives its original's lines back their returned quantities, under the
original's lock, so they can be returned again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select, update

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, NotFound, PermissionDenied
from comptoir.core.i18n import N_
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import records as fiscal
from comptoir.inventory.models import InventoryMovement, MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.payments.models import TerminalRefund
from comptoir.payments.refunds import queue_card_refunds
from comptoir.sales.account import CustomerLedger
from comptoir.sales.inputs import STATE_OF_STATUS
from comptoir.sales.lifecycle import COMPLETED, LAYBY, SAVED, VOIDED, check_transition
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.store import service as store
from comptoir.store.models import PaymentKind


class SaleHasReturns(Conflict):
    def __init__(self, *, sale_id: uuid.UUID) -> None:
        super().__init__(
            N_("this sale has returns: void its returns first, or return what is left"),
            sale_id=str(sale_id),
        )


class ReturnRefundedToCard(Conflict):
    def __init__(self, *, sale_id: uuid.UUID) -> None:
        super().__init__(
            N_(
                "this return was refunded to a card through its terminal, which cannot be "
                "charged again: sell the items again instead"
            ),
            sale_id=str(sale_id),
        )


class VoidNotAllowed(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            N_("voiding a completed sale needs the sales:void permission (a manager)"),
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
    live_returns = select(Sale.id).where(
        Sale.return_for == sale_id, Sale.status != VOIDED, Sale.deleted_at.is_(None)
    )
    if session.scalar(live_returns.limit(1)) is not None:
        raise SaleHasReturns(sale_id=sale_id)
    check_transition(current=record.status, wanted=VOIDED)
    if record.status in COMPLETED and not may_void_completed:
        raise VoidNotAllowed()
    if record.status != SAVED:
        paid_before = len(record.payments)  # the void's own payments come after these
        if record.return_for is not None:
            _refuse_if_refunded_to_card(uow, record=record)
            _give_back_returned_quantities(uow, record=record)
        _give_stock_back(uow, record=record, user_id=user_id)
        _reverse_payments(uow, record=record, user_id=user_id, ledger=ledger)
        uow.session.flush()
        # Card payments taken on a terminal go back to the card after the commit.
        queue_card_refunds(uow, sale=record, original=record)
        _clear_account(uow, record=record, user_id=user_id, ledger=ledger)
        fiscal.record_void(uow.session, sale=record, payments=record.payments[paid_before:])
    record.status, record.state = VOIDED, STATE_OF_STATUS[VOIDED]
    enqueue(uow, topic="sale.update", payload={"sale_id": str(record.id)})
    uow.commit()
    return record


def _refuse_if_refunded_to_card(uow: UnitOfWork, *, record: Sale) -> None:
    """Voiding a return takes its refund back; a refund sent to a card through the provider
    cannot be (a charge needs the card), so such a return stands."""
    refunded = select(TerminalRefund.id).where(TerminalRefund.sale_id == record.id).limit(1)
    if uow.session.scalar(refunded) is not None:
        raise ReturnRefundedToCard(sale_id=record.id)


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


def _give_back_returned_quantities(uow: UnitOfWork, *, record: Sale) -> None:
    """The original's lines may be returned again: under the original's lock (the one every
    return takes), each line's returned quantity goes down by what this return took."""
    session = uow.session
    session.execute(select(Sale.id).where(Sale.id == record.return_for).with_for_update())
    for line in record.lines:
        if line.return_for_line_id is None or line.quantity >= 0:
            continue
        session.execute(
            update(SaleLine)
            .where(
                SaleLine.id == line.return_for_line_id,
                SaleLine.returned_quantity >= -line.quantity,
            )
            .values(returned_quantity=SaleLine.returned_quantity + line.quantity)
            .execution_options(synchronize_session=False)
        )


def _reverse_payments(
    uow: UnitOfWork, *, record: Sale, user_id: uuid.UUID, ledger: CustomerLedger
) -> None:
    """Each payment type's net amount is paid back the other way; store credit moves with it."""
    paid: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    kinds: dict[uuid.UUID, SalePayment] = {}
    for payment in record.payments:
        paid[payment.payment_type_id] += payment.amount
        kinds.setdefault(payment.payment_type_id, payment)
    total = sum(paid.values(), Decimal(0))
    if record.status == LAYBY and total > 0:
        rule = store.get_retailer(uow.session).layby_cancel_refund
        if rule == "none":
            return
        if rule == "store_credit" and record.customer_id is not None:
            ledger.move_store_credit(
                uow.session,
                customer_id=record.customer_id,
                sale_id=record.id,
                amount=total,
                type="ISSUE",
                user_id=user_id,
                client_id=f"void:{record.id}",
            )
            return
    # Money given back leaves a drawer: the sale's register must be open.
    register_session_id = store.lock_open_session(uow.session, register_id=record.register_id)
    now = utcnow()
    position = len(record.payments)
    for payment_type_id, amount in paid.items():
        if amount == 0:
            continue
        first = kinds[payment_type_id]
        if first.type_id == PaymentKind.STORE_CREDIT and record.customer_id is not None:
            ledger.move_store_credit(
                uow.session,
                customer_id=record.customer_id,
                sale_id=record.id,
                amount=amount,  # spent: given back; issued (a refund): taken back
                type="REVERSE_REDEEM" if amount > 0 else "REVERSE_ISSUE",
                user_id=user_id,
                client_id=f"void:{record.id}:{payment_type_id}",
            )
        record.payments.append(
            SalePayment(
                id=uuid.uuid4(),
                position=position,
                register_id=record.register_id,
                register_session_id=register_session_id,
                payment_type_id=payment_type_id,
                type_id=first.type_id,
                name=f"{first.name} ({'refund' if amount > 0 else 'void'})",
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
