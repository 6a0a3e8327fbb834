"""Editing a product on the product form: the family's shared fields and this product's
own (SKU, barcodes, price and tax, supplier code and supply price, variant values, stock
and reorder settings, a composite's components), through `update_product` in one commit.

A stock count is sent only when it was changed on the page: the count then moves through
the ledger by its difference with the level, so a sale made while the page was open is
never overwritten by the count the page showed.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from comptoir.catalog import product_changes as changes
from comptoir.catalog import product_rules, products
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import N_
from comptoir.http.deps import SessionDep, UowDep
from comptoir.inventory import service as inventory
from comptoir.store import service as store
from comptoir.store.models import Outlet
from comptoir.web.product_form import (
    CatalogManager,
    Form,
    FormMode,
    ProductForm,
    amount,
    chosen_id,
    component_list,
    form_field,
    form_page,
    read_form,
    tag_list,
)
from comptoir.web.render import check_csrf

router = APIRouter(include_in_schema=False)


def editing(product_id: uuid.UUID) -> FormMode:
    return FormMode(
        action=f"/products/{product_id}/edit",
        heading=N_("Edit product"),
        submit_label=N_("Save changes"),
        refused=N_("Nothing was changed: check the fields marked."),
        editing=True,
    )


def plain(value: Decimal | None) -> str:
    """An amount as a person types it: 12.5 -> "12.50", 3 -> "3", 0.125 -> "0.125"."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    if value == value.quantize(Decimal("0.01")):
        return str(value.quantize(Decimal("0.01")))
    return str(value.normalize())


def kind_of(product: Product) -> str:
    if product.is_composite:
        return "composite"
    return "variants" if product.has_variants else "standard"


def form_of_product(session: Session, product: Product, outlets: list[Outlet]) -> ProductForm:
    """The form filled in with what the product holds now."""
    retailer = store.get_retailer(session)
    levels = {
        level.outlet_id: level
        for level in inventory.levels_of_product(session, product_id=product.id)
    }
    stated = product.price_excluding_tax if retailer.tax_exclusive else product.price_including_tax
    values: dict[str, Any] = {
        "kind": kind_of(product),
        "name": product.name,
        "handle": product.handle,
        "sku": product.sku,
        "description": product.description or "",
        "brand_id": str(product.brand_id or ""),
        "supplier_id": str(product.supplier_id or ""),
        "product_type_id": str(product.product_type_id or ""),
        "tag_ids": [str(t.id) for t in product.tags],
        "supplier_code": product.supplier_code or "",
        "supply_price": plain(product.supply_price),
        "price": plain(stated),
        "tax_id": str(product.tax_id or ""),
        "active": product.active,
        "has_inventory": product.has_inventory,
    }
    for outlet_tax in product.outlet_taxes:
        values[f"outlet_tax_{outlet_tax.outlet_id}"] = str(outlet_tax.tax_id or "")
    for outlet in outlets:
        level = levels.get(outlet.id)
        count = plain(level.count) if level else "0"
        values[f"stock_{outlet.id}"] = values[f"stock_was_{outlet.id}"] = count
        values[f"reorder_point_{outlet.id}"] = plain(level.reorder_point if level else None)
        values[f"restock_level_{outlet.id}"] = plain(level.reorder_amount if level else None)
    for position, option in enumerate(product.variant_options, start=1):
        values[f"variant_value_{position}"] = option.value
    return ProductForm(
        values=values,
        codes=[{"code": c.code, "type": c.type} for c in product.codes],
        attributes=[{"name": o.name, "values": ""} for o in product.variant_options],
        components=[
            {
                "id": str(part.component_id),
                "name": part.component.variant_name,
                "quantity": plain(part.quantity),
                "row": str(index),
            }
            for index, part in enumerate(product.components)
        ],
        family_size=len(product_rules.family_members(session, family_id=product.family_id)),
    )


