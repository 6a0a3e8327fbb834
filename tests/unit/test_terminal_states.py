"""A terminal payment's state machine, and the simulator's own ledger rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.payments.provider import TerminalStatus as S
from comptoir.payments.simulator_server import SimConflict, Simulator
from comptoir.payments.states import can_move, next_status, usable_by_sale


@pytest.mark.parametrize("outcome", [S.APPROVED, S.DECLINED, S.CANCELLED, S.FAILED])
def test_a_pending_payment_ends_in_any_outcome(outcome: S) -> None:
    assert next_status(current=S.PENDING, reported=outcome) == outcome


@pytest.mark.parametrize("final", [S.DECLINED, S.CANCELLED, S.FAILED, S.VOIDED, S.REFUNDED])
@pytest.mark.parametrize("reported", list(S))
def test_an_ended_payment_never_moves_again(final: S, reported: S) -> None:
    assert next_status(current=final, reported=reported) == final


def test_a_late_pending_answer_does_not_undo_an_approval() -> None:
    assert next_status(current=S.APPROVED, reported=S.PENDING) == S.APPROVED
    assert not can_move(current=S.APPROVED, wanted=S.DECLINED)


def test_an_approved_payment_is_voided_or_refunded_only() -> None:
    assert {s for s in S if can_move(current=S.APPROVED, wanted=s)} == {S.VOIDED, S.REFUNDED}


def test_a_void_under_way_ends_voided_or_back_to_approved_when_refused() -> None:
    assert {s for s in S if can_move(current=S.VOIDING, wanted=s)} == {S.VOIDED, S.APPROVED}


def test_only_an_approved_payment_pays_a_sale() -> None:
    assert [s for s in S if usable_by_sale(s)] == [S.APPROVED]


def _simulator(scenario: str = "approve") -> Simulator:
    return Simulator(scenario=scenario, delay=0, timeout=0)


def test_the_simulator_charges_a_key_once_and_refuses_it_for_another_amount() -> None:
    sim = _simulator()
    first = sim.create({"idempotency_key": "k1", "amount": "10.00"})
    again = sim.create({"idempotency_key": "k1", "amount": "10.00"})

    assert (first[0], again[0]) == (201, 200)
    assert [e["kind"] for e in sim.ledger] == ["charge"]
    with pytest.raises(SimConflict):
        sim.create({"idempotency_key": "k1", "amount": "11.00"})


def test_the_simulator_refunds_a_refund_key_once_and_never_more_than_was_paid() -> None:
    sim = _simulator()
    sim.create({"idempotency_key": "k1", "amount": "10.00"})

    assert sim.refund("k1", {"idempotency_key": "r1", "amount": "4"})[0] == 201
    assert sim.refund("k1", {"idempotency_key": "r1", "amount": "4"})[0] == 200
    with pytest.raises(SimConflict):
        sim.refund("k1", {"idempotency_key": "r2", "amount": "6.01"})
    assert [Decimal(e["amount"]) for e in sim.ledger if e["kind"] == "refund"] == [Decimal(4)]


def test_a_declined_payment_charges_nothing_and_cannot_be_refunded() -> None:
    sim = _simulator("decline")
    _, payment = sim.create({"idempotency_key": "k1", "amount": "10.00"})

    assert payment.status == "declined"
    assert sim.ledger == []
    with pytest.raises(SimConflict):
        sim.refund("k1", {"idempotency_key": "r1", "amount": "1"})
