"""The product page and the "New product" form (standard, with variants, composite).

The form posts plain fields, so a standard product needs no script; the variant editor
(attributes, values, a grid of variants) and the composite editor (search, quantities) are
driven by static/js/product_form.js, and the server also builds the variant grid when the
form is sent with "Make the variants" (without JavaScript). A refused product shows each
error next to its field, keeps everything typed, and creates nothing.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Permission
from comptoir.catalog import attributes, entities, product_rules, products
from comptoir.catalog import service as catalog
from comptoir.catalog.models import (
    Brand,
    ProductCodeType,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
)
from comptoir.catalog.quick_add import looks_like_barcode
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.inventory import service as inventory
from comptoir.store import service as store
from comptoir.store.models import Outlet
from comptoir.web.deps import page_requires
from comptoir.web.render import check_csrf, render

router = APIRouter(include_in_schema=False)
CatalogViewer = Annotated[User, Depends(page_requires(Permission.VIEW_CATALOG))]
CatalogManager = Annotated[User, Depends(page_requires(Permission.MANAGE_CATALOG))]
KINDS = ("standard", "variants", "composite")
MAX_ATTRIBUTES = products.MAX_VARIANT_ATTRIBUTES
MAX_ROWS = 500  # variant or component rows one form may send
CODE_ROWS = 2  # empty barcode rows offered without JavaScript
Form = dict[str, str]


@dataclass
class ProductForm:
    """What the form shows: the values as typed, the rows of its editors, the errors."""

    values: dict[str, Any]
    codes: list[dict[str, str]] = field(default_factory=list)
    attributes: list[dict[str, str]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    # Editing: how many products share the family's fields.
    family_size: int = 1


# Reading the posted form -------------------------------------------------------------------


def amount(form: Form, name: str, errors: dict[str, str], *, what: str) -> Decimal | None:
    raw = form.get(name, "").strip().replace(" ", "").replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) >= Decimal(10) ** 12:
        errors[name] = {
            "price": N_("Enter an amount, such as 12.50."),
            "quantity": N_("Enter a quantity, such as 2 or 0.5."),
        }[what]
        return None
    return value


def chosen_id(form: Form, name: str, errors: dict[str, str]) -> uuid.UUID | None:
    """The id chosen in a select (none if left blank); anything else is an error on it."""
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        errors[name] = N_("Choose a value from the list.")
        return None


def _indexes(form: Form, pattern: str) -> list[int]:
    """The row numbers present in the form (rows removed in the page leave gaps)."""
    found = {int(m.group(1)) for key in form if (m := re.fullmatch(pattern, key))}
    return sorted(found)[:MAX_ROWS]


def read_form(form: Form, tag_ids: list[str], outlets: list[Outlet]) -> ProductForm:
    """The posted fields, as the form shows them back (nothing is checked here)."""
    values: dict[str, Any] = dict(form)
    values["kind"] = form.get("kind") if form.get("kind") in KINDS else "standard"
    values["active"] = form.get("active") == "on"
    values["has_inventory"] = form.get("has_inventory") == "on"
    values["tag_ids"] = tag_ids
    codes = [
        {"code": form.get(f"code_{i}", ""), "type": form.get(f"code_type_{i}", "EAN")}
        for i in _indexes(form, r"code_(\d+)")
    ]
    chosen = [
        {
            "name": form.get(f"attribute_{k}", "").strip(),
            "values": form.get(f"attribute_values_{k}", ""),
        }
        for k in range(1, MAX_ATTRIBUTES + 1)
    ]
    variants = [
        {
            "values": [
                form.get(f"variant_{n}_value_{k}", "") for k in range(1, MAX_ATTRIBUTES + 1)
            ],
            "sku": form.get(f"variant_{n}_sku", ""),
            "barcode": form.get(f"variant_{n}_barcode", ""),
            "price": form.get(f"variant_{n}_price", ""),
            "stock": {str(o.id): form.get(f"variant_{n}_stock_{o.id}", "") for o in outlets},
            "row": n,
        }
        for n in _indexes(form, r"variant_(\d+)_value_1")
    ]
    components = [
        {
            "id": form.get(f"component_{n}_id", ""),
            "name": form.get(f"component_{n}_name", ""),
            "quantity": form.get(f"component_{n}_quantity", ""),
            "row": str(n),
        }
        for n in _indexes(form, r"component_(\d+)_id")
    ]
    return ProductForm(values, codes, chosen, variants, components)


def variant_grid(shown: ProductForm, outlets: list[Outlet]) -> list[dict[str, Any]]:
    """One row per combination of the attributes' values (what the page's script does)."""
    used = [a for a in shown.attributes if a["name"]]
    value_lists = [[v.strip() for v in a["values"].split(",") if v.strip()] for a in used]
    if not used or not all(value_lists):
        return []
    return [
        {
            "values": [*combination, *[""] * (MAX_ATTRIBUTES - len(combination))],
            "sku": "",
            "barcode": "",
            "price": "",
            "stock": {str(o.id): "" for o in outlets},
            "row": n,
        }
        for n, combination in enumerate(itertools.product(*value_lists))
    ][:MAX_ROWS]


def component_list(shown: ProductForm, form: Form) -> list[products.NewComponent]:
    """The composite editor's rows (an unreadable quantity is an error next to it)."""
    components: list[products.NewComponent] = []
    for row in shown.components:
        n = row["row"]
        product_id = chosen_id(form, f"component_{n}_id", shown.errors)
        quantity = amount(form, f"component_{n}_quantity", shown.errors, what="quantity")
        if product_id is not None:
            components.append(
                products.NewComponent(product_id=product_id, quantity=quantity or Decimal(0))
            )
    return components


