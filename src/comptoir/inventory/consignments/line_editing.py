"""Changing a consignment's products whatever its type (X-Series' `/consignments/{id}/products`
and `/bulk`): each type's own function does the work, with its own rules.

- SUPPLIER (a purchase order): `count` and `cost` change the order (set_order_lines);
  `received` is a delivery (receive_order): the stock arrives now and the order is
  DISPATCHED (X-Series: a received quantity on a SENT order dispatches it). A `received`
  given as a total (PUT, POST) receives the difference with what was received; received
  stock is never taken back this way (422: a supplier return does that).
- OUTLET (a transfer): `count` while OPEN (change_transfer_lines); what arrives is
  received with the transfer (its status RECEIVED), not line by line (422).
- RETURN: `count` and `cost` while OPEN (change_return_lines); no `received` (422).
- STOCKTAKE: `received` is the quantity counted (count_products: counts add up; a total
  replaces the product's count); `count` (the expected quantity) comes from the stock
  levels and is not sent (422).

`accumulate` adds what is sent to what is there (X-Series' /bulk); otherwise what is sent is
the new value. A `delivery_id` is recorded with every change made under it (a receipt
or a count records its delivery; any other change an empty one): seen again, it answers
the first change and changes nothing. Everything is checked before anything is written;
none of these commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.consignments import (
    common,
    orders,
    stocktake_counting,
    supplier_returns,
    transfers,
)
from comptoir.inventory.consignments.common import LineInput
from comptoir.inventory.consignments.models import ConsignmentType

T = ConsignmentType


@dataclass(frozen=True, slots=True)
class LinesChanged:
    product_ids: tuple[uuid.UUID, ...]
    # The request answered an earlier receipt or count with the same delivery id.
    replayed: bool = False


def change_lines(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    lines: Sequence[LineInput],
    accumulate: bool | None,
    delivery_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> LinesChanged:
    """Add or change the consignment's products (see the module's rules). `accumulate`
    None: as adding a product does (X-Series' POST .../products): a count adds up with
    what was counted, the other types take the values sent."""
    if not lines:
        raise InvalidInput(N_("send at least one product"), field="products")
    session = uow.session
    consignment = common.lock_consignment(session, consignment_id)
    product_ids = tuple(dict.fromkeys(line.product_id for line in lines))
    if delivery_id is not None and common.previous_delivery(session, consignment, delivery_id):
        return LinesChanged(product_ids, replayed=True)
    kind = T(consignment.type)
    if accumulate is None:
        accumulate = kind is T.STOCKTAKE
    if kind is T.STOCKTAKE:
        _count(uow, consignment_id, lines, accumulate, delivery_id, user_id)
        return LinesChanged(product_ids)
    _change_lines_of(uow, consignment_id, kind, lines, accumulate, delivery_id, user_id)
    if delivery_id is not None:
        session.flush()  # a receipt made above recorded the key: previous_delivery sees it
        if common.previous_delivery(session, consignment, delivery_id) is None:
            # Only ordered quantities or costs changed: record the key anyway, so a retried
            # request (a bulk adds up) replays instead of adding twice.
            empty = common.Receipt(delivery_id, lines=())
            common.save_delivery(session, consignment, empty, user_id=user_id)
    return LinesChanged(product_ids)


def _change_lines_of(
    uow: UnitOfWork,
    consignment_id: uuid.UUID,
    kind: T,
    lines: Sequence[LineInput],
    accumulate: bool,
    delivery_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> None:
    if kind is not T.SUPPLIER and any(line.received is not None for line in lines):
        raise InvalidInput(
            N_("a transfer is received as a whole (its status RECEIVED); a return has no "
               "received quantity"),
            field="received",
        )  # fmt: skip
    if kind is T.OUTLET:
        transfers.change_transfer_lines(uow, consignment_id=consignment_id, lines=lines,
                                        accumulate=accumulate, user_id=user_id)  # fmt: skip
    elif kind is T.RETURN:
        supplier_returns.change_return_lines(uow, consignment_id=consignment_id, lines=lines,
                                             accumulate=accumulate, user_id=user_id)  # fmt: skip
    else:
        _change_order(uow, consignment_id, lines, accumulate, delivery_id, user_id)


def _change_order(
    uow: UnitOfWork,
    consignment_id: uuid.UUID,
    lines: Sequence[LineInput],
    accumulate: bool,
    delivery_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> None:
    received = [line for line in lines if line.received is not None]
    ordered = [
        LineInput(line.product_id, count=line.count, cost=line.cost)
        for line in lines
        if line.received is None or line.count is not None or line.cost is not None
    ]
    # Checked before anything is written: a bad received quantity changes no count.
    for line in received:
        common.quantity_of(line.received, field="received")
    if ordered:
        orders.set_order_lines(uow, consignment_id=consignment_id, lines=ordered,
                               accumulate=accumulate, user_id=user_id)  # fmt: skip
    if not received:
        return
    if not accumulate:
        present = common.lines_of(uow.session, consignment_id)
        arriving = []
        for line in received:
            assert line.received is not None
            before = present[line.product_id].received if line.product_id in present else None
            delta = common.quantity_of(line.received, field="received") - (before or Decimal(0))
            if delta < 0:
                raise InvalidInput(
                    N_("received stock is not taken back here: return it to the supplier"),
                    product_id=str(line.product_id),
                )
            if delta > 0:
                arriving.append(LineInput(line.product_id, received=delta, cost=line.cost))
        received = arriving
    if received:
        orders.receive_order(uow, consignment_id=consignment_id,
                             delivery_id=delivery_id or uuid.uuid4(), lines=received,
                             complete=False, user_id=user_id)  # fmt: skip


def _count(
    uow: UnitOfWork,
    consignment_id: uuid.UUID,
    lines: Sequence[LineInput],
    accumulate: bool,
    delivery_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> None:
    if any(line.count is not None or line.cost is not None for line in lines):
        raise InvalidInput(
            N_("a stock count's expected quantities come from the stock levels: send the "
               "quantity counted as received"),
            field="count",
        )  # fmt: skip
    counts: list[tuple[uuid.UUID, object]] = []
    for line in lines:
        if line.received is None:
            raise InvalidInput(N_("send the quantity counted as received"), field="received",
                               product_id=str(line.product_id))  # fmt: skip
        counts.append((line.product_id, line.received))
    if not accumulate:
        stocktake_counting.forget_counts(uow, consignment_id=consignment_id,
                                         product_ids=[p for p, _ in counts])  # fmt: skip
    stocktake_counting.count_products(uow, consignment_id=consignment_id, counts=counts,
                                      user_id=user_id, delivery_id=delivery_id)  # fmt: skip


def remove_product(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, product_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    """Take a product off the consignment; on a stock count, forget what was counted of it."""
    kind = T(common.get_consignment(uow.session, consignment_id).type)
    remove = {
        T.SUPPLIER: orders.remove_order_line,
        T.OUTLET: transfers.remove_transfer_line,
        T.RETURN: supplier_returns.remove_return_line,
        T.STOCKTAKE: stocktake_counting.clear_count,
    }[kind]
    remove(uow, consignment_id=consignment_id, product_id=product_id, user_id=user_id)
