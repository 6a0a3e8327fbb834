"""The stock control list: orders, transfers, returns and counts in tabs, filtered by status,
outlet and supplier, searched by number or note, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import entities
from comptoir.catalog.models import Supplier
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep
from comptoir.inventory.consignments.listing import ConsignmentFilter, list_consignments
from comptoir.inventory.consignments.models import ConsignmentStatus, ConsignmentType
from comptoir.store import service as store
from comptoir.web.deps import page_requires
from comptoir.web.form_fields import uuid_or_none
from comptoir.web.render import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_requires(Permission.VIEW_CONSIGNMENTS))]
PAGE_SIZE = 50

# tab -> (type, label, where each consignment's page is)
TABS: dict[str, tuple[ConsignmentType, str, str]] = {
    "orders": (ConsignmentType.SUPPLIER, N_("Purchase orders"), "/stock-control/orders"),
    "transfers": (ConsignmentType.OUTLET, N_("Transfers"), "/stock-control/transfers"),
    "returns": (ConsignmentType.RETURN, N_("Supplier returns"), "/stock-control/returns"),
    "counts": (ConsignmentType.STOCKTAKE, N_("Stock counts"), "/stock-control/counts"),
}
STATUS_LABELS = {
    "OPEN": N_("Open"),
    "SENT": N_("Sent"),
    "DISPATCHED": N_("Partly received"),
    "RECEIVED": N_("Received"),
    "CANCELLED": N_("Cancelled"),
    "STOCKTAKE_SCHEDULED": N_("Scheduled"),
    "STOCKTAKE_IN_PROGRESS": N_("Counting"),
    "STOCKTAKE_IN_PROGRESS_PROCESSED": N_("In review"),
    "STOCKTAKE_COMPLETE": N_("Complete"),
    "CLOSED": N_("Closed"),
}
STATUSES_OF = {
    ConsignmentType.SUPPLIER: ("OPEN", "SENT", "DISPATCHED", "RECEIVED", "CANCELLED"),
    ConsignmentType.OUTLET: ("OPEN", "SENT", "DISPATCHED", "RECEIVED", "CANCELLED"),
    ConsignmentType.RETURN: ("OPEN", "SENT", "CANCELLED"),
    ConsignmentType.STOCKTAKE: (
        "STOCKTAKE_SCHEDULED",
        "STOCKTAKE_IN_PROGRESS",
        "STOCKTAKE_IN_PROGRESS_PROCESSED",
        "STOCKTAKE_COMPLETE",
        "CANCELLED",
    ),
}


@router.get("/stock-control")
def stock_control_page(
    request: Request,
    session: SessionDep,
    _user: Viewer,
    tab: str = "orders",
    status: str = "",
    outlet: str = "",
    supplier: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    tab = tab if tab in TABS else "orders"
    kind, _label, base = TABS[tab]
    status = status if status in STATUSES_OF[kind] else ""
    page = max(1, min(page, 10_000))
    outlet_id, supplier_id = uuid_or_none(outlet), uuid_or_none(supplier)
    rows = list_consignments(
        session,
        where=ConsignmentFilter(
            type=kind,
            status=status or None,
            outlet_id=outlet_id,
            supplier_id=supplier_id,
            text=q[:100],
        ),
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    outlets = store.list_outlets(session)
    suppliers = entities.list_entities(session, Supplier)
    return render(
        request,
        "stock/list.html",
        tabs={key: label for key, (_k, label, _b) in TABS.items()},
        base=base,
        consignments=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        statuses={s: STATUS_LABELS[s] for s in STATUSES_OF[kind]},
        status_labels=STATUS_LABELS,
        outlets=outlets,
        outlet_names={o.id: o.name for o in outlets},
        suppliers=suppliers,
        supplier_names={s.id: s.name for s in suppliers},
        filters={
            "tab": tab,
            "status": status,
            "outlet": str(outlet_id or ""),
            "supplier": str(supplier_id or ""),
            "q": q[:100],
            "page": str(page) if page > 1 else "",
        },
        page=page,
        is_orders=kind is ConsignmentType.SUPPLIER,
        time_zone=store.get_retailer(session).time_zone,
        ConsignmentStatus=ConsignmentStatus,
    )
