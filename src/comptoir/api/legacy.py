"""X-Series 0.9 lists that integrations still call, in the 0.9 shapes: registers, payment
types, taxes, outlets and users (not paged, as 0.9 lists them), customers, suppliers and
products (numbered pages with a `pagination` object), and creating or updating a supplier.
Each needs the permission of its 2.0 equivalent."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from comptoir.accounts import users
from comptoir.accounts.permissions import Permission
from comptoir.api import legacy_shapes as shapes
from comptoir.api import serialize_legacy as out
from comptoir.api.catalog_entities import SupplierIn, supplier_fields
from comptoir.api.legacy_shapes import answers
from comptoir.api.params import Deleted, NumberedPageSize, PageNumber, Since, TextIn
from comptoir.catalog import entities, listing
from comptoir.catalog.models import Supplier
from comptoir.catalog.references import references_of
from comptoir.core.paging import DEFAULT_NUMBERED_PAGE_SIZE, check_page_number, check_page_size
from comptoir.customers import listing as customer_listing
from comptoir.customers import service as customers
from comptoir.http.deps import SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse
from comptoir.inventory import service as inventory
from comptoir.store import listing as setup
from comptoir.store import service as store
from comptoir.store.models import Outlet, PaymentType, Register, Tax

router = APIRouter(prefix="/api", default_response_class=DecimalJSONResponse)
setup_read = [Depends(require(Permission.VIEW_SETUP))]
catalog_read = [Depends(require(Permission.VIEW_CATALOG))]
catalog_write = [Depends(require(Permission.MANAGE_CATALOG))]


def _numbered(page: int | None, page_size: int | None) -> dict[str, int]:
    return {
        "page": check_page_number(page),
        "page_size": check_page_size(page_size, default=DEFAULT_NUMBERED_PAGE_SIZE),
    }


# Store setup: one list each, not paged ----------------------------------------------------


@router.get(
    "/registers",
    dependencies=setup_read,
    tags=["Registers (0.9)"],
    responses=answers(shapes.RegisterCollection),
)
def list_registers(session: SessionDep, deleted: Deleted = False) -> Response:
    found = setup.list_setup(session, Register, include_deleted=deleted)
    return DecimalJSONResponse({"registers": [out.register(r) for r in found]})


@router.get(
    "/payment_types",
    dependencies=setup_read,
    tags=["Payment Types (0.9)"],
    responses=answers(shapes.PaymentTypeCollection),
)
def list_payment_types(session: SessionDep) -> Response:
    found = setup.list_setup(session, PaymentType)
    return DecimalJSONResponse({"payment_types": [out.payment_type(p) for p in found]})


@router.get(
    "/taxes", dependencies=setup_read, tags=["Taxes (0.9)"], responses=answers(shapes.TaxCollection)
)
def list_taxes(session: SessionDep) -> Response:
    default = store.get_retailer(session).default_tax_id
    found = setup.list_setup(session, Tax)
    return DecimalJSONResponse({"taxes": [out.tax(t, default_tax_id=default) for t in found]})


@router.get(
    "/outlets",
    dependencies=setup_read,
    tags=["Outlets (0.9)"],
    responses=answers(shapes.OutletCollection),
)
def list_outlets(session: SessionDep) -> Response:
    retailer = store.get_retailer(session)
    found = setup.list_setup(session, Outlet)
    return DecimalJSONResponse({"outlets": [out.outlet(o, retailer) for o in found]})


@router.get(
    "/users",
    dependencies=[Depends(require(Permission.VIEW_USERS))],
    tags=["Users (0.9)"],
    responses=answers(shapes.UserCollection),
)
def list_users(session: SessionDep) -> Response:
    found = users.list_users(session)
    outlets = users.outlets_of(session, user_ids=[u.id for u in found])
    return DecimalJSONResponse(
        {"users": [out.user(u, outlet_ids=outlets.get(u.id)) for u in found]}
    )


# Customers --------------------------------------------------------------------------------


@router.get(
    "/customers",
    dependencies=[Depends(require(Permission.VIEW_CUSTOMERS))],
    tags=["Customers (0.9)"],
    responses=answers(shapes.CustomerCollection),
)
def list_customers(
    session: SessionDep,
    id: uuid.UUID | None = None,
    code: Annotated[TextIn | None, Query(max_length=100)] = None,
    email: Annotated[TextIn | None, Query(max_length=200)] = None,
    since: Since = None,
    page: PageNumber = None,
    page_size: NumberedPageSize = None,
) -> Response:
    """Live customers in version order; `id`, `code` or `email` (one of them) find one."""
    found = customer_listing.page_customers_by_number(
        session,
        lookup=customer_listing.CustomerLookup(customer_id=id, code=code, email=email, since=since),
        **_numbered(page, page_size),
    )
    figures = customers.figures_of(session, customer_ids=[c.id for c in found.items])
    groups = customer_listing.group_names(
        session, group_ids={c.customer_group_id for c in found.items}
    )
    return DecimalJSONResponse(
        {
            "customers": [
                out.customer(c, figures.get(c.id), group_name=groups.get(c.customer_group_id))
                for c in found.items
            ],
            "pagination": out.pagination(found),
        }
    )


# Suppliers --------------------------------------------------------------------------------


@router.get(
    "/supplier",
    dependencies=catalog_read,
    tags=["Suppliers (0.9)"],
    responses=answers(shapes.SupplierCollection),
)
def list_suppliers(
    session: SessionDep, page: PageNumber = None, page_size: NumberedPageSize = None
) -> Response:
    found = listing.page_suppliers_by_number(session, **_numbered(page, page_size))
    return DecimalJSONResponse(
        {"suppliers": [out.supplier(s) for s in found.items], "pagination": out.pagination(found)}
    )


class SupplierUpdateIn(SupplierIn):
    """0.9 `SupplierUpdateBase`: with the `id` of an existing supplier, an update."""

    id: uuid.UUID | None = None


@router.post(
    "/supplier",
    dependencies=catalog_write,
    tags=["Suppliers (0.9)"],
    responses=answers(shapes.Supplier),
)
def save_supplier(body: SupplierUpdateIn, uow: UowDep) -> Response:
    """Creates a supplier, or updates the one named by `id` (the fields sent; 404 if there
    is no such supplier). Answers the supplier."""
    if body.id is None:
        saved = entities.create_supplier(uow, fields=supplier_fields(body, None))
    else:
        current = entities.get_entity(uow.session, Supplier, entity_id=body.id)
        saved = entities.update_supplier(
            uow, supplier_id=body.id, fields=supplier_fields(body, current)
        )
    return DecimalJSONResponse(out.supplier(saved))


@router.get(
    "/supplier/{supplier_id}",
    dependencies=catalog_read,
    tags=["Suppliers (0.9)"],
    responses=answers(shapes.Supplier),
)
def get_supplier(supplier_id: uuid.UUID, session: SessionDep) -> Response:
    found = entities.get_entity(session, Supplier, entity_id=supplier_id)
    return DecimalJSONResponse(out.supplier(found))


@router.delete(
    "/supplier/{supplier_id}",
    dependencies=catalog_write,
    tags=["Suppliers (0.9)"],
    response_class=Response,
    responses={200: {"description": "Deleted; no body, as 0.9 answers"}},
)
def delete_supplier(supplier_id: uuid.UUID, uow: UowDep) -> Response:
    """Its products keep their supplier code but lose the supplier."""
    entities.delete_supplier(uow, supplier_id=supplier_id)
    return Response(status_code=200)


# Products ---------------------------------------------------------------------------------


@router.get(
    "/products",
    dependencies=catalog_read,
    tags=["Products (0.9)"],
    responses=answers(shapes.ProductCollection),
)
def list_products(
    session: SessionDep,
    since: Since = None,
    active: bool | None = None,
    page: PageNumber = None,
    page_size: NumberedPageSize = None,
) -> Response:
    """Live products in version order, each with its stock at every outlet."""
    found = listing.page_products_by_number(
        session, since=since, active=active, **_numbered(page, page_size)
    )
    retailer = store.get_retailer(session)
    refs = references_of(session, found.items)
    levels = inventory.levels_of_products(session, product_ids=[p.id for p in found.items])
    outlets = {o.id: o for o in setup.list_setup(session, Outlet, include_deleted=True)}
    taxes = {t.id: t for t in setup.list_setup(session, Tax, include_deleted=True)}
    shown: list[dict[str, Any]] = [
        out.product(
            p,
            refs,
            levels=levels.get(p.id, []),
            outlets=outlets,
            taxes=taxes,
            retailer=retailer,
        )
        for p in found.items
    ]
    return DecimalJSONResponse({"products": shown, "pagination": out.pagination(found)})
