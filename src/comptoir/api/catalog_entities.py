"""Brands, suppliers, tags, product types and categories, variant attributes (X-Series 2.0).

Response shapes follow `legacy-api-v2-0.json` to the letter, including where its endpoints
differ from one another: creating a brand, supplier or tag answers `{"data": "<id>"}`;
updating answers `{"data": {"id": ...}}` for a brand, `{"id": ...}` for a supplier and
`{"data": "<id>"}` for a tag; deleting a brand answers inside a `payload` object. X-Series
unlinks products in a background job and returns its `job_id`; here it is done before the
answer, so `job_id` is null. On update, a field left out of the body keeps its value.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from comptoir.accounts.permissions import Permission
from comptoir.api import serialize
from comptoir.api import serialize_catalog as out
from comptoir.api.params import Deleted, PagingWithDeleted, TextIn
from comptoir.catalog import categories, entities
from comptoir.catalog.models import Brand, ProductType, Supplier, Tag, VariantAttribute
from comptoir.core.errors import InvalidInput
from comptoir.core.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from comptoir.http.deps import SessionDep, UowDep, require
from comptoir.http.json import DecimalJSONResponse

router = APIRouter(prefix="/api/2.0", default_response_class=DecimalJSONResponse)
catalog_read = [Depends(require(Permission.VIEW_CATALOG))]
catalog_write = [Depends(require(Permission.MANAGE_CATALOG))]
Entity = TypeVar("Entity", Brand, Supplier, ProductType, Tag, VariantAttribute)


def _versioned_list(
    path: str,
    model: type[Entity],
    show: Callable[[Session, list[Entity]], list[dict[str, Any]]],
    tag: str,
) -> None:
    """`GET /<path>`: the kind's rows in version order, paged like every 2.0 list."""

    def listing(session: SessionDep, paging: PagingWithDeleted) -> Response:
        page = entities.page_entities(
            session,
            model,
            **paging.bounds(),
            include_deleted=paging.deleted,
        )
        return serialize.collection(show(session, page.items), page)

    router.add_api_route(
        f"/{path}",
        listing,
        methods=["GET"],
        dependencies=catalog_read,
        tags=[tag],
        name=f"list_{path}",
        summary=f"List {path.replace('_', ' ')}",
    )


def _each(serializer: Callable[[Entity], dict[str, Any]]) -> Any:
    return lambda _session, rows: [serializer(row) for row in rows]


def _product_types(session: Session, rows: list[ProductType]) -> list[dict[str, Any]]:
    return [out.product_type(node) for node in categories.nodes_of(session, rows)]


_versioned_list("brands", Brand, _each(out.brand), "Brands")
_versioned_list("suppliers", Supplier, _each(out.supplier), "Suppliers")
_versioned_list("tags", Tag, _each(out.tag), "Tags")
_versioned_list("product_types", ProductType, _product_types, "Product Types")
_versioned_list(
    "variant_attributes", VariantAttribute, _each(out.variant_attribute), "Variant Attributes"
)


def _kept(body: BaseModel, name: str, current: Any) -> Any:
    """The body's value of `name` when it was sent, else the current one."""
    return getattr(body, name) if name in body.model_fields_set else current


def _id_only(entity: Any) -> DecimalJSONResponse:
    return DecimalJSONResponse({"data": str(entity.id)})


def _deleted(entity_id: uuid.UUID) -> dict[str, Any]:
    return {"id": str(entity_id), "job_id": None}


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


# Brands -----------------------------------------------------------------------------------


class BrandIn(_Body):
    name: TextIn
    description: TextIn | None = None


@router.post("/brands", dependencies=catalog_write, tags=["Brands"])
def create_brand(body: BrandIn, uow: UowDep) -> Response:
    return _id_only(entities.create_brand(uow, name=body.name, description=body.description))


@router.get("/brands/{brand_id}", dependencies=catalog_read, tags=["Brands"])
def get_brand(brand_id: uuid.UUID, session: SessionDep) -> Response:
    return serialize.data(out.brand(entities.get_entity(session, Brand, entity_id=brand_id)))


@router.put("/brands/{brand_id}", dependencies=catalog_write, tags=["Brands"])
def update_brand(brand_id: uuid.UUID, body: BrandIn, uow: UowDep) -> Response:
    current = entities.get_entity(uow.session, Brand, entity_id=brand_id)
    entities.update_brand(
        uow,
        brand_id=brand_id,
        name=body.name,
        description=_kept(body, "description", current.description),
    )
    return serialize.data({"id": str(brand_id)})


