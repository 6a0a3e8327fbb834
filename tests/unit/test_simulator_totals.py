"""The simulator's terminal totals: a payment approved in the window and not voided, a refund
made in it, on that terminal only."""

from __future__ import annotations

import time
from decimal import Decimal

from comptoir.payments.simulator_server import Simulator


def pay(sim: Simulator, key: str, amount: str, terminal: str = "till-1") -> None:
    status, _ = sim.create({"idempotency_key": key, "amount": amount, "terminal_id": terminal})
    assert status == 201


def test_totals_count_approved_payments_and_refunds_of_the_window_on_that_terminal() -> None:
    sim = Simulator(scenario="approve", delay=0, timeout=1)
    before = time.time() - 1
    pay(sim, "a", "10.00")
    pay(sim, "b", "4.00")
    pay(sim, "c", "99.00", terminal="till-2")
    pay(sim, "d", "6.00")
    sim.void("d")
    sim.refund("a", {"idempotency_key": "r1", "amount": "2.50"})
    sim.set_scenario({"scenario": "decline"})
    pay(sim, "e", "3.00")
    after = time.time() + 1

    totals = sim.totals("till-1", start=before, end=after)

    assert (Decimal(totals["approved"]), Decimal(totals["refunded"]), totals["count"]) == (
        Decimal("14.00"),
        Decimal("2.50"),
        2,
    )
    assert sim.totals("till-1", start=after, end=after + 10)["count"] == 0
    assert sim.totals("till-1", start=before - 10, end=before)["approved"] == "0"
