"""Editing a product on the product form: the form shows what the product holds, a save
changes the family's shared fields and this product's own, stock moves through the ledger
only when its count was changed, and a refused save shows the error and changes nothing."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.catalog import product_rules, products
from comptoir.catalog.models import Brand, Product, Supplier, Tag
from comptoir.catalog.transfer.service import Status
from comptoir.inventory.models import InventoryMovement
from tests.factories import (
    Store,
    count_rows,
    csrf_of,
    make_family,
    make_product,
    make_sale,
    make_token,
    make_user,
    sign_in,
    sign_in_as,
)
from tests.integration.product_files import csv_bytes, run
from tests.integration.product_files import products as products_by_sku
from tests.integration.products_support import add, level


def shown_form(browser: TestClient, product_id: uuid.UUID) -> dict[str, Any]:
    """The edit form's fields as the page fills them in (ticked boxes as "on")."""
    page = browser.get(f"/products/{product_id}/edit")
    assert page.status_code == 200
    html = page.text
    form: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="radio"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                form[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        form[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        form[name] = body
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', options)
        if name == "tag_ids":
            form[name] = chosen
        else:
            form[name] = chosen[0] if chosen else ""
            if not chosen and name.startswith("code_type"):
                form[name] = "EAN"
    return form


def save(browser: TestClient, product_id: uuid.UUID, form: dict[str, Any]) -> Any:
    return browser.post(f"/products/{product_id}/edit", data=form, follow_redirects=False)


def fresh(shop: Store, product_id: uuid.UUID) -> Product:
    with shop.db.read_sessions() as session:
        product = session.get(Product, product_id)
        assert product is not None
        _ = product.codes, product.tags, product.outlet_taxes, product.variant_options
        return product


def test_the_edit_form_shows_what_the_product_holds(browser: TestClient, shop: Store) -> None:
    product = make_product(shop, name="Théière fonte", price="49.00", barcode="3760000000130")
    form = shown_form(browser, product.id)
    assert form["name"] == "Théière fonte"
    assert form["sku"] == product.sku
    assert form["price"] == "49"
    assert form["code_0"] == "3760000000130"
    assert form[f"stock_{shop.outlet.id}"] == "10"
    assert form["active"] == "on" and form["has_inventory"] == "on"
    assert form["kind"] == "standard"


def test_saving_changes_the_product_and_counts_stock_through_the_ledger(
    browser: TestClient, shop: Store
) -> None:
    brand = add(shop, Brand(id=uuid.uuid4(), name="Maison Dupré"))
    tag = add(shop, Tag(id=uuid.uuid4(), name="cadeau"))
    product = make_product(shop, name="Théière", price="49.00", stock=10)
    form = shown_form(browser, product.id)
    form.update(
        {
            "name": "Théière en fonte",
            "sku": "TH-1",
            "price": "52,50",
            "brand_id": str(brand.id),
            "tag_ids": [str(tag.id)],
            "tax_id": str(shop.reduced_tax.id),
            "code_0": "3760000000130",
            "code_type_0": "EAN",
            f"stock_{shop.outlet.id}": "12",
            f"reorder_point_{shop.outlet.id}": "2",
        }
    )
    form.pop("active")  # unticked
    reply = save(browser, product.id, form)
    assert reply.status_code == 303, reply.text
    assert reply.headers["location"] == f"/products/{product.id}?saved=1"
    changed = fresh(shop, product.id)
    assert (changed.name, changed.sku, changed.active) == ("Théière en fonte", "TH-1", False)
    assert changed.price_including_tax == Decimal("52.5")
    assert changed.brand_id == brand.id and [t.name for t in changed.tags] == ["cadeau"]
    assert changed.tax_id == shop.reduced_tax.id
    assert [c.code for c in changed.codes] == ["3760000000130"]
    stock = level(shop, product.id)
    assert stock is not None and (stock.count, stock.reorder_point) == (12, 2)
    assert count_rows(shop.db, InventoryMovement) == 2  # opening stock, then +2
    assert "Changes saved." in browser.get(reply.headers["location"]).text


def test_a_stock_count_left_as_shown_does_not_undo_a_sale_made_meanwhile(
    browser: TestClient, shop: Store
) -> None:
    product = make_product(shop, name="Mug", price="4.00", stock=10)
    form = shown_form(browser, product.id)  # shows 10
    make_sale(shop, [(product, 3)], total="12.00")  # 7 left
    form["name"] = "Mug bleu"
    assert save(browser, product.id, form).status_code == 303
    stock = level(shop, product.id)
    assert stock is not None and stock.count == 7


def test_a_variant_is_edited_with_its_values_and_the_family_shares_its_name(
    browser: TestClient, shop: Store
) -> None:
    first, _ = make_family(
        shop,
        name="Pull",
        variants=[
            products.NewVariant(values=["S"], sku="PULL-S"),
            products.NewVariant(values=["M"], sku="PULL-M"),
        ],
    )
    form = shown_form(browser, first.id)
    assert form["variant_value_1"] == "S" and form["kind"] == "variants"
    form.update({"name": "Pull marin", "variant_value_1": "XS", "price": "45"})
    assert save(browser, first.id, form).status_code == 303
    with shop.db.read_sessions() as session:
        family = product_rules.family_members(session, family_id=first.family_id)
        assert [p.variant_name for p in family] == ["Pull marin / XS", "Pull marin / M"]
        assert [p.price_including_tax for p in family] == [Decimal("45"), Decimal("40")]


def test_a_variant_s_supplier_code_and_supply_price_are_its_own(
    browser: TestClient, shop: Store
) -> None:
    supplier = add(shop, Supplier(id=uuid.uuid4(), name="Grossiste Sud"))
    first, second = make_family(
        shop,
        name="Pull",
        variants=[products.NewVariant(values=[v], supply_price=Decimal(10)) for v in "SM"],
    )
    form = shown_form(browser, first.id)
    form.update({"supplier_id": str(supplier.id), "supplier_code": "GS-S", "supply_price": "12"})
    assert save(browser, first.id, form).status_code == 303
    edited, sibling = fresh(shop, first.id), fresh(shop, second.id)
    assert edited.supplier_id == sibling.supplier_id == supplier.id  # the family's
    assert (edited.supplier_code, edited.supply_price) == ("GS-S", 12)
    assert (sibling.supplier_code, sibling.supply_price) == (None, 10)


def test_a_composite_keeps_its_kind_and_its_components_change(
    browser: TestClient, shop: Store
) -> None:
    cup, saucer = make_product(shop, name="Tasse"), make_product(shop, name="Soucoupe")
    with shop.uow() as uow:
        box = products.create_product(
            uow,
            new=products.NewProduct(
                name="Coffret",
                price=Decimal("30"),
                components=[products.NewComponent(product_id=cup.id, quantity=Decimal(2))],
            ),
        )
    form = shown_form(browser, box.id)
    form.update(
        {
            "kind": "standard",  # ignored: a product keeps its kind
            "component_0_quantity": "4",
            "component_1_id": str(saucer.id),
            "component_1_name": "Soucoupe",
            "component_1_quantity": "4",
        }
    )
    assert save(browser, box.id, form).status_code == 303
    with shop.db.read_sessions() as session:
        changed = session.get(Product, box.id)
        assert changed is not None and changed.is_composite
        assert [(c.component_id, c.quantity) for c in changed.components] == [
            (cup.id, 4),
            (saucer.id, 4),
        ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": " "}, "name", "a product needs a name"),
        ({"sku": "TAKEN"}, "sku", "already used"),
        ({"sku": ""}, "sku", "a SKU has 1 to 255 characters"),
        ({"price": "cher"}, "price", "Enter an amount, such as 12.50."),
        ({"price": "-1"}, "price", "the price cannot be negative"),
        ({"code_0": "3760000000017"}, "codes", "already belongs to the product"),
        ({"brand_id": str(uuid.UUID(int=3))}, "brand_id", "unknown brand"),
        ({"stock_OUTLET": "plein"}, "stock_OUTLET", "Enter a quantity, such as 2 or 0.5."),
        ({"reorder_point_OUTLET": "-2"}, "_form", "cannot be negative"),
    ],
)
def test_a_refused_save_shows_the_error_next_to_its_field_and_changes_nothing(
    browser: TestClient, shop: Store, changes: dict[str, str], field: str, message: str
) -> None:
    make_product(shop, name="Other", sku="TAKEN", barcode="3760000000017")
    product = make_product(shop, name="Théière", price="49.00", stock=10)
    before = fresh(shop, product.id)
    form = shown_form(browser, product.id)
    form.update({k.replace("OUTLET", str(shop.outlet.id)): v for k, v in changes.items()})
    field = field.replace("OUTLET", str(shop.outlet.id))
    reply = save(browser, product.id, form)
    assert reply.status_code == 422
    assert "Nothing was changed: check the fields marked." in reply.text
    if field == "_form":
        assert message in reply.text
    else:
        error = re.search(rf'<p class="error" id="e-{re.escape(field)}">([^<]*)</p>', reply.text)
        assert error and message in error.group(1).replace("&#39;", "'")
    after = fresh(shop, product.id)
    assert (after.name, after.sku, after.price_including_tax, after.version) == (
        before.name,
        before.sku,
        before.price_including_tax,
        before.version,
    )
    assert count_rows(shop.db, InventoryMovement) == 2  # the two opening stocks only


def test_editing_needs_the_csrf_token_and_the_catalog_permission(
    app_client: TestClient, shop: Store
) -> None:
    product = make_product(shop, name="Théière")
    owner = sign_in(app_client)
    assert owner.status_code == 303
    form = shown_form(app_client, product.id)
    form["name"] = "Changed"
    assert save(app_client, product.id, {**form, "csrf": "forged"}).status_code == 403
    clerk = make_user(shop, role=Role.CASHIER)
    cashier = sign_in_as(app_client, clerk.username)
    assert cashier.get(f"/products/{product.id}/edit").status_code == 403
    form["csrf"] = csrf_of(cashier.get("/account").text)
    assert save(cashier, product.id, form).status_code == 403
    assert 'id="edit-product"' not in cashier.get(f"/products/{product.id}").text
    with shop.db.read_sessions() as session:
        assert session.scalar(select(Product.name).where(Product.id == product.id)) == "Théière"


def test_an_imported_deposit_saves_with_its_negative_price_unchanged_but_no_new_one(
    browser: TestClient, shop: Store
) -> None:
    rows = [["sku", "name", "retail_price"], ["DEP", "Consigne", "-0.20"]]
    assert run(shop.db, csv_bytes(rows), accept_warnings=True).status is Status.IMPORTED
    deposit = products_by_sku(shop.db)["DEP"]

    form = shown_form(browser, deposit.id)
    assert save(browser, deposit.id, {**form, "name": "Consigne verre"}).status_code == 303
    assert fresh(shop, deposit.id).name == "Consigne verre"
    token = {"Authorization": f"Bearer {make_token(shop)}"}
    put = browser.put(
        f"/api/2.1/products/{deposit.id}",
        json={"details": {"price_including_tax": "-0.20"}},
        headers=token,
    )
    assert put.status_code == 200, put.text

    refused = save(browser, deposit.id, {**shown_form(browser, deposit.id), "price": "-0.30"})
    assert refused.status_code == 422
    assert fresh(shop, deposit.id).price_including_tax == Decimal("-0.20")
