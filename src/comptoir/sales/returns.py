"""Returns and exchanges: a new CLOSED sale with negative lines, linked to the original.

A return gives back lines of a closed sale (`return_for`), each return line pointing to
the line it gives back. The original line's `returned_quantity` is raised by one guarded
UPDATE (`returned_quantity + q <= quantity`) after the original sale's row is locked, so
two registers returning the same line at once never give back more than was sold: the
second one gets ReturnExceedsSale (409). An exchange is the same sale with new, positive
lines: the difference is paid (change only from cash) or refunded.

Refunds go to the original tenders by default (never more per tender than it paid, over
all the returns of the sale), to tenders the cashier chooses within the same caps, or to
the customer's store credit. A return without a receipt prices its lines from the catalog
and needs `rights.without_receipt` (sales:refund_without_receipt).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.money import ZERO, round_money
from comptoir.core.outbox import enqueue
from comptoir.core.tax import price_line
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import records as fiscal
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import move_stock
from comptoir.payments.refunds import queue_card_refunds
from comptoir.payments.usage import use_terminal_payments
from comptoir.sales import return_amounts as amounts
from comptoir.sales.inputs import CLOSED, STATUS_OF_STATE, LineInput, PaymentInput, SaleInput
from comptoir.sales.lookup import FindCustomer, SaleContext, look_up_sale
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.sales.pricing import PricedLine
from comptoir.sales.recording import _sale_line, queue_receipt, stock_sold
from comptoir.sales.return_inputs import (
    REFUND_TO_TENDERS,
    RETURNABLE_STATUSES,
    NotReturnable,
    RefundInput,
    ReturnExceedsSale,
    ReturnInput,
    ReturnLineInput,
    ReturnRights,
    ReturnWithoutReceiptNotAllowed,
    check_return_request,
)
from comptoir.sales.return_refunds import REFUND_TO_STORE_CREDIT, settle_return
from comptoir.sales.store_credit import CreditLedger, move_credit_tenders
from comptoir.store import service as store


def record_return(
    uow: UnitOfWork,
    *,
    original_id: uuid.UUID | None,
    request: ReturnInput,
    user_id: uuid.UUID,
    find_customer: FindCustomer,
    ledger: CreditLedger,
    rights: ReturnRights = ReturnRights(),
) -> tuple[Sale, bool]:
    """Record the return (or exchange) `request` of sale `original_id` (None: without a
    receipt) by `user_id`. Returns the return sale and whether this call created it."""
    if request.id is not None:
        existing = uow.reader.get(Sale, request.id)
        if existing is not None:
            return existing, False
    if original_id is None and not rights.without_receipt:
        raise ReturnWithoutReceiptNotAllowed()
    try:
        created = _record(
            uow,
            original_id=original_id,
            request=request,
            user_id=user_id,
            find_customer=find_customer,
            ledger=ledger,
        )
    except IntegrityError:
        uow.rollback()
        existing = uow.session.get(Sale, request.id) if request.id is not None else None
        if existing is None:
            raise
        return existing, False
    return created, True


def _record(
    uow: UnitOfWork,
    *,
    original_id: uuid.UUID | None,
    request: ReturnInput,
    user_id: uuid.UUID,
    find_customer: FindCustomer,
    ledger: CreditLedger,
) -> Sale:
    check_return_request(request, with_receipt=original_id is not None)
    original = _find_original(uow.reader, original_id) if original_id is not None else None
    customer_id = request.customer_id or (original.customer_id if original else None)
    if original is not None and original.customer_id not in (None, customer_id):
        # A sale's return belongs to its customer: a cashier cannot move its value (as store
        # credit) to somebody else.
        raise InvalidInput(N_("a return is made for the sale's own customer"), field="customer_id")
    # The catalog lines (an exchange's new items; a return without receipt) and the
    # register, the seller and the customer, checked as a sale checks them.
    catalog_lines = [
        LineInput(product_id=line.product_id, quantity=line.quantity)
        for line in request.lines
        if line.product_id is not None
    ]
    context = look_up_sale(
        uow.reader,
        sale=SaleInput(
            register_id=request.register_id,
            customer_id=customer_id,
            lines=[*catalog_lines, *request.new_lines] or [_placeholder(original)],
            payments=[
                *request.payments,
                *(
                    PaymentInput(payment_type_id=r.payment_type_id, amount=r.amount)
                    for r in request.refunds
                ),
                *(
                    PaymentInput(payment_type_id=chosen, amount=ZERO)
                    for chosen in (request.pay_with, request.refund_with)
                    if chosen is not None
                ),
            ],
        ),
        user_id=user_id,
        find_customer=find_customer,
    )
    if original is not None:
        _check_original_lines(original, request.lines)
    session = uow.session
    sale_id = request.id or uuid.uuid4()
    now = utcnow()
    if original is not None:
        # Lock the original sale first: returns of one sale take turns, so the tender caps
        # and the lines' returned quantities are read after the previous return committed.
        session.execute(select(Sale.id).where(Sale.id == original.id).with_for_update())
    lines = _returned_lines(
        session, original, request.lines, sale_id=sale_id, currency=context.currency
    )
    lines += _catalog_lines(
        request.lines, context, sale_id=sale_id, start=len(lines), sign=-1, skip=0
    )
    lines += _catalog_lines(
        [ReturnLineInput(product_id=n.product_id, quantity=n.quantity) for n in request.new_lines],
        context,
        sale_id=sale_id,
        start=len(lines),
        sign=1,
        skip=len(catalog_lines),
    )
    net = sum((line.total for line in lines), ZERO)
    payments = settle_return(
        session,
        net=net,
        request=request,
        original=original,
        context=context,
        customer_id=customer_id,
        ledger=ledger,
    )
    register = context.register
    record = Sale(
        id=sale_id,
        outlet_id=register.outlet_id,
        register_id=register.id,
        user_id=context.seller_id,
        customer_id=customer_id,
        state=CLOSED,
        status=STATUS_OF_STATE[CLOSED],
        note=request.note,
        currency=context.currency,
        tax_exclusive=context.tax_exclusive,
        total_price=sum((line.price_total for line in lines), ZERO),
        total_tax=sum((line.tax_total for line in lines), ZERO),
        total_price_incl=net,
        total_cost=sum((line.cost_total for line in lines), ZERO),
        total_discount=sum((line.discount_total for line in lines), ZERO),
        total_payment=sum((amount for _, amount in payments), ZERO),
        sale_date=now,
        return_for=original.id if original else None,
        lines=lines,
        payments=[
            SalePayment(
                id=uuid.uuid4(),
                position=position,
                register_id=register.id,
                payment_type_id=payment_type.id,
                type_id=payment_type.type_id,
                name=payment_type.name,
                amount=amount,
                payment_date=now,
            )
            for position, (payment_type, amount) in enumerate(payments)
        ],
    )
    numbered = store.take_invoice_number(session, register=register)
    record.invoice_sequence, record.invoice_number = numbered.sequence, numbered.number
    record.register_session_id = numbered.register_session_id
    for payment in record.payments:
        payment.register_session_id = numbered.register_session_id
    session.add(record)
    session.flush()
    if net > 0:
        # An exchange's difference paid on a card terminal is its approved terminal payment.
        use_terminal_payments(
            session,
            sale_id=sale_id,
            payments=record.payments,
            terminal_payment_ids=[p.terminal_payment_id for p in request.payments]
            or [None] * len(record.payments),
            types=context.payment_types,
            field="payments[{index}].terminal_payment_id",
        )
    queue_card_refunds(uow, sale=record, original=original)
    move_credit_tenders(session, sale=record, ledger=ledger)
    _move_stock(session, record, context=context, original=original)
    fiscal.record_return(session, sale=record, register=register)
    enqueue(uow, topic="sale.update", payload={"sale_id": str(sale_id)})
    queue_receipt(uow, sale=record, register=register)
    uow.commit()
    return record


def _placeholder(original: Sale | None) -> LineInput:
    """look_up_sale checks a sale with at least one line: a return of receipted lines only
    gives it one of the original's products (nothing is priced from it)."""
    if original is None or not original.lines:
        raise InvalidInput("a return needs at least one line", field="lines")
    return LineInput(product_id=original.lines[0].product_id, quantity=Decimal(1))


