"""Changing any consignment as a whole, whatever its type: its header fields (name, order
number, due date, supplier invoice, a return's reason), its status (each status reached
through its workflow's own function) and deleting it. The X-Series API's
`PUT /consignments/{id}` and `DELETE /consignments/{id}` are these calls; none commits.

Rules:
- a field sent with the value it already holds is no change (clients send the whole
  consignment back): only a real change of a RECEIVED, CANCELLED or completed consignment is
  refused (409);
- the type, the outlet and a transfer's sending outlet never change (422); an order's
  supplier changes while it is OPEN;
- a status is reached only through its workflow: SENT sends (stock leaves for a transfer or
  a return, the PDF goes to the supplier), RECEIVED receives (an order: what is outstanding
  when nothing was received yet, else it closes on what its deliveries brought; a transfer:
  everything sent), CANCELLED cancels, STOCKTAKE_IN_PROGRESS starts a count,
  STOCKTAKE_COMPLETE applies it. A status the workflow does not allow from the current one
  is refused (409) and nothing changes; the same status again is no change;
- only a consignment in its first status (OPEN, STOCKTAKE_SCHEDULED) or CANCELLED is
  deleted (softly: its stock movements and history stay).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.consignments import (
    common,
    orders,
    stocktakes,
    supplier_returns,
    transfers,
)
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentStatus,
    ConsignmentType,
)
from comptoir.inventory.consignments.stocktake_scope import StocktakeFilters

S = ConsignmentStatus
T = ConsignmentType
HEADER_FIELDS = frozenset(
    {
        "name",
        "reference",
        "due_at",
        "supplier_invoice",
        "reason",
        "type",
        "outlet_id",
        "source_outlet_id",
        "supplier_id",
    }
)


@dataclass(frozen=True, slots=True)
class Details:
    """Header fields as a client sends them; only those named in `given` are looked at."""

    given: frozenset[str]
    name: str | None = None
    reference: str | None = None
    due_at: datetime | None = None
    supplier_invoice: str | None = None
    reason: str | None = None
    type: ConsignmentType | None = None
    outlet_id: uuid.UUID | None = None
    source_outlet_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class NewConsignment:
    """A consignment as a client creates it; each type takes the fields it has."""

    type: ConsignmentType
    outlet_id: uuid.UUID | None
    status: ConsignmentStatus | None = None
    source_outlet_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    name: str | None = None
    reference: str | None = None
    due_at: datetime | None = None
    supplier_invoice: str | None = None
    reason: str | None = None
    filters: StocktakeFilters | None = None
    show_inactive: bool = False


def _required(value: uuid.UUID | None, field: str) -> uuid.UUID:
    if value is None:
        raise InvalidInput(N_("this field is required"), field=field)
    return value


def create_consignment(
    uow: UnitOfWork, *, new: NewConsignment, user_id: uuid.UUID | None
) -> Consignment:
    """A new consignment of `new.type`, in its workflow's first status (asking for another
    one is refused: a consignment is sent or received through its workflow)."""
    first = common.INITIAL[new.type]
    if new.status is not None and new.status is not first:
        raise InvalidInput(
            N_("a new consignment starts in its first status: OPEN, or STOCKTAKE_SCHEDULED "
               "for a count"),
            field="status",
            status=first.value,
        )  # fmt: skip
    outlet_id = _required(new.outlet_id, "outlet_id")
    if new.type is T.SUPPLIER:
        made = orders.create_order(uow, outlet_id=outlet_id, supplier_id=new.supplier_id,
                                   name=new.name, reference=new.reference, due_at=new.due_at,
                                   user_id=user_id)  # fmt: skip
    elif new.type is T.OUTLET:
        made = transfers.create_transfer(
            uow, source_outlet_id=_required(new.source_outlet_id, "source_outlet_id"),
            outlet_id=outlet_id, name=new.name, user_id=user_id,
        )  # fmt: skip
        made.due_at = new.due_at
    elif new.type is T.RETURN:
        made = supplier_returns.create_supplier_return(
            uow, outlet_id=outlet_id, supplier_id=_required(new.supplier_id, "supplier_id"),
            reason=new.reason if new.reason is not None else new.name, name=new.name,
            user_id=user_id,
        )  # fmt: skip
    else:
        made = stocktakes.create_stocktake(uow, outlet_id=outlet_id, name=new.name,
                                           filters=new.filters, show_inactive=new.show_inactive,
                                           user_id=user_id)  # fmt: skip
    invoice = _text(new.supplier_invoice)
    if invoice is not None:
        if len(invoice) > 100:
            raise InvalidInput(N_("this text is too long"), field="supplier_invoice", length=100)
        made.supplier_invoice = invoice
    return made


@dataclass(frozen=True, slots=True)
class Updated:
    consignment: Consignment
    # The status change answered an earlier receipt with the same delivery id.
    replayed: bool = False


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _changes(consignment: Consignment, details: Details) -> dict[str, object]:
    """The fields whose value differs from what the consignment holds, checked."""
    changes: dict[str, object] = {}
    fixed = {
        "type": (details.type.value if details.type else None, consignment.type),
        "outlet_id": (details.outlet_id, consignment.outlet_id),
        "source_outlet_id": (details.source_outlet_id, consignment.source_outlet_id),
    }
    for field, (given, current) in fixed.items():
        if field in details.given and given is not None and given != current:
            raise InvalidInput(N_("this field of a consignment cannot change"), field=field)
    texts = {
        "name": (255, details.name),
        "reference": (100, details.reference),
        "supplier_invoice": (100, details.supplier_invoice),
    }
    for field, (length, value) in texts.items():
        text = _text(value)
        if field not in details.given or text == getattr(consignment, field):
            continue
        if text is not None and len(text) > length:
            raise InvalidInput(N_("this text is too long"), field=field, length=length)
        changes[field] = text
    if "due_at" in details.given and details.due_at != consignment.due_at:
        changes["due_at"] = details.due_at
    if "supplier_id" in details.given and details.supplier_id != consignment.supplier_id:
        changes["supplier_id"] = details.supplier_id
    if "reason" in details.given and _text(details.reason) != consignment.reason:
        changes["reason"] = details.reason
    return changes


def change_details(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, details: Details, user_id: uuid.UUID | None
) -> Consignment:
    """Change the header fields given (see the module's rules)."""
    session = uow.session
    consignment = common.lock_consignment(session, consignment_id)
    changes = _changes(consignment, details)
    if not changes:
        return consignment
    common.check_open_to_changes(consignment)
    kind = T(consignment.type)
    if "name" in changes and changes["name"] is None and kind is T.STOCKTAKE:
        raise InvalidInput(N_("a stock count needs a name"), field="name")
    if "reference" in changes and kind is T.SUPPLIER:
        reference = changes["reference"]
        if reference is None:
            raise InvalidInput(N_("an order needs its order number"), field="reference")
        if orders._reference_used(session, str(reference)):
            raise InvalidInput(N_("this order number is already used"), field="reference")
    if "supplier_id" in changes:
        _check_supplier_change(session, consignment, changes["supplier_id"])
    if "reason" in changes:
        if kind is not T.RETURN:
            raise InvalidInput(N_("only a supplier return has a reason"), field="reason")
        if consignment.status != S.OPEN.value:
            raise ConsignmentStateError(
                N_("This return was sent: it can no longer change."), status=consignment.status
            )
        changes["reason"] = supplier_returns._reason_of(details.reason)
    for field, value in changes.items():
        setattr(consignment, field, value)
    consignment.updated_at = utcnow()
    common.record_event(session, consignment, action="changed", user_id=user_id,
                        detail={"fields": sorted(changes)})  # fmt: skip
    return consignment


def _check_supplier_change(session: Session, consignment: Consignment, supplier: object) -> None:
    if consignment.type != T.SUPPLIER.value or consignment.status != S.OPEN.value:
        raise InvalidInput(
            N_("the supplier can change only on an open purchase order"), field="supplier_id"
        )
    if supplier is not None:
        assert isinstance(supplier, uuid.UUID)
        orders._supplier(session, supplier)


def change_status(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    to: ConsignmentStatus,
    delivery_id: uuid.UUID,
    uncounted: str | None = None,
    user_id: uuid.UUID | None,
) -> Updated:
    """Move the consignment to `to` through its workflow (see the module's rules).
    `delivery_id` names a receipt: the same id again answers the first receipt."""
    session = uow.session
    consignment = common.lock_consignment(session, consignment_id)
    kind = T(consignment.type)
    receiving = to is S.RECEIVED and kind in (T.SUPPLIER, T.OUTLET)
    if receiving and common.previous_delivery(session, consignment, delivery_id) is not None:
        return Updated(consignment, replayed=True)
    if consignment.status == to.value:
        return Updated(consignment)
    common.check_transition(consignment, to)
    done = _workflow_step(uow, consignment, to, delivery_id, uncounted, user_id)
    if not done:
        raise ConsignmentStateError(
            N_("this status is not reached this way"), status=consignment.status, wanted=to.value
        )
    return Updated(common.get_consignment(session, consignment_id))


def _workflow_step(
    uow: UnitOfWork,
    consignment: Consignment,
    to: ConsignmentStatus,
    delivery_id: uuid.UUID,
    uncounted: str | None,
    user_id: uuid.UUID | None,
) -> bool:
    """Call the workflow function reaching `to`; False when there is none."""
    kind, c_id = T(consignment.type), consignment.id
    if kind is T.SUPPLIER:
        if to is S.SENT:
            orders.send_order(uow, consignment_id=c_id, user_id=user_id)
        elif to is S.RECEIVED:
            _receive_order(uow, consignment, delivery_id, user_id)
        elif to is S.CANCELLED:
            orders.cancel_order(uow, consignment_id=c_id, user_id=user_id)
        else:
            return False
    elif kind is T.OUTLET:
        if to is S.SENT:
            transfers.send_transfer(uow, consignment_id=c_id, user_id=user_id)
        elif to is S.RECEIVED:
            transfers.receive_transfer(uow, consignment_id=c_id, delivery_id=delivery_id,
                                       lines=None, user_id=user_id)  # fmt: skip
        elif to is S.CANCELLED:
            transfers.cancel_transfer(uow, consignment_id=c_id, user_id=user_id)
        else:
            return False
    elif kind is T.RETURN:
        if to is S.SENT:
            supplier_returns.send_supplier_return(uow, consignment_id=c_id, user_id=user_id)
        elif to is S.CANCELLED:
            supplier_returns.cancel_supplier_return(uow, consignment_id=c_id, user_id=user_id)
        else:
            return False
    elif to is S.STOCKTAKE_IN_PROGRESS:
        stocktakes.start_stocktake(uow, consignment_id=c_id, user_id=user_id)
    elif to is S.STOCKTAKE_COMPLETE:
        stocktakes.apply_stocktake(uow, consignment_id=c_id, uncounted=uncounted or "keep",
                                   user_id=user_id)  # fmt: skip
    elif to is S.CANCELLED:
        stocktakes.cancel_stocktake(uow, consignment_id=c_id, user_id=user_id)
    else:
        return False
    return True


def _receive_order(
    uow: UnitOfWork, order: Consignment, delivery_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    """RECEIVED: what is outstanding arrives when nothing was received yet; otherwise the
    order closes on what its deliveries brought (X-Series: the lines' `received`)."""
    lines = common.lines_of(uow.session, order.id).values()
    if not any((line.count or 0) > 0 or (line.received or 0) > 0 for line in lines):
        raise InvalidInput(N_("add products to the order before receiving it"))
    received_before = any((line.received or 0) > 0 for line in lines)
    orders.receive_order(uow, consignment_id=order.id, delivery_id=delivery_id,
                         lines=[] if received_before else None, complete=True,
                         user_id=user_id)  # fmt: skip


def update_consignment(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    details: Details,
    status: ConsignmentStatus | None,
    delivery_id: uuid.UUID,
    uncounted: str | None = None,
    user_id: uuid.UUID | None,
) -> Updated:
    """X-Series' PUT: the header fields, then the status."""
    consignment = change_details(
        uow, consignment_id=consignment_id, details=details, user_id=user_id
    )
    if status is None:
        return Updated(consignment)
    return change_status(uow, consignment_id=consignment_id, to=status, delivery_id=delivery_id,
                         uncounted=uncounted, user_id=user_id)  # fmt: skip


DELETABLE = frozenset({S.OPEN, S.STOCKTAKE_SCHEDULED, S.CANCELLED})


def delete_consignment(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    """Delete an OPEN, scheduled or cancelled consignment (soft: its history stays)."""
    session = uow.session
    consignment = common.lock_consignment(session, consignment_id)
    if S(consignment.status) not in DELETABLE:
        raise ConsignmentStateError(
            N_("only an open, scheduled or cancelled consignment can be deleted: cancel it first"),
            status=consignment.status,
        )
    now = utcnow()
    consignment.deleted_at = consignment.updated_at = now
    for line in common.lines_of(session, consignment.id).values():
        line.deleted_at = now
    common.record_event(session, consignment, action="deleted", user_id=user_id)
