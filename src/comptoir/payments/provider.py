"""What Comptoir asks of a card terminal provider (a cloud terminal API: the simulator,
Adyen, Stripe Terminal...). An adapter is a module that implements `PaymentProvider` and
registers a factory under its name (`registry.py`); nothing else changes for a new one.

Every call names the payment by the idempotency key the register made: starting a payment
twice with the same key is one payment at the provider, so a lost answer is retried
without ever charging twice. A refund has its own key, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class TerminalStatus(StrEnum):
    """A terminal payment's state, at the provider and in Comptoir (`states.py`)."""

    PENDING = "PENDING"  # sent to the terminal, waiting for the card or the bank
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"  # by the cashier or by the customer on the terminal
    FAILED = "FAILED"  # timed out, or refused by the provider
    # Comptoir's own, never a provider's answer: a void has been asked of the provider, so
    # no sale may take the payment any more (it goes on to VOIDED, or back to APPROVED when
    # the provider refuses the void).
    VOIDING = "VOIDING"
    VOIDED = "VOIDED"  # an approved payment reversed before any sale used it
    REFUNDED = "REFUNDED"  # refunded in full (a return)


FINAL = frozenset(
    {
        TerminalStatus.DECLINED,
        TerminalStatus.CANCELLED,
        TerminalStatus.FAILED,
        TerminalStatus.VOIDED,
        TerminalStatus.REFUNDED,
    }
)


@dataclass(frozen=True, kw_only=True)
class PaymentRequest:
    key: str  # the idempotency key: the register's id for the payment
    amount: Decimal
    currency: str
    terminal_id: str  # which terminal shows the amount (Comptoir sends the register's id)
    reference: str = ""  # shown in the provider's back office


@dataclass(frozen=True, kw_only=True)
class PaymentResult:
    status: TerminalStatus
    reference: str | None = None  # the provider's id for the payment
    message: str | None = None  # why it was declined or failed, as the provider says it


@dataclass(frozen=True, kw_only=True)
class RefundResult:
    refunded: bool
    reference: str | None = None
    message: str | None = None


@dataclass(frozen=True, kw_only=True)
class TerminalTotals:
    """What a terminal took and gave back over a window, as the provider's books say: a
    register's closure counts its integrated card payments from these."""

    approved: Decimal  # payments approved in the window (a voided one took nothing)
    refunded: Decimal  # refunds made in the window, positive
    count: int  # the approved payments

    @property
    def net(self) -> Decimal:
        return self.approved - self.refunded


class ProviderUnreachable(Exception):
    """No answer (connection refused or lost, time out): the outcome is unknown, and the
    same call with the same key is safe to repeat."""


class ProviderRefused(Exception):
    """The provider answered with an error (bad request, unknown payment...)."""


class PaymentProvider(Protocol):
    name: str

    def start_payment(self, request: PaymentRequest) -> PaymentResult:
        """Show the amount on the terminal; returns at once, usually PENDING."""
        ...

    def get_payment(self, key: str) -> PaymentResult:
        """The payment's state now (poll until it is not PENDING)."""
        ...

    def wait_payment(self, key: str, *, timeout: float) -> PaymentResult:
        """Poll until the payment is no longer PENDING or `timeout` seconds have passed."""
        ...

    def cancel_payment(self, key: str) -> PaymentResult:
        """Ask the terminal to stop waiting for the card; the answer is the state after it
        (still APPROVED if the card was already accepted)."""
        ...

    def void_payment(self, key: str) -> PaymentResult:
        """Reverse an approved payment no sale used (same day, nothing settled)."""
        ...

    def refund_payment(self, key: str, *, refund_key: str, amount: Decimal) -> RefundResult:
        """Give `amount` of an approved payment back to the card; `refund_key` makes a
        retried refund one refund."""
        ...

    def terminal_totals(
        self, *, terminal_id: str, start: datetime, end: datetime
    ) -> TerminalTotals:
        """The terminal's approved and refunded totals between `start` and `end` (aware UTC
        datetimes), from the provider's records: a reconciliation report (Adyen), a list of
        charges and refunds over the period (Stripe), the simulator's totals."""
        ...
