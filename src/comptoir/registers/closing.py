"""What a closing records per payment type: expected, counted, the difference and a note.

Cash is counted (by denomination or as a total). A type taken through a provider (a card
terminal) is counted from the provider's totals for the register's terminal over the
session (`attach_provider_totals`): the difference is what the provider's books and the
recorded sales disagree on (a card approved for a sale never completed...). When the
provider cannot be reached, it is counted from its recorded payments and the closure says
so. Store credit is counted from its recorded payments: counted = expected. A type the
closer sends no count for was counted as nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.payments.totals import provider_totals
from comptoir.registers.denominations import total_of_counts
from comptoir.registers.figures import (
    COUNTED_FROM_PROVIDER,
    COUNTED_FROM_RECORDED,
    ZERO,
    Figures,
)
from comptoir.registers.models import ClosureCount

if TYPE_CHECKING:
    from comptoir.registers.service import CountInput

PARKED_WARNING = N_("parked sales are still open at this register")
PROVIDER_UNREACHABLE_WARNING = N_(
    "a card provider could not be reached: its payments are counted from those recorded"
)


def attach_provider_totals(
    session: Session, figures: Figures, *, start: datetime, end: datetime
) -> None:
    """Ask each integrated payment type's provider what the register's terminal took and
    gave back between `start` and `end` (the session); its count at closing."""
    for payment in figures.payments:
        if payment.provider is None:
            continue
        answer = provider_totals(
            session,
            provider=payment.provider,
            payment_type_id=uuid.UUID(payment.payment_type_id),
            terminal_id=figures.register_id,
            start=start,
            end=end,
        )
        if answer.totals is None:
            payment.counted_from = COUNTED_FROM_RECORDED
            payment.provider_total = None
        else:
            payment.counted_from = COUNTED_FROM_PROVIDER
            payment.provider_total = answer.totals.net


def build_counts(
    figures: Figures, *, counts: Sequence[CountInput], currency: str
) -> list[ClosureCount]:
    by_type = {c.payment_type_id: c for c in counts}
    known = {uuid.UUID(p.payment_type_id) for p in figures.payments}
    for payment_type_id in by_type:
        if payment_type_id not in known:
            raise InvalidInput(
                "unknown payment type", field="payments", payment_type_id=str(payment_type_id)
            )
    rows = []
    for position, payment in enumerate(figures.payments):
        sent = by_type.get(uuid.UUID(payment.payment_type_id))
        denominations = None
        if payment.provider_total is not None:
            counted = payment.provider_total
        elif payment.counted_automatically:
            counted = payment.expected
        elif sent is None:
            counted = ZERO
        else:
            counted, denominations = _counted(sent, currency=currency)
        if payment.count == 0 and not payment.is_cash and sent is None and not counted:
            continue  # a type that saw no payment and was not counted: nothing to record
        rows.append(
            ClosureCount(
                id=uuid.uuid4(),
                payment_type_id=uuid.UUID(payment.payment_type_id),
                position=position,
                name=payment.name,
                type_id=payment.type_id,
                counted_automatically=payment.counted_automatically,
                expected=payment.expected,
                counted=counted,
                difference=counted - payment.expected,
                note=((sent.note or "").strip() or None) if sent else None,
                denominations=denominations,
            )
        )
    return rows


def _counted(sent: CountInput, *, currency: str) -> tuple[Decimal, dict[str, int] | None]:
    if sent.denominations:
        total, normalised = total_of_counts(
            sent.denominations, currency=currency, field="denominations"
        )
        if sent.counted is not None and sent.counted != total:
            raise InvalidInput(
                N_("the notes and coins counted do not add up to the total"), field="counted"
            )
        return total, normalised
    if sent.counted is None:
        return ZERO, None
    if sent.counted < 0:
        raise InvalidInput(N_("a counted amount is zero or more"), field="counted")
    return sent.counted, None


def closure_warnings(figures: Figures) -> list[str]:
    """What the closer should know, without being stopped (msgids, translated on show)."""
    warnings = [PARKED_WARNING] if figures.parked_sales else []
    if any(p.counted_from == COUNTED_FROM_RECORDED for p in figures.payments):
        warnings.append(PROVIDER_UNREACHABLE_WARNING)
    return warnings
