"""Catalog > Brands, Suppliers, Product types, Tags and Variant attributes.

Each is one page: the list (searchable, paged) and a form that posts back to its own URL
(`?edit=<id>` to change a row). A refused change shows the form again with the error next
to its field and changes nothing. Deleting goes through a confirmation page that says what
becomes of the products concerned. Everyone who may see the catalog sees the lists; the
forms and deleting need the catalog management permission.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import categories, entities
from comptoir.catalog.models import Brand, ProductType, Supplier, Tag, VariantAttribute
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.i18n import N_
from comptoir.core.uow import UnitOfWork
from comptoir.http.deps import PrincipalDep, SessionDep, UowDep
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(prefix="/catalog", include_in_schema=False)
CatalogViewer = Annotated[User, Depends(page_requires(Permission.VIEW_CATALOG))]
CatalogManager = Annotated[User, Depends(page_requires(Permission.MANAGE_CATALOG))]
Form = dict[str, str]
PAGE = 100
Search = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


def _named_values(entity: Any) -> dict[str, Any]:
    return {"name": entity.name, "description": getattr(entity, "description", None) or ""}


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One of the pages: its URL, what it lists and how its form saves and deletes."""

    slug: str
    model: type[Any]
    title: str
    save: Callable[[UnitOfWork, uuid.UUID | None, Form], object]
    delete: Callable[[UnitOfWork, uuid.UUID], object]
    # The form's values for an existing row.
    values: Callable[[Any], dict[str, Any]] = _named_values
    template: str = "catalog/named.html"
    has_description: bool = False

    @property
    def url(self) -> str:
        return f"/catalog/{self.slug}"


# Forms to service calls -------------------------------------------------------------------


def _save_brand(uow: UnitOfWork, brand_id: uuid.UUID | None, form: Form) -> object:
    name, description = form.get("name", ""), form.get("description")
    if brand_id is None:
        return entities.create_brand(uow, name=name, description=description)
    return entities.update_brand(uow, brand_id=brand_id, name=name, description=description)


def _save_tag(uow: UnitOfWork, tag_id: uuid.UUID | None, form: Form) -> object:
    if tag_id is None:
        return entities.create_tag(uow, name=form.get("name", ""))
    return entities.update_tag(uow, tag_id=tag_id, name=form.get("name", ""))


def _save_attribute(uow: UnitOfWork, attribute_id: uuid.UUID | None, form: Form) -> object:
    if attribute_id is None:
        return entities.create_variant_attribute(uow, name=form.get("name", ""))
    return entities.update_variant_attribute(
        uow, attribute_id=attribute_id, name=form.get("name", "")
    )


SUPPLIER_FORM_FIELDS = ("name", "description", *entities.SUPPLIER_CONTACT_FIELDS)


def _supplier_values(supplier: Supplier) -> dict[str, Any]:
    return {name: getattr(supplier, name) or "" for name in SUPPLIER_FORM_FIELDS}


def _save_supplier(uow: UnitOfWork, supplier_id: uuid.UUID | None, form: Form) -> object:
    fields = entities.SupplierFields(**{name: form.get(name, "") for name in SUPPLIER_FORM_FIELDS})
    if supplier_id is None:
        return entities.create_supplier(uow, fields=fields)
    return entities.update_supplier(uow, supplier_id=supplier_id, fields=fields)


def _type_values(category: ProductType) -> dict[str, Any]:
    return {"name": category.name, "parent_id": str(category.parent_id or "")}


def _save_type(uow: UnitOfWork, category_id: uuid.UUID | None, form: Form) -> object:
    raw = form.get("parent_id", "")
    try:
        parent_id = uuid.UUID(raw) if raw else None
    except ValueError as exc:
        raise InvalidInput(categories.UNKNOWN_CATEGORY, field="parent_id") from exc
    name = form.get("name", "")
    if category_id is None:
        return categories.create_category(uow, name=name, parent_id=parent_id)
    return categories.update_category(uow, category_id=category_id, name=name, parent_id=parent_id)


def _delete_type(uow: UnitOfWork, category_id: uuid.UUID) -> object:
    return categories.delete_categories(uow, category_ids=[category_id])


KINDS = (
    Kind(
        slug="brands",
        model=Brand,
        title=N_("Brands"),
        save=_save_brand,
        delete=lambda uow, i: entities.delete_brand(uow, brand_id=i),
        has_description=True,
    ),
    Kind(
        slug="suppliers",
        model=Supplier,
        title=N_("Suppliers"),
        template="catalog/suppliers.html",
        values=_supplier_values,
        save=_save_supplier,
        delete=lambda uow, i: entities.delete_supplier(uow, supplier_id=i),
    ),
    Kind(
        slug="types",
        model=ProductType,
        title=N_("Product types"),
        template="catalog/types.html",
        values=_type_values,
        save=_save_type,
        delete=_delete_type,
    ),
    Kind(
        slug="tags",
        model=Tag,
        title=N_("Tags"),
        save=_save_tag,
        delete=lambda uow, i: entities.delete_tag(uow, tag_id=i),
    ),
    Kind(
        slug="variant-attributes",
        model=VariantAttribute,
        title=N_("Variant attributes"),
        save=_save_attribute,
        delete=lambda uow, i: entities.delete_variant_attribute(uow, attribute_id=i),
    ),
)


