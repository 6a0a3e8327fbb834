"""The product page and the "New product" form: standard products, variant families and
composites created through the form post; errors next to their fields, nothing created on
error and what was typed kept; CSRF and permission."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog import product_rules, products
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
)
from comptoir.inventory.models import InventoryMovement
from tests.factories import (
    Store,
    count_rows,
    csrf_of,
    make_family,
    make_product,
    make_user,
    sign_in_as,
)
from tests.integration.products_support import add, attribute, level


def post(browser: TestClient, form: dict[str, Any]) -> Any:
    token = csrf_of(browser.get("/products/new").text)
    return browser.post("/products/new", data={"csrf": token, **form}, follow_redirects=False)


def created(shop: Store, reply: Any) -> Product:
    assert reply.status_code == 303, reply.text
    match = re.fullmatch(r"/products/([0-9a-f-]+)\?created=1", reply.headers["location"])
    assert match
    with shop.db.read_sessions() as session:
        product = session.get(Product, uuid.UUID(match.group(1)))
        assert product is not None
        for relation in ("codes", "tags", "outlet_taxes", "components", "variant_options"):
            getattr(product, relation)
        return product


def members(shop: Store, product: Product) -> list[Product]:
    with shop.db.read_sessions() as session:
        found = product_rules.family_members(session, family_id=product.family_id)
        for member in found:
            _ = member.codes, member.variant_options
        return found


def test_a_standard_product_is_created_with_every_field_of_the_form(
    browser: TestClient, shop: Store
) -> None:
    brand = add(shop, Brand(id=uuid.uuid4(), name="Maison Dupré"))
    supplier = add(shop, Supplier(id=uuid.uuid4(), name="Grossiste Sud"))
    kind = add(shop, ProductType(id=uuid.uuid4(), name="Épicerie"))
    bio, local = (
        add(shop, Tag(id=uuid.uuid4(), name="bio")),
        add(shop, Tag(id=uuid.uuid4(), name="local")),
    )
    page = browser.get("/products/new").text
    for entity in (brand, supplier, kind, bio):
        assert f'<option value="{entity.id}">{entity.name}</option>' in page
    reply = post(
        browser,
        {
            "kind": "standard",
            "name": "Miel de lavande",
            "handle": "miel-lavande",
            "sku": "MIEL-1",
            "description": "Pot de 250 g",
            "brand_id": str(brand.id),
            "supplier_id": str(supplier.id),
            "product_type_id": str(kind.id),
            "tag_ids": [str(bio.id), str(local.id)],
            "supplier_code": "GS-88",
            "supply_price": "4,20",
            "price": "9.90",
            "tax_id": str(shop.reduced_tax.id),
            f"outlet_tax_{shop.outlet.id}": str(shop.standard_tax.id),
            "code_0": "3760000000017",
            "code_type_0": "EAN",
            "code_1": "MIEL-BOX",
            "code_type_1": "CUSTOM",
            "active": "on",
            "has_inventory": "on",
            f"stock_{shop.outlet.id}": "12",
            f"reorder_point_{shop.outlet.id}": "3",
            f"restock_level_{shop.outlet.id}": "20",
        },
    )
    product = created(shop, reply)
    assert (product.name, product.handle, product.sku) == (
        "Miel de lavande",
        "miel-lavande",
        "MIEL-1",
    )
    assert product.description == "Pot de 250 g"
    assert (product.brand_id, product.supplier_id, product.product_type_id) == (
        brand.id,
        supplier.id,
        kind.id,
    )
    assert {t.name for t in product.tags} == {"bio", "local"}
    assert product.supplier_code == "GS-88"
    assert product.supply_price == Decimal("4.2")
    assert product.price_including_tax == Decimal("9.9")  # the store is tax-inclusive
    assert product.tax_id == shop.reduced_tax.id
    assert product.tax_id_at(shop.outlet.id) == shop.standard_tax.id
    assert [(c.code, c.type) for c in product.codes] == [
        ("3760000000017", "EAN"),
        ("MIEL-BOX", "CUSTOM"),
    ]
    assert product.active and product.has_inventory
    stock = level(shop, product.id)
    assert stock is not None
    assert (stock.count, stock.reorder_point, stock.reorder_amount) == (12, 3, 20)
    assert count_rows(shop.db, InventoryMovement) == 1  # the opening stock, in the ledger

    page = browser.get(reply.headers["location"])
    assert page.status_code == 200
    for shown in (
        "Product created.",
        "Miel de lavande",
        "MIEL-1",
        "Maison Dupré",
        "Grossiste Sud",
        "GS-88",
        "Épicerie",
        "3760000000017",
        "MIEL-BOX",
        "VAT 5.5%",
        "€9.90",
    ):
        assert shown in page.text, shown


def test_the_sku_is_generated_when_left_empty_and_unticked_boxes_are_off(
    browser: TestClient, shop: Store
) -> None:
    product = created(shop, post(browser, {"kind": "standard", "name": "Savon", "price": "3"}))
    assert product.sku.isdigit()
    assert not product.active and not product.has_inventory


def test_a_variant_family_is_created_through_the_variant_editor(
    browser: TestClient, shop: Store
) -> None:
    size = attribute(shop, "Size")
    grid = {
        # Row 2 (Blue / S) was removed in the page: the rows left have a gap.
        "variant_0_value_1": "Red", "variant_0_value_2": "S", "variant_0_sku": "TS-RS",
        "variant_0_barcode": "3760000000024", "variant_0_price": "",
        f"variant_0_stock_{shop.outlet.id}": "4",
        "variant_1_value_1": "Red", "variant_1_value_2": "M", "variant_1_sku": "",
        "variant_1_barcode": "", "variant_1_price": "22",
        "variant_3_value_1": "Blue", "variant_3_value_2": "M", "variant_3_sku": "TS-BM",
        "variant_3_barcode": "", "variant_3_price": "",
    }  # fmt: skip
    reply = post(
        browser,
        {
            "kind": "variants",
            "name": "T-shirt",
            "price": "20",
            "active": "on",
            "has_inventory": "on",
            "attribute_1": "Colour",  # typed: a new attribute
            "attribute_values_1": "Red, Blue",
            "attribute_2": "size",  # the existing "Size", whatever the case
            "attribute_values_2": "S, M",
            f"reorder_point_{shop.outlet.id}": "2",
            **grid,
        },
    )
    first = created(shop, reply)
    family = members(shop, first)
    assert [m.variant_name for m in family] == [
        "T-shirt / Red / S",
        "T-shirt / Red / M",
        "T-shirt / Blue / M",
    ]
    assert [o.name for o in family[0].variant_options] == ["Colour", "Size"]
    assert family[0].variant_options[1].attribute_id == size.id
    assert count_rows(shop.db, VariantAttribute) == 2
    by_name = {m.variant_name: m for m in family}
    assert by_name["T-shirt / Red / S"].sku == "TS-RS"
    assert [c.code for c in by_name["T-shirt / Red / S"].codes] == ["3760000000024"]
    assert by_name["T-shirt / Red / M"].price_including_tax == Decimal("22")
    assert by_name["T-shirt / Blue / M"].price_including_tax == Decimal("20")
    assert by_name["T-shirt / Red / M"].sku.isdigit()
    red_s = level(shop, by_name["T-shirt / Red / S"].id)
    assert red_s is not None and (red_s.count, red_s.reorder_point) == (4, 2)

    page = browser.get(reply.headers["location"]).text
    assert page.count('<tr data-sku="') == 3
    assert "Colour: Blue · Size: M" in page


def test_make_the_variants_without_javascript_shows_the_grid_and_creates_nothing(
    browser: TestClient, shop: Store
) -> None:
    reply = post(
        browser,
        {
            "kind": "variants",
            "name": "Chaussette",
            "price": "5",
            "attribute_1": "Pointure",
            "attribute_values_1": "38, 40,42",
            "attribute_2": "Couleur",
            "attribute_values_2": "Noir",
            "make_variants": "1",
        },
    )
    assert reply.status_code == 200
    rows = re.findall(r'name="variant_(\d+)_value_1" value="([^"]*)"', reply.text)
    assert rows == [("0", "38"), ("1", "40"), ("2", "42")]
    assert 'name="variant_2_value_2" value="Noir"' in reply.text
    assert 'value="Chaussette"' in reply.text
    assert count_rows(shop.db, Product) == 0
    assert count_rows(shop.db, VariantAttribute) == 0


def test_a_composite_is_created_through_the_composite_editor(
    browser: TestClient, shop: Store
) -> None:
    cup = make_product(shop, name="Tasse", supply_price="2.00")
    saucer = make_product(shop, name="Soucoupe", supply_price="1.50")
    reply = post(
        browser,
        {
            "kind": "composite",
            "name": "Service à café",
            "price": "30",
            "active": "on",
            "component_0_id": str(cup.id),
            "component_0_name": "Tasse",
            "component_0_quantity": "6",
            "component_2_id": str(saucer.id),
            "component_2_name": "Soucoupe",
            "component_2_quantity": "6",
        },
    )
    product = created(shop, reply)
    assert product.is_composite and not product.has_inventory
    assert [(c.component_id, c.quantity) for c in product.components] == [
        (cup.id, 6),
        (saucer.id, 6),
    ]
    assert product.supply_price == Decimal("21")  # 6 x 2.00 + 6 x 1.50
    page = browser.get(reply.headers["location"]).text
    assert "Tasse" in page and "Soucoupe" in page and 'id="product-components"' in page


def standard(**changes: str) -> dict[str, Any]:
    form: dict[str, Any] = {"kind": "standard", "name": "Bougie", "price": "12", "active": "on"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (standard(name="  "), "name", "a product needs a name"),
        (standard(price="douze"), "price", "Enter an amount, such as 12.50."),
        (standard(price=""), "price", "Enter the retail price."),
        (standard(price="-4"), "price", "the price cannot be negative"),
        (standard(supply_price="1e999"), "supply_price", "Enter an amount, such as 12.50."),
        (standard(sku="TAKEN"), "sku", "the SKU 'TAKEN' is already used"),
        (standard(code_0="3760000000017"), "codes", "already belongs to the product"),
        (standard(brand_id="not-an-id"), "brand_id", "Choose a value from the list."),
        (standard(brand_id=str(uuid.UUID(int=7))), "brand_id", "unknown brand"),
        (standard(stock_OUTLET="beaucoup"), "stock_OUTLET", "Enter a quantity, such as 2 or 0.5."),
        (
            standard(kind="variants", attribute_1="Taille", attribute_values_1="S"),
            "variants",
            "Make the variants, then fill in their rows.",
        ),
        (
            standard(
                kind="variants",
                attribute_1="Taille",
                variant_0_value_1="S",
                variant_4_value_1="s",
            ),
            "variant_4_values",
            "two variants have the same values",
        ),
        (
            standard(
                kind="variants", attribute_1="Taille", variant_0_value_1="S", variant_0_price="x"
            ),
            "variant_0_price",
            "Enter an amount, such as 12.50.",
        ),
        (
            standard(kind="composite", component_0_id="COMPONENT", component_0_quantity="0"),
            "component_0_quantity",
            "a component's quantity must be positive",
        ),
        (
            standard(
                kind="composite", component_0_id=str(uuid.UUID(int=9)), component_0_quantity="1"
            ),
            "component_0_id",
            "unknown component product",
        ),
        (standard(kind="composite"), "components", "Add at least one component."),
        (
            standard(kind="variants", attribute_1="T" * 101, variant_0_value_1="S"),
            "attribute_1",
            "Enter at most 100 characters.",
        ),
    ],
)
def test_a_refused_product_shows_the_error_next_to_its_field_keeps_the_form_and_creates_nothing(
    browser: TestClient, shop: Store, form: dict[str, Any], field: str, message: str
) -> None:
    holder = make_product(shop, name="Existing", sku="TAKEN", barcode="3760000000017")
    form = {
        k.replace("OUTLET", str(shop.outlet.id)): v.replace("COMPONENT", str(holder.id))
        for k, v in form.items()
    }
    field = field.replace("OUTLET", str(shop.outlet.id))
    before = (count_rows(shop.db, Product), count_rows(shop.db, InventoryMovement))
    attributes_before = count_rows(shop.db, VariantAttribute)
    reply = post(browser, form)
    assert reply.status_code == 422
    html = reply.text
    assert "The product was not created: check the fields marked." in html
    error = re.search(rf'<p class="error" id="e-{re.escape(field)}">([^<]*)</p>', html)
    assert error, f"no error next to {field}"
    assert message in error.group(1).replace("&#39;", "'")
    assert (count_rows(shop.db, Product), count_rows(shop.db, InventoryMovement)) == before
    assert count_rows(shop.db, VariantAttribute) == attributes_before
    if form.get("name", "").strip():
        assert f'value="{form["name"]}"' in html  # what was typed is kept
    assert f'value="{form["kind"]}" checked' in html


def test_the_form_needs_its_csrf_token(browser: TestClient, shop: Store) -> None:
    for token in (None, "forged"):
        data = standard() | ({"csrf": token} if token else {})
        reply = browser.post("/products/new", data=data, follow_redirects=False)
        assert reply.status_code == 403
    assert count_rows(shop.db, Product) == 0


def test_a_cashier_sees_products_but_may_not_create_them(
    app_client: TestClient, shop: Store
) -> None:
    product = make_product(shop, name="Théière")
    clerk = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, clerk.username)
    assert browser.get(f"/products/{product.id}").status_code == 200
    assert 'href="/products/new"' not in browser.get("/products").text
    assert browser.get("/products/new").status_code == 403
    token = csrf_of(browser.get("/account").text)
    reply = browser.post("/products/new", data={"csrf": token, **standard()})
    assert reply.status_code == 403
    assert count_rows(shop.db, Product) == 1


def test_the_product_page_lists_the_family_and_the_outlet_settings(
    browser: TestClient, shop: Store
) -> None:
    first, _ = make_family(
        shop,
        name="Pull",
        variants=[
            products.NewVariant(
                values=["S"],
                sku="PULL-S",
                inventory=[
                    products.OpeningStock(
                        outlet_id=shop.outlet.id,
                        count=Decimal(7),
                        reorder_point=Decimal(2),
                        restock_level=Decimal(10),
                    )
                ],
            ),
            products.NewVariant(values=["M"], sku="PULL-M"),
        ],
    )
    page = browser.get(f"/products/{first.id}")
    assert page.status_code == 200
    assert "Pull / S" in page.text
    assert '<tr data-sku="PULL-M">' in page.text
    row = re.search(r'<tr data-outlet="Main">(.*?)</tr>', page.text, re.S)
    assert row and re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1)) == [
        "7",
        "2",
        "10",
    ]
    assert browser.get(f"/products/{uuid.uuid4()}").status_code == 404


def test_the_form_page_has_no_inline_script(browser: TestClient) -> None:
    page = browser.get("/products/new").text
    assert "<script>" not in page
    assert '<script type="module" src="/static/js/product_form.js">' in page
    assert browser.get("/static/js/product_form.js").status_code == 200
