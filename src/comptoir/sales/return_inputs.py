"""What a return asks (lines, refund, exchange) and the checks of its shape, before any
data is read. The use case is in `returns.py`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied
from comptoir.core.i18n import N_
from comptoir.sales.inputs import LineInput, PaymentInput
from comptoir.sales.return_refunds import REFUND_TO_STORE_CREDIT

REFUND_TO_TENDERS = "tenders"
REFUND_METHODS = (REFUND_TO_TENDERS, REFUND_TO_STORE_CREDIT)
# Sales whose lines can be given back: closed, including paid-off laybys and on-account sales.
RETURNABLE_STATUSES = ("CLOSED", "LAYBY_CLOSED", "ONACCOUNT_CLOSED")


@dataclass(frozen=True, kw_only=True)
class ReturnLineInput:
    """A line given back: of the original (`line_id`), or, without a receipt, a product."""

    quantity: Decimal  # positive: how many are given back
    line_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    reason: str | None = None
    restock: bool = True  # False for a damaged item: its stock does not come back


@dataclass(frozen=True, kw_only=True)
class RefundInput:
    payment_type_id: uuid.UUID
    amount: Decimal  # positive: what goes back to the customer on this tender


@dataclass(frozen=True, kw_only=True)
class ReturnInput:
    register_id: uuid.UUID
    id: uuid.UUID | None = None  # the register's id for the return: a retry finds it
    lines: Sequence[ReturnLineInput] = field(default_factory=tuple)
    refund_to: str = REFUND_TO_TENDERS
    refunds: Sequence[RefundInput] = field(default_factory=tuple)  # chosen tenders
    customer_id: uuid.UUID | None = None
    note: str | None = None
    # An exchange: the new items and what pays the difference.
    new_lines: Sequence[LineInput] = field(default_factory=tuple)
    payments: Sequence[PaymentInput] = field(default_factory=tuple)
    # Or: the difference, exactly, on this tender (the return page's exchange).
    pay_with: uuid.UUID | None = None
    # Or, without a receipt: the whole refund on this tender (cash; the page's choice).
    refund_with: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ReturnRights:
    without_receipt: bool = False  # sales:refund_without_receipt


class ReturnExceedsSale(Conflict):
    def __init__(self, *, line_id: uuid.UUID) -> None:
        super().__init__(
            N_(
                "this return gives back more than is left of the sold line (another return may"
                " have just taken it)"
            ),
            line_id=str(line_id),
        )


class NotReturnable(Conflict):
    def __init__(self, *, sale_id: uuid.UUID, status: str) -> None:
        super().__init__(
            N_("only a closed sale can be returned"), sale_id=str(sale_id), status=status
        )


class ReturnWithoutReceiptNotAllowed(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            N_(
                "a return without a receipt needs the sales:refund_without_receipt permission"
                " (managers and above)"
            )
        )


def check_return_request(request: ReturnInput, *, with_receipt: bool) -> None:
    if not request.lines:
        raise InvalidInput(N_("a return needs at least one line to give back"), field="lines")
    if request.refund_to not in REFUND_METHODS:
        raise InvalidInput("refund_to is tenders or store_credit", field="refund_to")
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(request.lines):
        where = f"lines[{index}]"
        if line.quantity <= 0:
            raise InvalidInput(N_("a returned quantity is positive"), field=f"{where}.quantity")
        if with_receipt and line.line_id is None:
            raise InvalidInput("each line names the sold line it gives back", field=where)
        if not with_receipt and line.product_id is None:
            raise InvalidInput("without a receipt each line names a product", field=where)
        if line.line_id is not None:
            if line.line_id in seen:
                raise InvalidInput("a sold line is named once per return", field=where)
            seen.add(line.line_id)
        if line.reason is not None and len(line.reason) > 100:
            raise InvalidInput("a return reason has at most 100 characters", field=where)
