"""What a sale may not be, whoever sends it: the store's till guards (pure).

- No line above the store's `max_line_quantity` (a typo of 1000 for 1 empties the stock).
- A `sale_date` more than a few minutes in the past is a sale the register recorded while
  offline and sends late: accepted only when the body says so (`recorded_offline: true`)
  and no older than the store's `offline_sale_max_age_hours`; a date in the future is
  refused too (beyond the same few minutes of clock drift).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from comptoir.core.errors import InvalidInput
from comptoir.sales.inputs import LineInput, line_field

CLOCK_DRIFT = timedelta(minutes=5)


def check_line_quantities(lines: Sequence[LineInput], *, max_quantity: int) -> None:
    for index, line in enumerate(lines):
        if line.quantity > max_quantity:
            raise InvalidInput(
                f"a line's quantity is at most {max_quantity} (the store's limit)",
                field=line_field(index, "quantity"),
                max_line_quantity=max_quantity,
            )


def check_sale_date(
    sale_date: datetime | None, *, recorded_offline: bool, max_age_hours: int, now: datetime
) -> None:
    if sale_date is None:
        return
    if sale_date > now + CLOCK_DRIFT:
        raise InvalidInput("a sale cannot be dated in the future", field="sale_date")
    if sale_date >= now - CLOCK_DRIFT:
        return
    if not recorded_offline:
        raise InvalidInput(
            "a sale dated more than 5 minutes ago is accepted only from a register that"
            " recorded it offline (recorded_offline: true)",
            field="sale_date",
        )
    if sale_date < now - timedelta(hours=max_age_hours):
        raise InvalidInput(
            f"an offline sale is accepted up to {max_age_hours} hours after it was made"
            " (the store's offline_sale_max_age_hours)",
            field="sale_date",
            offline_sale_max_age_hours=max_age_hours,
        )