@router.delete("/brands/{brand_id}", dependencies=catalog_write, tags=["Brands"])
def delete_brand(brand_id: uuid.UUID, uow: UowDep) -> Response:
    entities.delete_brand(uow, brand_id=brand_id)
    return DecimalJSONResponse({"payload": {"data": _deleted(brand_id)}})


# Suppliers --------------------------------------------------------------------------------


class SupplierContactIn(_Body):
    """X-Series contact fields; the postal address and `default_markup` are not kept."""

    first_name: TextIn | None = None
    last_name: TextIn | None = None
    company_name: TextIn | None = None
    phone: TextIn | None = None
    mobile: TextIn | None = None
    fax: TextIn | None = None
    website: TextIn | None = None
    twitter: TextIn | None = None
    email: TextIn | None = None
    physical_address1: TextIn | None = None
    physical_address2: TextIn | None = None
    physical_suburb: TextIn | None = None
    physical_city: TextIn | None = None
    physical_postcode: TextIn | None = None
    physical_state: TextIn | None = None
    physical_country_id: TextIn | None = None


class SupplierIn(_Body):
    name: TextIn
    description: TextIn | None = None
    contact: SupplierContactIn | None = None


def supplier_fields(body: SupplierIn, current: Supplier | None) -> entities.SupplierFields:
    contact = body.contact or SupplierContactIn()
    values = {
        name: _kept(contact, sent, getattr(current, name, None))
        for name, sent in out.CONTACT_NAMES.items()
    }
    description = _kept(body, "description", current.description if current else None)
    return entities.SupplierFields(name=body.name, description=description, **values)


@router.post("/suppliers", dependencies=catalog_write, tags=["Suppliers"])
def create_supplier(body: SupplierIn, uow: UowDep) -> Response:
    return _id_only(entities.create_supplier(uow, fields=supplier_fields(body, None)))


@router.get("/suppliers/{supplier_id}", dependencies=catalog_read, tags=["Suppliers"])
def get_supplier(supplier_id: uuid.UUID, session: SessionDep) -> Response:
    found = entities.get_entity(session, Supplier, entity_id=supplier_id)
    return serialize.data(out.supplier(found))


@router.put("/suppliers/{supplier_id}", dependencies=catalog_write, tags=["Suppliers"])
def update_supplier(supplier_id: uuid.UUID, body: SupplierIn, uow: UowDep) -> Response:
    current = entities.get_entity(uow.session, Supplier, entity_id=supplier_id)
    entities.update_supplier(uow, supplier_id=supplier_id, fields=supplier_fields(body, current))
    return DecimalJSONResponse({"id": str(supplier_id)})


@router.delete("/suppliers/{supplier_id}", dependencies=catalog_write, tags=["Suppliers"])
def delete_supplier(supplier_id: uuid.UUID, uow: UowDep) -> Response:
    entities.delete_supplier(uow, supplier_id=supplier_id)
    return serialize.data(_deleted(supplier_id))


# Tags -------------------------------------------------------------------------------------


class NameIn(_Body):
    name: TextIn


@router.post("/tags", dependencies=catalog_write, tags=["Tags"])
def create_tag(body: NameIn, uow: UowDep) -> Response:
    return _id_only(entities.create_tag(uow, name=body.name))


@router.get("/tags/{tag_id}", dependencies=catalog_read, tags=["Tags"])
def get_tag(tag_id: uuid.UUID, session: SessionDep) -> Response:
    return serialize.data(out.tag(entities.get_entity(session, Tag, entity_id=tag_id)))


@router.put("/tags/{tag_id}", dependencies=catalog_write, tags=["Tags"])
def update_tag(tag_id: uuid.UUID, body: NameIn, uow: UowDep) -> Response:
    return _id_only(entities.update_tag(uow, tag_id=tag_id, name=body.name))


@router.delete("/tags/{tag_id}", dependencies=catalog_write, tags=["Tags"])
def delete_tag(tag_id: uuid.UUID, uow: UowDep) -> Response:
    entities.delete_tag(uow, tag_id=tag_id)
    return serialize.data(_deleted(tag_id))


# Product types (deprecated) and product categories ----------------------------------------


@router.get("/product_types/{product_type_id}", dependencies=catalog_read, tags=["Product Types"])
def get_product_type(product_type_id: uuid.UUID, session: SessionDep) -> Response:
    found = entities.get_entity(session, ProductType, entity_id=product_type_id)
    (node,) = categories.nodes_of(session, [found])
    return serialize.data(out.product_type(node))


