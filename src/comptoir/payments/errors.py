"""Terminal payment errors: 422 for what the request names wrongly, 409 for a state."""

from __future__ import annotations

import uuid
from decimal import Decimal

from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.i18n import N_


class NotIntegrated(InvalidInput):
    def __init__(self, *, payment_type_id: uuid.UUID, field: str = "payment_type_id") -> None:
        super().__init__(
            N_("this payment type has no card terminal"),
            field=field,
            payment_type_id=str(payment_type_id),
        )


class TerminalPaymentRequired(InvalidInput):
    def __init__(self, *, field: str) -> None:
        super().__init__(
            N_("a card payment on a terminal names its approved terminal payment"), field=field
        )


class UnknownTerminalPayment(InvalidInput):
    def __init__(self, *, terminal_payment_id: uuid.UUID, field: str) -> None:
        super().__init__(
            N_("unknown terminal payment"),
            field=field,
            terminal_payment_id=str(terminal_payment_id),
        )


class TerminalPaymentMismatch(InvalidInput):
    def __init__(
        self, *, terminal_payment_id: uuid.UUID, field: str, amount: Decimal, approved: Decimal
    ) -> None:
        super().__init__(
            N_("the payment's amount or type is not the terminal payment's"),
            field=field,
            terminal_payment_id=str(terminal_payment_id),
            amount=str(amount),
            terminal_amount=str(approved),
        )


class TerminalPaymentNotApproved(Conflict):
    def __init__(self, *, terminal_payment_id: uuid.UUID, status: str) -> None:
        super().__init__(
            N_("this terminal payment was not approved"),
            terminal_payment_id=str(terminal_payment_id),
            status=status,
        )


class TerminalPaymentUsed(Conflict):
    def __init__(self, *, terminal_payment_id: uuid.UUID, sale_id: uuid.UUID | None) -> None:
        super().__init__(
            N_("this terminal payment already pays a sale"),
            terminal_payment_id=str(terminal_payment_id),
            sale_id=str(sale_id) if sale_id else None,
        )


class TerminalPaymentKeyReused(Conflict):
    def __init__(self, *, terminal_payment_id: uuid.UUID) -> None:
        super().__init__(
            N_("this payment id was already used for another amount, register or type"),
            terminal_payment_id=str(terminal_payment_id),
        )


class CardRefundImpossible(Conflict):
    def __init__(self, *, amount: Decimal) -> None:
        super().__init__(N_("the sale's card payments cannot take this refund"), amount=str(amount))