def tag_list(shown: ProductForm) -> list[uuid.UUID]:
    tag_ids: list[uuid.UUID] = []
    for raw in shown.values["tag_ids"]:
        try:
            tag_ids.append(uuid.UUID(raw))
        except ValueError:
            shown.errors["tag_ids"] = N_("Choose a value from the list.")
    return tag_ids


def _code(code: str) -> products.NewCode:
    return products.NewCode(code=code, type="EAN" if looks_like_barcode(code) else "CUSTOM")


def to_new_product(
    shown: ProductForm, form: Form, outlets: list[Outlet]
) -> tuple[products.NewProduct, list[uuid.UUID | str]]:
    """The product to create and its variant attributes (by name), or InvalidInput naming
    every field that could not be read."""
    errors = shown.errors
    kind = shown.values["kind"]
    price = amount(form, "price", errors, what="price")
    if price is None and "price" not in errors and kind != "variants":
        errors["price"] = N_("Enter the retail price.")
    supply_price = amount(form, "supply_price", errors, what="price")
    per_outlet: dict[uuid.UUID, tuple[Decimal | None, Decimal | None, Decimal | None]] = {}
    for outlet in outlets:
        per_outlet[outlet.id] = (
            amount(form, f"stock_{outlet.id}", errors, what="quantity"),
            amount(form, f"reorder_point_{outlet.id}", errors, what="quantity"),
            amount(form, f"restock_level_{outlet.id}", errors, what="quantity"),
        )

    def opening(outlet_id: uuid.UUID, count: Decimal | None) -> products.OpeningStock:
        _, reorder_point, restock_level = per_outlet[outlet_id]
        return products.OpeningStock(
            outlet_id=outlet_id,
            count=count or Decimal(0),
            reorder_point=reorder_point,
            restock_level=restock_level,
        )

    inventory_rows = [
        opening(outlet.id, per_outlet[outlet.id][0])
        for outlet in outlets
        if any(v is not None for v in per_outlet[outlet.id])
    ]
    variants: list[products.NewVariant] = []
    names: list[uuid.UUID | str] = []
    if kind == "variants":
        names = [a["name"] for a in shown.attributes if a["name"]]
        if not names:
            errors["attributes"] = N_("Name at least one attribute, such as Size or Colour.")
        if not shown.variants and "attributes" not in errors:
            errors["variants"] = N_("Make the variants, then fill in their rows.")
        for row in shown.variants:
            n = row["row"]
            counts = {
                o.id: amount(form, f"variant_{n}_stock_{o.id}", errors, what="quantity")
                for o in outlets
            }
            variants.append(
                products.NewVariant(
                    values=row["values"][: len(names)],
                    sku=row["sku"].strip() or None,
                    price=amount(form, f"variant_{n}_price", errors, what="price"),
                    codes=[_code(row["barcode"].strip())] if row["barcode"].strip() else [],
                    inventory=[
                        opening(o.id, counts[o.id])
                        for o in outlets
                        if counts[o.id] is not None or any(per_outlet[o.id][1:])
                    ],
                )
            )
        if price is None and any(v.price is None for v in variants):
            errors.setdefault("price", N_("Enter the retail price."))
    components: list[products.NewComponent] = []
    if kind == "composite":
        if not shown.components:
            errors["components"] = N_("Add at least one component.")
        components = component_list(shown, form)
    outlet_taxes = [
        products.OutletTax(outlet_id=o.id, tax_id=chosen_id(form, f"outlet_tax_{o.id}", errors))
        for o in outlets
        if form.get(f"outlet_tax_{o.id}", "")
    ]
    tag_ids = tag_list(shown)
    new = products.NewProduct(
        name=form.get("name", ""),
        price=price or Decimal(0),
        sku=None if kind == "variants" else form.get("sku", "").strip() or None,
        handle=form.get("handle", "").strip() or None,
        description=form.get("description", "").strip() or None,
        supply_price=supply_price or Decimal(0),
        tax_id=chosen_id(form, "tax_id", errors),
        outlet_taxes=outlet_taxes,
        codes=[]
        if kind == "variants"
        else [products.NewCode(code=c["code"], type=c["type"]) for c in shown.codes if c["code"]],
        active=shown.values["active"],
        has_inventory=shown.values["has_inventory"] and kind != "composite",
        brand_id=chosen_id(form, "brand_id", errors),
        product_type_id=chosen_id(form, "product_type_id", errors),
        supplier_id=chosen_id(form, "supplier_id", errors),
        supplier_code=form.get("supplier_code", "").strip() or None,
        tag_ids=tag_ids,
        inventory=[] if kind != "standard" else inventory_rows,
        variants=variants,
        components=components,
    )
    if errors:
        raise InvalidInput(N_("Check the fields marked."))
    return new, names


