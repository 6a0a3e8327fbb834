"""The sale's state machine (sales/lifecycle.py): which changes of status are allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from comptoir.sales import lifecycle as lc


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (None, lc.SAVED),
        (None, lc.LAYBY),
        (None, lc.ONACCOUNT),
        (None, lc.CLOSED),
        (lc.SAVED, lc.CLOSED),
        (lc.SAVED, lc.LAYBY),
        (lc.SAVED, lc.VOIDED),
        (lc.LAYBY, lc.LAYBY_CLOSED),
        (lc.ONACCOUNT, lc.ONACCOUNT_CLOSED),
        (lc.CLOSED, lc.VOIDED),
        (lc.LAYBY, lc.VOIDED),
    ],
)
def test_allowed_changes_of_status(current: str | None, wanted: str) -> None:
    lc.check_transition(current=current, wanted=wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (None, lc.VOIDED),  # nothing to void
        (lc.VOIDED, lc.CLOSED),  # a voided sale stays voided
        (lc.VOIDED, lc.SAVED),
        (lc.CLOSED, lc.SAVED),  # a completed sale is never parked again
        (lc.LAYBY, lc.CLOSED),
        (lc.ONACCOUNT, lc.LAYBY),
    ],
)
def test_refused_changes_of_status_are_a_conflict(current: str | None, wanted: str) -> None:
    with pytest.raises(lc.TransitionRefused):
        lc.check_transition(current=current, wanted=wanted)


def test_each_status_has_its_x_series_state() -> None:
    assert {s: lc.state_of(s) for s in lc.STATUSES} == {
        "SAVED": "parked",
        "CLOSED": "closed",
        "LAYBY": "pending",
        "LAYBY_CLOSED": "closed",
        "ONACCOUNT": "pending",
        "ONACCOUNT_CLOSED": "closed",
        "VOIDED": "voided",
    }


def test_a_layby_or_on_account_sale_paid_in_full_is_recorded_closed() -> None:
    ten = Decimal("10.00")
    assert lc.settled_status(wanted=lc.LAYBY, total=ten, paid=ten) == lc.LAYBY_CLOSED
    assert lc.settled_status(wanted=lc.ONACCOUNT, total=ten, paid=ten) == lc.ONACCOUNT_CLOSED
    assert lc.settled_status(wanted=lc.LAYBY, total=ten, paid=Decimal("9.99")) == lc.LAYBY
    assert lc.settled_status(wanted=lc.SAVED, total=ten, paid=Decimal(0)) == lc.SAVED
