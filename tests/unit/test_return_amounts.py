"""Returns, the pure part: parts of a line sum back to it; refunds stay within each tender."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.sales.return_amounts import (
    RefundMismatch,
    TenderCap,
    refund_to_tenders,
    share_of,
)

CENTS = st.integers(min_value=-10_000_00, max_value=10_000_00).map(lambda c: Decimal(c) / 100)


@given(total=CENTS, parts=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=8))
def test_a_line_returned_in_any_number_of_parts_gives_back_exactly_its_total(
    total: Decimal, parts: list[int]
) -> None:
    quantity = Decimal(sum(parts))
    before = Decimal(0)
    returned = Decimal(0)
    for part in parts:
        returned += share_of(
            total, before=before, after=before + part, quantity=quantity, currency="EUR"
        )
        before += part
    assert returned == total


@given(
    paid=st.lists(st.integers(min_value=1, max_value=100_00), min_size=1, max_size=4),
    already=st.lists(st.integers(min_value=0, max_value=100_00), min_size=4, max_size=4),
    due=st.integers(min_value=1, max_value=400_00),
)
def test_refunds_to_the_tenders_never_exceed_what_each_has_left(
    paid: list[int], already: list[int], due: int
) -> None:
    caps = [
        TenderCap(
            payment_type_id=uuid.uuid4(),
            paid=Decimal(p) / 100,
            refunded=min(Decimal(a) / 100, Decimal(p) / 100),
        )
        for p, a in zip(paid, already, strict=False)
    ]
    wanted = Decimal(due) / 100
    left = sum((c.left for c in caps), Decimal(0))
    if wanted > left:
        with pytest.raises(RefundMismatch):
            refund_to_tenders(wanted, caps)
        return
    refunds = dict(refund_to_tenders(wanted, caps))
    assert sum(refunds.values(), Decimal(0)) == wanted
    for cap in caps:
        assert refunds.get(cap.payment_type_id, Decimal(0)) <= cap.left
