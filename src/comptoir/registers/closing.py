"""What a closing records per payment type: expected, counted, the difference and a note.

Cash is counted (by denomination or as a total); a type taken through a provider (a card
terminal) or store credit is counted from its recorded payments: counted = expected. A
type the closer sends no count for was counted as nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.registers.denominations import total_of_counts
from comptoir.registers.figures import ZERO, Figures
from comptoir.registers.models import ClosureCount

if TYPE_CHECKING:
    from comptoir.registers.service import CountInput

PARKED_WARNING = N_("parked sales are still open at this register")


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
        if payment.counted_automatically:
            counted = payment.expected
        elif sent is None:
            counted = ZERO
        else:
            counted, denominations = _counted(sent, currency=currency)
        if payment.count == 0 and not payment.is_cash and sent is None:
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
    return [PARKED_WARNING] if figures.parked_sales else []
