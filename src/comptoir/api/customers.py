"""X-Series 2.0 customers and customer groups."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.api.params import (
    AmountIn,
    Paging,
    PagingWithDeleted,
    TextIn,
)
from comptoir.api.serialize import collection, data
from comptoir.api.serialize_customers import customer, customer_group
from comptoir.customers import groups
from comptoir.customers import service as customers
from comptoir.customers.models import Customer
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse

router = APIRouter(
    prefix="/api/2.0", tags=["Customers"], default_response_class=DecimalJSONResponse
)
customers_read = [Depends(require(Permission.VIEW_CUSTOMERS))]
Writer = Annotated[User, Depends(require(Permission.MANAGE_CUSTOMERS))]
GroupWriter = Annotated[User, Depends(require(Permission.MANAGE_CUSTOMER_GROUPS))]

Text = TextIn | None


class CustomerIn(BaseModel):
    """`CustomerBase`. Read-only fields a client echoes back (name, year_to_date, balance,
    version...) are ignored; a field sent as null or "" empties it."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID | None = None
    customer_code: Text = None
    customer_group_id: uuid.UUID | None = None
    first_name: Text = None
    last_name: Text = None
    company_name: Text = None
    email: Text = None
    phone: Text = None
    mobile: Text = None
    fax: Text = None
    website: Text = None
    twitter: Text = None
    date_of_birth: Text = None
    gender: Text = None
    note: Text = None
    physical_address_1: Text = None
    physical_address_2: Text = None
    physical_suburb: Text = None
    physical_city: Text = None
    physical_postcode: Text = None
    physical_state: Text = None
    physical_country_id: Text = None
    postal_address_1: Text = None
    postal_address_2: Text = None
    postal_suburb: Text = None
    postal_city: Text = None
    postal_postcode: Text = None
    postal_state: Text = None
    postal_country_id: Text = None
    custom_field_1: Text = None
    custom_field_2: Text = None
    custom_field_3: Text = None
    custom_field_4: Text = None
    do_not_email: bool | None = None
    enable_loyalty: bool | None = None
    on_account_limit: AmountIn | None = None
    tax_id: Text = None

    def values(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True, exclude={"id"})
        for flag in ("do_not_email", "enable_loyalty"):
            if flag in given and given[flag] is None:
                del given[flag]  # null leaves a flag as it is
        if given.get("customer_group_id") is None:
            given.pop("customer_group_id", None)
        if given.get("customer_code") is None:
            given.pop("customer_code", None)
        return given


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID | None = None
    name: TextIn = Field(max_length=100)


class CustomerIds(BaseModel):
    customer_ids: list[uuid.UUID] = Field(max_length=10_000)


def _with_figures(session: SessionDep, found: list[Customer]) -> list[dict[str, Any]]:
    figures = customers.figures_of(session, customer_ids=[c.id for c in found])
    return [customer(c, figures.get(c.id)) for c in found]


@router.get("/customers", dependencies=customers_read)
def list_customers(
    session: SessionDep,
    paging: PagingWithDeleted,
) -> Response:
    page = customers.page_customers(
        session,
        **paging.bounds(),
        include_deleted=paging.deleted,
    )
    return collection(_with_figures(session, page.items), page)


@router.get("/customers/{customer_id}", dependencies=customers_read)
def get_customer(customer_id: uuid.UUID, session: SessionDep) -> Response:
    found = customers.get_customer(session, customer_id=customer_id)
    return data(_with_figures(session, [found])[0])


@router.post("/customers", status_code=201)
def create_customer(
    body: CustomerIn, uow: UowDep, user: Writer, principal: PrincipalDep
) -> Response:
    """A register may send its own `id`: the same request again returns the first customer
    (200, `Idempotent-Replayed: true`) and creates nothing. A group other than the default
    needs `customers:groups`."""
    created, is_new = customers.create_customer(
        uow,
        values=body.values(),
        customer_id=body.id,
        source=customers.ConsentSource.API,
        user_id=user.id,
        may_change_group=principal.allows(Permission.MANAGE_CUSTOMER_GROUPS),
    )
    reply = data(_with_figures(uow.reader, [created])[0])
    reply.status_code = 201 if is_new else 200
    if not is_new:
        reply.headers["Idempotent-Replayed"] = "true"
    return reply


@router.put("/customers/{customer_id}")
def update_customer(
    customer_id: uuid.UUID, body: CustomerIn, uow: UowDep, user: Writer, principal: PrincipalDep
) -> Response:
    """A `customer_group_id` other than the customer's needs `customers:groups`."""
    updated = customers.update_customer(
        uow,
        customer_id=customer_id,
        values=body.values(),
        source=customers.ConsentSource.API,
        user_id=user.id,
        may_change_group=principal.allows(Permission.MANAGE_CUSTOMER_GROUPS),
    )
    return data(_with_figures(uow.session, [updated])[0])


@router.delete("/customers/{customer_id}")
def delete_customer(customer_id: uuid.UUID, uow: UowDep, _user: Writer) -> Response:
    deleted = customers.delete_customer(uow, customer_id=customer_id)
    return data(customer(deleted))


@router.get("/customer_groups", dependencies=customers_read)
def list_customer_groups(
    session: SessionDep,
    paging: PagingWithDeleted,
) -> Response:
    page = groups.page_groups(
        session,
        **paging.bounds(),
        include_deleted=paging.deleted,
    )
    return collection([customer_group(g) for g in page.items], page)


@router.get("/customer_groups/{group_id}", dependencies=customers_read)
def get_customer_group(group_id: uuid.UUID, session: SessionDep) -> Response:
    return data(customer_group(groups.get_live_group(session, group_id=group_id)))


@router.post("/customer_groups", status_code=201)
def create_customer_group(body: GroupIn, uow: UowDep, _user: GroupWriter) -> Response:
    reply = data(customer_group(groups.create_group(uow, name=body.name, group_id=body.id)))
    reply.status_code = 201  # as declared (it answered 200)
    return reply


@router.put("/customer_groups/{group_id}")
def rename_customer_group(
    group_id: uuid.UUID, body: GroupIn, uow: UowDep, _user: GroupWriter
) -> Response:
    return data(customer_group(groups.rename_group(uow, group_id=group_id, name=body.name)))


@router.delete("/customer_groups/{group_id}")
def delete_customer_group(group_id: uuid.UUID, uow: UowDep, _user: GroupWriter) -> Response:
    return data(customer_group(groups.delete_group(uow, group_id=group_id)))


@router.get("/customer_groups/{group_id}/customers", dependencies=customers_read)
def list_group_customers(
    group_id: uuid.UUID,
    session: SessionDep,
    paging: Paging,
) -> Response:
    groups.get_live_group(session, group_id=group_id)
    page = customers.page_customers(
        session,
        **paging.bounds(),
        group_id=group_id,
    )
    return collection(_with_figures(session, page.items), page)


@router.post("/customer_groups/{group_id}/customers")
def add_group_customers(
    group_id: uuid.UUID, body: Annotated[CustomerIds, Body()], uow: UowDep, _user: GroupWriter
) -> Response:
    moved = groups.move_customers(uow, group_id=group_id, customer_ids=body.customer_ids)
    return data({"customer_group_id": str(group_id), "moved": moved})


@router.delete("/customer_groups/{group_id}/customers")
def remove_group_customers(
    group_id: uuid.UUID, body: Annotated[CustomerIds, Body()], uow: UowDep, _user: GroupWriter
) -> Response:
    moved = groups.remove_customers(uow, group_id=group_id, customer_ids=body.customer_ids)
    return data({"customer_group_id": str(group_id), "moved": moved})