_ROW_FIELD = re.compile(r"(variants|components|codes|attributes)\[(\d+)\](?:\.(\w+))?")


def form_field(service_field: str, shown: ProductForm) -> str:
    """The form field an error of `create_product` belongs next to."""
    kind = shown.values["kind"]
    match = _ROW_FIELD.fullmatch(service_field)
    if match is None:
        if kind == "variants" and service_field in ("sku", "codes", "inventory"):
            return "variants"
        if service_field == "variant_attribute_ids":
            return "attributes"
        if service_field == "inventory":
            return "stock"
        return service_field
    group, index, part = match.group(1), int(match.group(2)), match.group(3)
    if group == "variants" and index < len(shown.variants):
        row = shown.variants[index]["row"]
        return f"variant_{row}_price" if part == "price" else f"variant_{row}_values"
    if group == "components" and index < len(shown.components):
        row = shown.components[index]["row"]
        return f"component_{row}_quantity" if part == "quantity" else f"component_{row}_id"
    if group == "attributes":
        return f"attribute_{index + 1}"
    return group


# Pages --------------------------------------------------------------------------------------


def _choices(session: Session) -> dict[str, Any]:
    retailer = store.get_retailer(session)
    return {
        "brands": entities.list_entities(session, Brand),
        "suppliers": entities.list_entities(session, Supplier),
        "product_types": entities.list_entities(session, ProductType),
        "tags": entities.list_entities(session, Tag),
        "variant_attributes": entities.list_entities(session, VariantAttribute),
        "taxes": store.list_taxes(session),
        "outlets": store.list_outlets(session),
        "code_types": ProductCodeType.ALL,
        "retailer": retailer,
        "max_attributes": MAX_ATTRIBUTES,
    }


