"""A terminal payment's state machine (pure): which moves are allowed, and what a sale may use.

    PENDING -> APPROVED | DECLINED | CANCELLED | FAILED
    APPROVED -> VOIDING (a void asked, never used by a sale) -> VOIDED | APPROVED (refused)
    APPROVED -> VOIDED (never used by a sale) | REFUNDED (returned in full)

A provider's answer that is not an allowed move (a late "pending" after an approval) changes
nothing: the payment keeps the state it reached.
"""

from __future__ import annotations

from comptoir.payments.provider import TerminalStatus

_MOVES: dict[TerminalStatus, frozenset[TerminalStatus]] = {
    TerminalStatus.PENDING: frozenset(
        {
            TerminalStatus.APPROVED,
            TerminalStatus.DECLINED,
            TerminalStatus.CANCELLED,
            TerminalStatus.FAILED,
        }
    ),
    # VOIDING is set by Comptoir itself (payments.service), never by a provider's answer.
    TerminalStatus.APPROVED: frozenset({TerminalStatus.VOIDED, TerminalStatus.REFUNDED}),
    TerminalStatus.VOIDING: frozenset({TerminalStatus.VOIDED, TerminalStatus.APPROVED}),
}


def can_move(*, current: TerminalStatus, wanted: TerminalStatus) -> bool:
    return wanted in _MOVES.get(current, frozenset())


def next_status(*, current: TerminalStatus, reported: TerminalStatus) -> TerminalStatus:
    """The state after the provider reported `reported`: the move when allowed, else the
    current state (stale or out-of-order answers change nothing)."""
    return reported if can_move(current=current, wanted=reported) else current


def usable_by_sale(status: TerminalStatus) -> bool:
    """Only an approved payment pays a sale (once: `sale_payment_id` records which)."""
    return status == TerminalStatus.APPROVED