@router.get("/product_categories", dependencies=catalog_read, tags=["Product Categories"])
def list_product_categories(
    session: SessionDep,
    parent: Annotated[
        TextIn | None, Query(description='A category id, or "none" for top-level ones only')
    ] = None,
    include: Literal["family", "children"] = "family",
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    after: Annotated[uuid.UUID | None, Query(description="The last category id seen")] = None,
) -> Response:
    """Sorted by category path; `after` is the `page_info.last_seen` of the previous page."""
    top_level = parent == "none"
    parent_id = None if parent is None or top_level else _uuid(parent, field="parent")
    nodes = categories.browse(
        session, parent_id=parent_id, top_level=top_level, children_only=include == "children"
    )
    if after is not None:
        seen = [i for i, n in enumerate(nodes) if n.category.id == after]
        if not seen:
            raise InvalidInput("after names no category of this list", field="after")
        nodes = nodes[seen[0] + 1 :]
    has_next = len(nodes) > page_size
    shown = nodes[:page_size]
    return DecimalJSONResponse(
        {
            "data": {"categories": [out.product_category(n) for n in shown]},
            "page_info": {
                "has_next": has_next,
                "last_seen": str(shown[-1].category.id) if has_next else None,
            },
        }
    )


def _uuid(value: str, *, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(f"{field} is not a category id", field=field) from exc


class CategoryIn(_Body):
    id: uuid.UUID | None = None
    payload_id: Annotated[TextIn, Field(max_length=100)] | None = None
    name: TextIn | None = None
    parent_category_id: uuid.UUID | None = None
    payload_parent_category_id: Annotated[TextIn, Field(max_length=100)] | None = None


class CategoriesIn(_Body):
    categories: list[CategoryIn] = Field(min_length=1, max_length=1000)


@router.post("/product_categories/bulk", dependencies=catalog_write, tags=["Product Categories"])
def save_product_categories(body: CategoriesIn, uow: UowDep) -> Response:
    saved = categories.save_categories(
        uow,
        changes=[
            categories.CategoryChange(
                id=c.id,
                payload_id=c.payload_id,
                name=c.name,
                parent_id=c.parent_category_id,
                payload_parent_id=c.payload_parent_category_id,
            )
            for c in body.categories
        ],
    )
    return DecimalJSONResponse(
        {
            "data": [
                {
                    "id": str(s.category.id),
                    "payload_id": s.payload_id,
                    "name": s.category.name,
                    "parent_category_id": serialize.uid(s.category.parent_id),
                }
                for s in saved
            ]
        }
    )


class CategoryIdsIn(_Body):
    category_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


@router.delete("/product_categories/bulk", dependencies=catalog_write, tags=["Product Categories"])
def delete_product_categories(body: CategoryIdsIn, uow: UowDep) -> Response:
    done = categories.delete_categories(uow, category_ids=body.category_ids)
    return serialize.data(
        {"categories": [{"ids": [str(i) for i in d.ids], "job_id": None} for d in done]}
    )


# Variant attributes -----------------------------------------------------------------------


@router.post(
    "/variant_attributes",
    dependencies=catalog_write,
    tags=["Variant Attributes"],
    status_code=201,
)
def create_variant_attribute(body: NameIn, uow: UowDep) -> Response:
    made = entities.create_variant_attribute(uow, name=body.name)
    shown = out.variant_attribute(made)
    return DecimalJSONResponse(
        {"data": {k: shown[k] for k in ("id", "name", "created_at", "updated_at")}},
        status_code=201,
    )


@router.get(
    "/variant_attributes/{attribute_id}", dependencies=catalog_read, tags=["Variant Attributes"]
)
def get_variant_attribute(
    attribute_id: uuid.UUID, session: SessionDep, deleted: Deleted = False
) -> Response:
    found = entities.get_entity(
        session, VariantAttribute, entity_id=attribute_id, include_deleted=deleted
    )
    return serialize.data(out.variant_attribute(found))


@router.put(
    "/variant_attributes/{attribute_id}", dependencies=catalog_write, tags=["Variant Attributes"]
)
def update_variant_attribute(attribute_id: uuid.UUID, body: NameIn, uow: UowDep) -> Response:
    changed = entities.update_variant_attribute(uow, attribute_id=attribute_id, name=body.name)
    return serialize.data({"id": str(changed.id), "name": changed.name})


@router.delete(
    "/variant_attributes/{attribute_id}", dependencies=catalog_write, tags=["Variant Attributes"]
)
def delete_variant_attribute(attribute_id: uuid.UUID, uow: UowDep) -> Response:
    entities.delete_variant_attribute(uow, attribute_id=attribute_id)
    return serialize.data({"id": str(attribute_id)})
