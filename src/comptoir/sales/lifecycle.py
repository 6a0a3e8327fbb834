"""The sale's states (X-Series `status`) and which changes between them are allowed.

Plain data used by the 0.9 and 2.0 APIs, the sell screen and the use cases alike.
"""

from __future__ import annotations

from comptoir.core.errors import Conflict

SAVED = "SAVED"  # parked (a quote is a SAVED sale with is_quote)
CLOSED = "CLOSED"
LAYBY = "LAYBY"
LAYBY_CLOSED = "LAYBY_CLOSED"
ONACCOUNT = "ONACCOUNT"
ONACCOUNT_CLOSED = "ONACCOUNT_CLOSED"
VOIDED = "VOIDED"

STATUSES = (SAVED, CLOSED, LAYBY, LAYBY_CLOSED, ONACCOUNT, ONACCOUNT_CLOSED, VOIDED)
# Statuses whose stock has left the shelves.
STOCK_OUT = frozenset({CLOSED, LAYBY, LAYBY_CLOSED, ONACCOUNT, ONACCOUNT_CLOSED})
# Open sales still waiting for money; a cashier may void them.
OPEN = frozenset({SAVED, LAYBY, ONACCOUNT})
COMPLETED = frozenset({CLOSED, LAYBY_CLOSED, ONACCOUNT_CLOSED})
# A customer must be named (someone has to come back or to owe the money).
NEEDS_CUSTOMER = frozenset({LAYBY, ONACCOUNT, LAYBY_CLOSED, ONACCOUNT_CLOSED})
# Where a sale ends once fully paid.
CLOSED_FORM = {LAYBY: LAYBY_CLOSED, ONACCOUNT: ONACCOUNT_CLOSED}

# What a register may send for a new sale or for a parked one it continues.
_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({SAVED, CLOSED, LAYBY, LAYBY_CLOSED, ONACCOUNT, ONACCOUNT_CLOSED}),
    SAVED: frozenset({SAVED, CLOSED, LAYBY, LAYBY_CLOSED, ONACCOUNT, ONACCOUNT_CLOSED, VOIDED}),
    LAYBY: frozenset({LAYBY_CLOSED, VOIDED}),
    ONACCOUNT: frozenset({ONACCOUNT_CLOSED, VOIDED}),
    CLOSED: frozenset({VOIDED}),
    LAYBY_CLOSED: frozenset({VOIDED}),
    ONACCOUNT_CLOSED: frozenset({VOIDED}),
    VOIDED: frozenset(),
}


class TransitionRefused(Conflict):
    def __init__(self, *, current: str | None, wanted: str) -> None:
        super().__init__(
            f"a sale cannot go from {current or 'new'} to {wanted}",
            field="status",
            current=current,
            wanted=wanted,
        )


def may_transition(*, current: str | None, wanted: str) -> bool:
    return wanted in _TRANSITIONS.get(current, frozenset())


def check_transition(*, current: str | None, wanted: str) -> None:
    if not may_transition(current=current, wanted=wanted):
        raise TransitionRefused(current=current, wanted=wanted)


def state_of(status: str) -> str:
    """The X-Series 2.0 `state` for a `status`."""
    if status == SAVED:
        return "parked"
    if status in (LAYBY, ONACCOUNT):
        return "pending"
    if status == VOIDED:
        return "voided"
    return "closed"


# Statuses a register may record with less paid than the total.
PARTLY_PAID = frozenset({SAVED, LAYBY, ONACCOUNT})


def settled_status(*, wanted: str, total: object, paid: object) -> str:
    """A layby or on-account sale paid in full is recorded closed."""
    if wanted in CLOSED_FORM and paid >= total:  # type: ignore[operator]
        return CLOSED_FORM[wanted]
    return wanted
