from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.http.deps import SessionDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.store import service as store

router = APIRouter(prefix="/api/2.0", tags=["Store"], default_response_class=DecimalJSONResponse)
setup_read = [Depends(require(Permission.VIEW_SETUP))]


@router.get("/retailer", dependencies=setup_read)
def get_retailer(session: SessionDep) -> Response:
    return serialize.data(serialize.retailer(store.get_retailer(session)))


@router.get("/outlets", dependencies=setup_read)
def list_outlets(session: SessionDep) -> Response:
    retailer = store.get_retailer(session)
    return serialize.collection(
        [serialize.outlet(o, retailer) for o in store.list_outlets(session)]
    )


@router.get("/outlets/{outlet_id}", dependencies=setup_read)
def get_outlet(outlet_id: uuid.UUID, session: SessionDep) -> Response:
    retailer = store.get_retailer(session)
    return serialize.data(
        serialize.outlet(store.get_outlet(session, outlet_id=outlet_id), retailer)
    )


@router.get("/registers", dependencies=setup_read)
def list_registers(session: SessionDep) -> Response:
    return serialize.collection([serialize.register(r) for r in store.list_registers(session)])


@router.get("/registers/{register_id}", dependencies=setup_read)
def get_register(register_id: uuid.UUID, session: SessionDep) -> Response:
    return serialize.data(serialize.register(store.get_register(session, register_id=register_id)))


@router.get("/taxes", dependencies=setup_read)
def list_taxes(session: SessionDep) -> Response:
    default = store.get_retailer(session).default_tax_id
    return serialize.collection(
        [serialize.tax(t, default_tax_id=default) for t in store.list_taxes(session)]
    )


@router.get("/payment_types", dependencies=setup_read)
def list_payment_types(session: SessionDep) -> Response:
    return serialize.collection(
        [serialize.payment_type(p) for p in store.list_payment_types(session)]
    )