# Rendering --------------------------------------------------------------------------------


def _rows(session: Session, kind: Kind, q: str) -> list[Any]:
    """Entities, or category nodes (with their place in the tree) for product types."""
    if kind.model is ProductType:
        return categories.category_tree(session, text=q)
    return entities.list_entities(session, kind.model, text=q)


def _list_page(
    request: Request,
    session: Session,
    principal: PrincipalDep,
    kind: Kind,
    *,
    q: str = "",
    page: int = 1,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    edit_id: uuid.UUID | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    rows = _rows(session, kind, q)
    shown = rows[(page - 1) * PAGE : page * PAGE]
    ids = [getattr(row, "category", row).id for row in shown]
    context: dict[str, Any] = {}
    if kind.model is ProductType:
        # The parent choices: every category but the one edited and those inside it.
        inside = (
            {c.id for c in categories.subtree_of(session, category_id=edit_id)}
            if edit_id
            else set()
        )
        context["parents"] = [
            (str(n.category.id), n.path_name)
            for n in categories.category_tree(session)
            if n.category.id not in inside
        ]
    return render(
        request,
        kind.template,
        status_code=status_code,
        kind=kind,
        kinds=KINDS,
        rows=shown,
        counts=entities.usage_counts(session, kind.model, entity_ids=ids),
        q=q,
        page=page,
        has_next=len(rows) > page * PAGE,
        values=values or {},
        errors=errors or {},
        edit_id=edit_id,
        done=done,
        can_manage=principal.allows(Permission.MANAGE_CATALOG),
        **context,
    )


async def _posted(request: Request) -> Form:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request.state.csrf_token, form.get("csrf"))
    return form


def _error(error: InvalidInput | Conflict) -> dict[str, str]:
    return {str(error.details.get("field", "_form")): error.message}


def _confirm_page(
    request: Request,
    session: Session,
    kind: Kind,
    entity_id: uuid.UUID,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    entity = entities.get_entity(session, kind.model, entity_id=entity_id)
    branch = {entity_id}
    if kind.model is ProductType:
        branch = {c.id for c in categories.subtree_of(session, category_id=entity_id)}
    counts = entities.usage_counts(session, kind.model, entity_ids=list(branch))
    inside = [
        node
        for node in (categories.category_tree(session) if kind.model is ProductType else [])
        if node.category.id in branch and node.category.id != entity_id
    ]
    return render(
        request,
        "catalog/delete.html",
        status_code=status_code,
        kind=kind,
        kinds=KINDS,
        entity=entity,
        subcategories=inside,
        products=sum(counts.values()),
        error=error,
    )


# Routes -----------------------------------------------------------------------------------


def _install(kind: Kind) -> None:
    @router.get(f"/{kind.slug}")
    def entity_list(
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
        _user: CatalogViewer,
        q: Search = "",
        page: PageNumber = 1,
        edit: uuid.UUID | None = None,
        done: Annotated[str, Query(max_length=20)] = "",
    ) -> Response:
        values: dict[str, Any] = {}
        if edit is not None:
            values = kind.values(entities.get_entity(session, kind.model, entity_id=edit))
        return _list_page(
            request,
            session,
            principal,
            kind,
            q=q,
            page=page,
            values=values,
            edit_id=edit,
            done=done,
        )

    @router.post(f"/{kind.slug}")
    async def save_entity(
        request: Request,
        session: SessionDep,
        uow: UowDep,
        principal: PrincipalDep,
        _user: CatalogManager,
        edit: uuid.UUID | None = None,
    ) -> Response:
        form = await _posted(request)
        try:
            kind.save(uow, edit, form)
        except (InvalidInput, Conflict) as error:
            return _list_page(
                request,
                session,
                principal,
                kind,
                values=form,
                errors=_error(error),
                edit_id=edit,
                status_code=422,
            )
        return RedirectResponse(f"{kind.url}?done=saved", status_code=303)

    @router.get(f"/{kind.slug}/{{entity_id}}/delete")
    def confirm_delete(
        request: Request, session: SessionDep, entity_id: uuid.UUID, _user: CatalogManager
    ) -> Response:
        return _confirm_page(request, session, kind, entity_id)

    @router.post(f"/{kind.slug}/{{entity_id}}/delete")
    async def delete_entity(
        request: Request,
        session: SessionDep,
        uow: UowDep,
        entity_id: uuid.UUID,
        _user: CatalogManager,
    ) -> Response:
        await _posted(request)
        try:
            kind.delete(uow, entity_id)
        except Conflict as error:
            return _confirm_page(
                request, session, kind, entity_id, error=error.message, status_code=409
            )
        return RedirectResponse(f"{kind.url}?done=deleted", status_code=303)


for _kind in KINDS:
    _install(_kind)
