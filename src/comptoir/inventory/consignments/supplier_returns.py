"""Returns to a supplier (X-Series consignments of type RETURN: OPEN -> SENT, or CANCELLED).

A return names its reason (damaged, wrong item, overstock...). When it is sent the stock
leaves the outlet (at the outlet's average cost, as any stock leaving is valued), and a credit
note request (PDF) lists what went back at each line's cost, by default the product's supply
price: what the supplier is asked to credit. It is emailed to the supplier, when the supplier
has an email, through the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from comptoir.catalog.models import Supplier
from comptoir.core import i18n
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.consignments.common import (
    LineInput,
    add_consignment,
    check_open_to_changes,
    get_consignment,
    lines_of,
    lock_consignment,
    products_by_id,
    quantity_of,
    record_event,
    remove_line,
    set_status,
    upsert_lines,
)
from comptoir.inventory.consignments.credit_note import (
    build_credit_note,
    credit_note_to_json,
    render_credit_note,
    retailer_of,
)
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
)
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.store.models import Outlet

S = ConsignmentStatus
CREDIT_NOTE_EMAIL_TOPIC = "supplier_return.credit_note"
# Offered on the page; any other reason may be typed.
REASONS = (N_("Damaged"), N_("Wrong item"), N_("Overstock"), N_("Expired"), N_("Faulty"))
REASON_LENGTH = 200


def get_supplier_return(session: Session, consignment_id: uuid.UUID) -> Consignment:
    return get_consignment(session, consignment_id, type=ConsignmentType.RETURN)


def _reason_of(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise InvalidInput(N_("Give the reason for the return."), field="reason")
    if len(text) > REASON_LENGTH:
        raise InvalidInput(N_("The reason is too long."), field="reason")
    return text


def create_supplier_return(
    uow: UnitOfWork,
    *,
    outlet_id: uuid.UUID,
    supplier_id: uuid.UUID,
    reason: str | None,
    name: str | None = None,
    user_id: uuid.UUID | None,
) -> Consignment:
    session = uow.session
    checked_reason = _reason_of(reason)
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.deleted_at is not None:
        raise InvalidInput(N_("Choose an outlet."), field="outlet_id")
    supplier = session.get(Supplier, supplier_id)
    if supplier is None or supplier.deleted_at is not None:
        raise InvalidInput(N_("Choose a supplier."), field="supplier_id")
    return add_consignment(
        session,
        type=ConsignmentType.RETURN,
        user_id=user_id,
        name=(name or "").strip()[:255] or None,
        outlet_id=outlet_id,
        supplier_id=supplier_id,
        reason=checked_reason,
    )


def _lock_open_return(session: Session, consignment_id: uuid.UUID) -> Consignment:
    consignment = lock_consignment(session, consignment_id, type=ConsignmentType.RETURN)
    check_open_to_changes(consignment)
    if consignment.status != S.OPEN.value:
        raise ConsignmentStateError(
            N_("This return was sent: it can no longer change."), status=consignment.status
        )
    return consignment


def change_supplier_return(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    reason: str | None,
    name: str | None = None,
    user_id: uuid.UUID | None,
) -> Consignment:
    consignment = _lock_open_return(uow.session, consignment_id)
    consignment.reason = _reason_of(reason)
    consignment.name = (name or "").strip()[:255] or None
    record_event(uow.session, consignment, action="changed", user_id=user_id)
    return consignment


def change_return_lines(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    lines: Sequence[LineInput],
    accumulate: bool = False,
    user_id: uuid.UUID | None,
) -> list[ConsignmentProduct]:
    """Add products to an OPEN return or change their quantity (`count`) or unit cost
    (`cost`, the product's supply price when a line is added without one)."""
    session = uow.session
    consignment = _lock_open_return(session, consignment_id)
    for line in lines:
        if line.count is not None:
            quantity_of(line.count)
        if line.cost is not None:
            quantity_of(line.cost, field="cost")
    products = products_by_id(session, [line.product_id for line in lines])
    refused = [str(p.id) for p in products.values() if p.is_composite or not p.has_inventory]
    if refused:
        raise InvalidInput(
            N_("This product has no stock of its own to return."), product_ids=refused[:20]
        )
    changed = upsert_lines(session, consignment, lines, accumulate=accumulate)
    record_event(
        session,
        consignment,
        action="lines_changed",
        user_id=user_id,
        detail={"lines": [[str(c.product_id), str(c.count), str(c.cost)] for c in changed]},
    )
    return changed


def remove_return_line(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, product_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    consignment = _lock_open_return(uow.session, consignment_id)
    remove_line(uow.session, consignment, product_id)
    record_event(
        uow.session, consignment, action="line_removed", user_id=user_id,
        detail={"product_id": str(product_id)},
    )  # fmt: skip


def _reference_of(consignment: Consignment, moment: datetime) -> str:
    """Readable and unique without a counter (ids are random): the date and the id's start."""
    return f"RET-{moment:%Y%m%d}-{consignment.id.hex[:6].upper()}"


def send_supplier_return(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    user_id: uuid.UUID | None,
    locale: str | None = None,
) -> Consignment:
    """The stock leaves the outlet; the credit note is queued to the supplier's email."""
    session = uow.session
    consignment = _lock_open_return(session, consignment_id)
    lines = [line for line in lines_of(session, consignment.id).values() if (line.count or 0) > 0]
    if not lines:
        raise InvalidInput(N_("Add at least one product to return."), field="lines")
    changes = [
        # Valued by inventory.costing at the outlet's average cost; the line's cost is used
        # only when the outlet holds none of it.
        StockChange(
            line.product_id, consignment.outlet_id, -(line.count or Decimal(0)), unit_cost=line.cost
        )
        for line in sorted(lines, key=lambda row: row.product_id.int)
    ]
    move_stock(
        session,
        changes=changes,
        kind=MovementKind.SUPPLIER_RETURN,
        source_id=consignment.id,
        user_id=user_id,
    )
    set_status(
        session,
        consignment,
        S.SENT,
        user_id=user_id,
        detail={"lines": [[str(c.product_id), str(-c.quantity)] for c in changes]},
    )
    assert consignment.sent_at is not None
    consignment.reference = consignment.reference or _reference_of(consignment, consignment.sent_at)
    session.flush()
    supplier = session.get(Supplier, consignment.supplier_id) if consignment.supplier_id else None
    if supplier is not None and supplier.email:
        enqueue(
            uow,
            topic=CREDIT_NOTE_EMAIL_TOPIC,
            payload={
                "to": supplier.email,
                "locale": locale or retailer_of(session).locale,
                "note": credit_note_to_json(build_credit_note(session, consignment)),
            },
        )
        record_event(session, consignment, action="credit_note_emailed", user_id=user_id)
    return consignment


def cancel_supplier_return(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """Only an OPEN return cancels: a sent one has left the shop."""
    consignment = _lock_open_return(uow.session, consignment_id)
    set_status(uow.session, consignment, S.CANCELLED, user_id=user_id)
    return consignment


def credit_note_pdf(
    session: Session, *, consignment_id: uuid.UUID, locale: str | None = None
) -> bytes:
    """The return's credit note request as a PDF, in `locale` (else the current one)."""
    consignment = get_supplier_return(session, consignment_id)
    if locale is not None:
        i18n.set_locale(locale)
    return render_credit_note(build_credit_note(session, consignment))