@dataclass(frozen=True)
class FormMode:
    """What differs between creating a product and editing one on the same form."""

    action: str
    heading: str
    submit_label: str
    refused: str
    editing: bool = False


CREATING = FormMode(
    action="/products/new",
    heading=N_("New product"),
    submit_label=N_("Create product"),
    refused=N_("The product was not created: check the fields marked."),
)


def form_page(
    request: Request,
    session: Session,
    shown: ProductForm,
    *,
    mode: FormMode = CREATING,
    status_code: int = 200,
) -> Response:
    while len(shown.codes) < CODE_ROWS:
        shown.codes.append({"code": "", "type": "EAN"})
    return render(
        request,
        "product_form.html",
        status_code=status_code,
        form=shown,
        values=shown.values,
        errors=shown.errors,
        mode=mode,
        **_choices(session),
    )


@router.get("/products/new")
def new_product(request: Request, session: SessionDep, _user: CatalogManager) -> Response:
    shown = ProductForm(
        values={
            "kind": "standard",
            "active": True,
            "has_inventory": True,
            "tag_ids": [],
        }
    )
    return form_page(request, session, shown)


@router.post("/products/new")
async def create_product(
    request: Request, session: SessionDep, uow: UowDep, user: CatalogManager
) -> Response:
    posted = await request.form()
    check_csrf(request.state.csrf_token, str(posted.get("csrf") or ""))
    form = {k: str(v) for k, v in posted.items() if isinstance(v, str)}
    tag_ids = [str(v) for v in posted.getlist("tag_ids")]
    outlets = store.list_outlets(session)
    shown = read_form(form, tag_ids, outlets)
    if "make_variants" in form:
        # Without JavaScript: the server makes the grid the page's script would have made.
        shown.values["kind"] = "variants"
        shown.variants = variant_grid(shown, outlets)
        return form_page(request, session, shown)
    try:
        new, names = to_new_product(shown, form, outlets)
        product = attributes.create_product_naming_attributes(
            uow, new=new, attributes=names, user_id=user.id
        )
    except InvalidInput as error:
        place = form_field(str(error.details.get("field", "_form")), shown)
        if not shown.errors or place != "_form":
            shown.errors.setdefault(place, error.message)
        return form_page(request, session, shown, status_code=422)
    return RedirectResponse(f"/products/{product.id}?created=1", status_code=303)


@router.get("/products/{product_id}")
def product_page(
    request: Request, product_id: uuid.UUID, session: SessionDep, _user: CatalogViewer
) -> Response:
    product = catalog.get_product(session, product_id=product_id)
    outlets = store.list_outlets(session)
    levels = {
        level.outlet_id: level
        for level in inventory.levels_of_product(session, product_id=product.id)
    }
    taxes = {tax.id: tax for tax in store.list_taxes(session)}
    family = product_rules.family_members(session, family_id=product.family_id)
    stock = inventory.stock_by_product(session, product_ids=[p.id for p in family])
    return render(
        request,
        "product.html",
        product=product,
        outlets=outlets,
        levels=levels,
        taxes=taxes,
        family=family if len(family) > 1 else [],
        family_stock=stock,
        brand=session.get(Brand, product.brand_id) if product.brand_id else None,
        supplier=session.get(Supplier, product.supplier_id) if product.supplier_id else None,
        product_type=(
            session.get(ProductType, product.product_type_id) if product.product_type_id else None
        ),
        retailer=store.get_retailer(session),
        created=request.query_params.get("created") == "1",
        saved=request.query_params.get("saved") == "1",
    )
