from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api.params import Paging, PagingWithDeleted
from comptoir.http.deps import SessionDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.registers import service as registers
from comptoir.store import listing
from comptoir.store import service as store
from comptoir.store.models import Outlet, PaymentType, Register, Tax

router = APIRouter(prefix="/api/2.0", tags=["Store"], default_response_class=DecimalJSONResponse)
setup_read = [Depends(require(Permission.VIEW_SETUP))]


@router.get("/retailer", dependencies=setup_read)
def get_retailer(session: SessionDep) -> Response:
    return serialize.data(serialize.retailer(store.get_retailer(session)))


@router.get("/outlets", dependencies=setup_read)
def list_outlets(
    session: SessionDep,
    paging: PagingWithDeleted,
) -> Response:
    retailer = store.get_retailer(session)
    page = listing.page_setup(
        session,
        Outlet,
        **paging.bounds(),
        include_deleted=paging.deleted,
    )
    return serialize.collection([serialize.outlet(o, retailer) for o in page.items], page)


@router.get("/outlets/{outlet_id}", dependencies=setup_read)
def get_outlet(outlet_id: uuid.UUID, session: SessionDep) -> Response:
    retailer = store.get_retailer(session)
    return serialize.data(
        serialize.outlet(store.get_outlet(session, outlet_id=outlet_id), retailer)
    )


@router.get("/registers", dependencies=setup_read)
def list_registers(
    session: SessionDep,
    paging: PagingWithDeleted,
) -> Response:
    page = listing.page_setup(
        session,
        Register,
        **paging.bounds(),
        include_deleted=paging.deleted,
    )
    times = registers.register_times(session, registers=page.items)
    return serialize.collection(
        [
            serialize.register(r, opened_at=times[r.id][0], closed_at=times[r.id][1])
            for r in page.items
        ],
        page,
    )


@router.get("/registers/{register_id}", dependencies=setup_read)
def get_register(register_id: uuid.UUID, session: SessionDep) -> Response:
    register = store.get_register(session, register_id=register_id)
    opened_at, closed_at = registers.register_times(session, registers=[register])[register.id]
    return serialize.data(serialize.register(register, opened_at=opened_at, closed_at=closed_at))


@router.get("/taxes", dependencies=setup_read)
def list_taxes(session: SessionDep, paging: Paging) -> Response:
    default = store.get_retailer(session).default_tax_id
    page = listing.page_setup(session, Tax, **paging.bounds())
    return serialize.collection(
        [serialize.tax(t, default_tax_id=default) for t in page.items], page
    )


@router.get("/payment_types", dependencies=setup_read)
def list_payment_types(session: SessionDep, paging: Paging) -> Response:
    page = listing.page_setup(session, PaymentType, **paging.bounds())
    return serialize.collection([serialize.payment_type(p) for p in page.items], page)