def to_changes(
    shown: ProductForm, form: Form, outlets: list[Outlet], product: Product
) -> tuple[changes.FamilyChanges, changes.ProductChanges]:
    """The update the form asks for, or InvalidInput naming every field not understood."""
    errors = shown.errors
    kind = kind_of(product)
    price = amount(form, "price", errors, what="price")
    if price is None and "price" not in errors:
        errors["price"] = N_("Enter the retail price.")
    supply_price = amount(form, "supply_price", errors, what="price")
    supplier_id = chosen_id(form, "supplier_id", errors)
    supplier_code = form.get("supplier_code", "").strip() or None
    stock: list[changes.StockSetting] = []
    for outlet in outlets:
        count = amount(form, f"stock_{outlet.id}", errors, what="quantity")
        shown_count = amount(form, f"stock_was_{outlet.id}", errors, what="quantity")
        stock.append(
            changes.StockSetting(
                outlet_id=outlet.id,
                count=count if count is not None and count != shown_count else None,
                reorder_point=amount(form, f"reorder_point_{outlet.id}", errors, what="quantity"),
                restock_level=amount(form, f"restock_level_{outlet.id}", errors, what="quantity"),
            )
        )
    has_inventory = shown.values["has_inventory"]
    common = changes.FamilyChanges(
        name=form.get("name", ""),
        handle=form.get("handle", ""),
        description=form.get("description", "").strip() or None,
        brand_id=chosen_id(form, "brand_id", errors),
        product_type_id=chosen_id(form, "product_type_id", errors),
        tag_ids=tag_list(shown),
        # The supplier is the family's; its code and the supply price are this product's.
        suppliers=[changes.SupplierLink(supplier_id=supplier_id)] if supplier_id else [],
        track_inventory=changes.KEEP if kind == "composite" else has_inventory,
    )
    details = changes.ProductChanges(
        active=shown.values["active"],
        sku=form.get("sku", ""),
        codes=[products.NewCode(code=c["code"], type=c["type"]) for c in shown.codes if c["code"]],
        price=price or Decimal(0),
        tax_id=chosen_id(form, "tax_id", errors),
        outlet_taxes=[
            products.OutletTax(outlet_id=o.id, tax_id=chosen_id(form, f"outlet_tax_{o.id}", errors))
            for o in outlets
        ],
        supplier_id=supplier_id,
        supplier_code=supplier_code if supplier_id else changes.KEEP,
        supply_price=supply_price or Decimal(0),
        variant_values=[
            changes.VariantValue(
                attribute_id=option.attribute_id,
                value=form.get(f"variant_value_{position}", ""),
            )
            for position, option in enumerate(product.variant_options, start=1)
        ]
        or changes.KEEP,
        inventory=stock if has_inventory and kind != "composite" else [],
        components=component_list(shown, form) if kind == "composite" else changes.KEEP,
    )
    if errors:
        raise InvalidInput(N_("Check the fields marked."))
    return common, details


_SERVICE_FIELD = re.compile(r"(?:common|details)\.(\w+)(.*)")
_PLACES = {
    "product_category_id": "product_type_id",
    "all_outlets_tax": "tax_id",
    "outlet_taxes": "tax_id",
    "track_inventory": "has_inventory",
    "product_codes": "codes",
    "variant_values": "variant_values",
    "variant_attribute_ids": "variant_values",
}


def edit_field(service_field: str, shown: ProductForm, outlets: list[Outlet]) -> str:
    """The form field an error of `update_product` belongs next to."""
    match = _SERVICE_FIELD.fullmatch(service_field)
    if match is None:
        return "_form"
    name, rest = match.group(1), match.group(2)
    if name == "composite_components":
        return form_field(f"components{rest}", shown)
    if name == "product_suppliers":
        if rest.endswith(".price"):
            return "supply_price"
        return "supplier_code" if rest.endswith(".code") else "supplier_id"
    if name == "inventory":
        index = re.match(r"\[(\d+)\]", rest)
        if index and int(index.group(1)) < len(outlets):
            return f"stock_{outlets[int(index.group(1))].id}"
        return "stock"
    return _PLACES.get(name, name)


@router.get("/products/{product_id}/edit")
def edit_product(
    request: Request, product_id: uuid.UUID, session: SessionDep, _user: CatalogManager
) -> Response:
    product = catalog.get_product(session, product_id=product_id)
    shown = form_of_product(session, product, store.list_outlets(session))
    return form_page(request, session, shown, mode=editing(product.id))


@router.post("/products/{product_id}/edit")
async def save_product(
    request: Request, product_id: uuid.UUID, session: SessionDep, uow: UowDep, user: CatalogManager
) -> Response:
    posted = await request.form()
    check_csrf(request.state.csrf_token, str(posted.get("csrf") or ""))
    product = catalog.get_product(session, product_id=product_id)
    outlets = store.list_outlets(session)
    form = {k: str(v) for k, v in posted.items() if isinstance(v, str)}
    form["kind"] = kind_of(product)  # a product keeps its kind
    shown = read_form(form, [str(v) for v in posted.getlist("tag_ids")], outlets)
    now = form_of_product(session, product, outlets)
    shown.attributes, shown.family_size = now.attributes, now.family_size
    try:
        common, details = to_changes(shown, form, outlets, product)
        changes.update_product(
            uow, product_id=product.id, common=common, details=details, user_id=user.id
        )
    except InvalidInput as error:
        place = edit_field(str(error.details.get("field", "_form")), shown, outlets)
        if not shown.errors or place != "_form":
            shown.errors.setdefault(place, error.message)
        return form_page(request, session, shown, mode=editing(product.id), status_code=422)
    return RedirectResponse(f"/products/{product.id}?saved=1", status_code=303)
