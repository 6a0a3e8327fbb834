"""What a register sends to record a sale, already parsed (the 0.9 `register_sale` body)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from comptoir.core.errors import InvalidInput

# X-Series `state` and the deprecated `status` that goes with it.
CLOSED = "closed"
# The status a state alone means (a pending sale must say which: LAYBY or ONACCOUNT).
STATUS_OF_STATE = {"closed": "CLOSED", "parked": "SAVED", "pending": "LAYBY", "voided": "VOIDED"}
STATE_OF_STATUS = {
    "CLOSED": "closed",
    "SAVED": "parked",
    "LAYBY": "pending",
    "ONACCOUNT": "pending",
    "LAYBY_CLOSED": "closed",
    "ONACCOUNT_CLOSED": "closed",
    "VOIDED": "voided",
}


@dataclass(frozen=True, kw_only=True)
class LineInput:
    product_id: uuid.UUID
    quantity: Decimal
    # Unit price excluding tax, as X-Series sends it; the catalog price when absent.
    price: Decimal | None = None
    # Unit tax the register computed on `price`; kept as sent when it matches the line's rate.
    tax: Decimal | None = None
    # The tax the register chose for the line; the product's own when absent.
    tax_id: uuid.UUID | None = None
    sequence: int | None = None
    note: str | None = None
    # Discounts (`discounts.py`): X-Series' unit discount excluding tax (the price is then
    # the catalog's less it), or the till's percent or amount off the line (the amount in
    # the store's mode: with tax in a tax-inclusive store). At most one of the three.
    discount: Decimal | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentInput:
    payment_type_id: uuid.UUID
    amount: Decimal
    payment_date: datetime | None = None
    # A payment on an integrated type (a card terminal): the approved terminal payment it is
    # (payments' `usage.py`).
    terminal_payment_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class SaleRights:
    """What the sender may do beyond selling, as themself, at the catalog's prices (the route
    reads them from the sender's permissions; a sale sent without them is refused)."""

    override_prices: bool = False  # a price above the catalog's, or another tax
    discount_over_limit: bool = False  # a discount beyond the cashier's limit
    sell_for_others: bool = False  # a token naming another user as the seller
    exceed_account_limit: bool = False  # an on-account sale beyond the customer's limit


NO_RIGHTS = SaleRights()


@dataclass(frozen=True, kw_only=True)
class SaleInput:
    register_id: uuid.UUID
    state: str = CLOSED
    # X-Series status (SAVED, LAYBY, ONACCOUNT, CLOSED...); the state's own when absent.
    status: str | None = None
    id: uuid.UUID | None = None
    # The version of a parked sale the register read before continuing it (409 if it moved).
    version: int | None = None
    is_quote: bool = False
    quote_expires_at: datetime | None = None
    user_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    note: str | None = None
    sale_date: datetime | None = None
    source: str | None = None
    source_id: str | None = None
    lines: Sequence[LineInput] = field(default_factory=tuple)
    payments: Sequence[PaymentInput] = field(default_factory=tuple)
    # A whole-sale discount, percent or amount (store's mode), spread over the lines.
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    # A manager's approval (`approvals.py`) of a discount beyond the cashier's limit.
    discount_approval_id: uuid.UUID | None = None
    # The register recorded the sale while offline: an older `sale_date` is accepted.
    recorded_offline: bool = False

    @property
    def wanted_status(self) -> str:
        return self.status or STATUS_OF_STATE[self.state]


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


def resolve_status(*, state: str | None, status: str | None) -> str:
    """The status a register asks for: `status` when sent (it says LAYBY or ONACCOUNT where
    the state only says pending), else the state's."""
    resolve_state(state=state, status=status)
    if status is not None:
        return status.upper()
    assert state is not None
    return STATUS_OF_STATE[state]


def line_field(index: int, name: str) -> str:
    """Where an error points in the 0.9 body: `register_sale_products[2].tax`."""
    return f"register_sale_products[{index}].{name}"


def check_lines(lines: Sequence[LineInput]) -> None:
    if not lines:
        raise InvalidInput("a sale needs at least one line", field="register_sale_products")
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise InvalidInput(
                "quantities must be positive (a return goes through"
                " PUT /api/2.0/sales/{id}/actions/return)",
                field=line_field(index, "quantity"),
            )
        if line.price is not None and line.price < 0:
            raise InvalidInput("a unit price cannot be negative", field=line_field(index, "price"))
        if line.tax is not None and line.tax < 0:
            raise InvalidInput("a unit tax cannot be negative", field=line_field(index, "tax"))