def _find_original(session: Session, sale_id: uuid.UUID) -> Sale:
    sale = session.get(Sale, sale_id)
    if sale is None or sale.deleted_at is not None:
        raise NotFound("sale not found", sale_id=str(sale_id))
    if sale.status not in RETURNABLE_STATUSES:
        raise NotReturnable(sale_id=sale.id, status=sale.status)
    return sale


def _check_original_lines(original: Sale, lines: Sequence[ReturnLineInput]) -> None:
    """Each named line is a sold (positive) line of the original, with enough left (the
    guarded UPDATE decides under concurrency; this answers the plain case early)."""
    sold = {line.id: line for line in original.lines}
    for index, wanted in enumerate(lines):
        if wanted.line_id is None:
            continue
        line = sold.get(wanted.line_id)
        if line is None or line.quantity <= 0:
            raise InvalidInput(
                "this line is not a sold line of the sale", field=f"lines[{index}].line_id"
            )
        if line.returned_quantity + wanted.quantity > line.quantity:
            raise ReturnExceedsSale(line_id=line.id)


def _returned_lines(
    session: Session,
    original: Sale | None,
    wanted: Sequence[ReturnLineInput],
    *,
    sale_id: uuid.UUID,
    currency: str,
) -> list[SaleLine]:
    """Raise each original line's returned quantity (in primary-key order), then build the
    negative lines from the quantity returned before this return."""
    if original is None:
        return []
    sold = {line.id: line for line in original.lines}
    before: dict[uuid.UUID, Decimal] = {}
    for item in sorted((w for w in wanted if w.line_id), key=lambda w: str(w.line_id)):
        assert item.line_id is not None
        after = session.execute(
            update(SaleLine)
            .where(
                SaleLine.id == item.line_id,
                SaleLine.sale_id == original.id,
                SaleLine.returned_quantity + item.quantity <= SaleLine.quantity,
            )
            .values(returned_quantity=SaleLine.returned_quantity + item.quantity)
            .returning(SaleLine.returned_quantity)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if after is None:
            raise ReturnExceedsSale(line_id=item.line_id)
        before[item.line_id] = Decimal(after) - item.quantity
    return [
        amounts.return_line(
            sold[item.line_id],
            line_id=uuid.uuid4(),
            sale_id=sale_id,
            sequence=index,
            before=before[item.line_id],
            quantity=item.quantity,
            reason=item.reason,
            restock=item.restock,
            currency=currency,
        )
        for index, item in enumerate(w for w in wanted if w.line_id)
        if item.line_id is not None
    ]


def _catalog_lines(
    wanted: Sequence[ReturnLineInput],
    context: SaleContext,
    *,
    sale_id: uuid.UUID,
    start: int,
    sign: int,
    skip: int,
) -> list[SaleLine]:
    """Lines priced from the catalog (the context's lines from `skip` on): given back
    (`sign` -1, a return without receipt) or sold (`sign` 1, an exchange's new items)."""
    made: list[SaleLine] = []
    catalog = [w for w in wanted if w.product_id is not None]
    for offset, item in enumerate(catalog):
        assert item.product_id is not None
        product = context.products[item.product_id]
        tax = context.line_taxes[skip + offset]
        priced = price_line(
            unit_price=(
                product.price_excluding_tax
                if context.tax_exclusive
                else product.price_including_tax
            ),
            quantity=item.quantity,
            rates=store.rates_of(tax),
            tax_inclusive=not context.tax_exclusive,
            currency=context.currency,
        )
        line = _sale_line(
            sale_id,
            start + offset,
            PricedLine(
                line=LineInput(product_id=product.id, quantity=item.quantity),
                product=product,
                tax=tax,
                amounts=priced,
                cost_total=round_money(
                    product.supply_price * item.quantity, currency=context.currency
                ),
            ),
            seller_id=context.seller_id,
        )
        line.list_price = line.price
        line.discount, line.discount_total = ZERO, ZERO
        if sign < 0:
            _negate(line, reason=item.reason, restock=item.restock)
        made.append(line)
    return made


def _negate(line: SaleLine, *, reason: str | None, restock: bool) -> None:
    line.quantity = -line.quantity
    line.price_total, line.tax_total, line.total = -line.price_total, -line.tax_total, -line.total
    line.cost_total = -line.cost_total
    line.tax_components = [
        {**c, "total_tax": str(-Decimal(c["total_tax"]))} for c in line.tax_components
    ]
    line.is_return, line.return_reason, line.restock = True, reason, restock


def _move_stock(
    session: Session, sale: Sale, *, context: SaleContext, original: Sale | None
) -> None:
    """Restocked lines come back (a composite's components), kind RETURN; an exchange's
    new items leave, kind SALE. Damaged items (restock False) do not come back."""
    back = [line for line in sale.lines if line.quantity < 0 and line.restock]
    sold = [line for line in sale.lines if line.quantity > 0]
    wanted = {line.product_id for line in back} - context.products.keys()
    products = dict(context.products)
    if wanted:
        products.update(
            {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}
        )
    move_stock(
        session,
        changes=stock_sold(back, products, outlet_id=sale.outlet_id),
        kind=MovementKind.RETURN,
        source_id=sale.id,
        user_id=sale.user_id,
    )
    move_stock(
        session,
        changes=stock_sold(sold, products, outlet_id=sale.outlet_id),
        kind=MovementKind.SALE,
        source_id=sale.id,
        user_id=sale.user_id,
    )


def returns_of(session: Session, *, sale_id: uuid.UUID) -> list[Sale]:
    """The returns (and exchanges) recorded against a sale, oldest first."""
    return list(
        session.scalars(
            select(Sale)
            .where(Sale.return_for == sale_id, Sale.deleted_at.is_(None))
            .order_by(Sale.sale_date, Sale.id)
        )
    )


__all__ = [
    "REFUND_TO_STORE_CREDIT",
    "REFUND_TO_TENDERS",
    "CreditLedger",
    "RefundInput",
    "ReturnExceedsSale",
    "ReturnInput",
    "ReturnLineInput",
    "ReturnRights",
    "record_return",
    "returns_of",
]
