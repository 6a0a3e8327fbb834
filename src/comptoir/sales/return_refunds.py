"""Returns: where the money goes. An exchange's difference is paid (change only from
cash); a refund goes to the original tenders (capped per tender over all the returns of
the sale, read under the original sale's lock), to tenders the cashier chose within the
same caps, or to store credit. Without a receipt: cash or store credit only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.money import ZERO
from comptoir.sales import return_amounts as amounts
from comptoir.sales.inputs import PaymentInput
from comptoir.sales.lookup import SaleContext
from comptoir.sales.models import Sale
from comptoir.sales.pricing import settle_payments
from comptoir.sales.store_credit import CreditLedger
from comptoir.store.models import PaymentKind, PaymentType

if TYPE_CHECKING:
    from comptoir.sales.return_inputs import ReturnInput

REFUND_TO_STORE_CREDIT = "store_credit"


def settle_return(
    session: Session,
    *,
    net: Decimal,
    request: ReturnInput,
    original: Sale | None,
    context: SaleContext,
    customer_id: uuid.UUID | None,
    ledger: CreditLedger,
) -> list[tuple[PaymentType, Decimal]]:
    """The sale's payments: an exchange's difference paid (positive), or the refund
    (negative amounts) to the original tenders, the chosen ones or store credit."""
    if net > 0:
        paid = request.payments
        if not paid and request.pay_with is not None:
            paid = [PaymentInput(payment_type_id=request.pay_with, amount=net)]
        return settle_payments(paid, context.payment_types, total=net, currency=context.currency)
    due = -net
    if due == 0:
        return []
    credit_type = ledger.payment_type(session)
    if request.refund_to == REFUND_TO_STORE_CREDIT:
        if customer_id is None:
            raise InvalidInput(N_("a refund to store credit needs a customer"), field="customer_id")
        return [(credit_type, -due)]
    caps = _tender_caps(session, original) if original is not None else None
    chosen = [(r.payment_type_id, r.amount) for r in request.refunds]
    if not chosen and caps is None and request.refund_with is not None:
        chosen = [(request.refund_with, due)]
    if chosen:
        capped = [(t, a) for t, a in chosen if t != credit_type.id]
        amounts.check_chosen_refunds(chosen, due=due, caps=None, currency=context.currency)
        if caps is not None:
            amounts.check_chosen_refunds(
                capped, due=sum((a for _, a in capped), ZERO), caps=caps, currency=context.currency
            )
        else:
            _check_unreceipted_tenders(chosen, context=context, credit_type=credit_type)
        refunds = chosen
    elif caps is None:
        raise InvalidInput(
            "a return without a receipt names its refund tenders or goes to store credit",
            field="refunds",
        )
    else:
        refunds = amounts.refund_to_tenders(due, caps)
    types = {**context.payment_types, credit_type.id: credit_type}
    missing = [t for t, _ in refunds if t not in types]
    types.update(_payment_types(session, missing))
    if any(t == credit_type.id for t, _ in refunds) and customer_id is None:
        raise InvalidInput(N_("a refund to store credit needs a customer"), field="customer_id")
    return [(types[t], -amount) for t, amount in refunds]


def _check_unreceipted_tenders(
    chosen: Sequence[tuple[uuid.UUID, Decimal]], *, context: SaleContext, credit_type: PaymentType
) -> None:
    """Without a receipt, money goes back in cash or as store credit only."""
    for type_id, _ in chosen:
        kind = credit_type if type_id == credit_type.id else context.payment_types.get(type_id)
        if kind is None or kind.type_id not in (PaymentKind.CASH, PaymentKind.STORE_CREDIT):
            raise InvalidInput(
                N_("a return without a receipt is refunded in cash or store credit"),
                field="refunds",
            )


def _tender_caps(session: Session, original: Sale) -> list[amounts.TenderCap]:
    """Read under the original's lock: what each tender paid and what returns refunded."""
    earlier = session.scalars(
        select(Sale).where(Sale.return_for == original.id, Sale.deleted_at.is_(None))
    ).all()
    refunded: list[tuple[uuid.UUID, Decimal]] = []
    for sale in earlier:
        per_type: dict[uuid.UUID, Decimal] = {}
        for payment in sale.payments:
            per_type[payment.payment_type_id] = per_type.get(payment.payment_type_id, ZERO) + (
                payment.amount
            )
        refunded += [(t, -amount) for t, amount in per_type.items() if amount < 0]
    return amounts.tender_caps(
        paid=[(p.payment_type_id, p.amount) for p in original.payments], refunded=refunded
    )


def _payment_types(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PaymentType]:
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(PaymentType).where(PaymentType.id.in_(ids)))}
