"""Catalog > Brands, Suppliers, Product types, Tags, Variant attributes: the back-office pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.catalog import categories, entities
from comptoir.catalog.models import Brand, Product, ProductType, Supplier, Tag, VariantAttribute
from comptoir.store import service as store
from tests.factories import Store, csrf_of, make_user, sign_in_as
from tests.integration.products_support import category, product, variant_family

SLUGS = {
    "brands": Brand,
    "suppliers": Supplier,
    "types": ProductType,
    "tags": Tag,
    "variant-attributes": VariantAttribute,
}
each_page = pytest.mark.parametrize("slug", list(SLUGS))


def post_form(browser: TestClient, url: str, **fields: str) -> Any:
    page = browser.get(url.split("?")[0])
    return browser.post(url, data={"csrf": csrf_of(page.text), **fields}, follow_redirects=False)


def names(shop: Store, model: type[Any]) -> list[str]:
    with shop.db.read_sessions() as session:
        return sorted(session.scalars(select(model.name).where(model.deleted_at.is_(None))))


def field_error(html: str, field: str) -> str | None:
    found = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', html)
    return found.group(1) if found else None


def tree(shop: Store) -> list[categories.CategoryNode]:
    with shop.db.read_sessions() as session:
        return categories.category_tree(session)


def make_brand(shop: Store, name: str) -> Brand:
    with shop.uow() as uow:
        return entities.create_brand(uow, name=name)


@each_page
def test_each_catalog_page_renders_with_its_form_and_no_inline_script(
    browser: TestClient, slug: str
) -> None:
    page = browser.get(f"/catalog/{slug}")
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text and " style=" not in page.text
    assert 'href="/static/css/catalog.css"' in page.text
    assert f'<form method="post" action="/catalog/{slug}"' in page.text
    assert 'href="/catalog/brands"' in browser.get("/products").text  # the main navigation


def test_a_brand_is_created_renamed_and_deleted_through_its_forms(
    browser: TestClient, shop: Store
) -> None:
    created = post_form(browser, "/catalog/brands", name=" Nike ", description="Sport")
    assert (
        created.status_code == 303 and created.headers["location"] == "/catalog/brands?done=saved"
    )
    with shop.db.read_sessions() as session:
        (brand,) = entities.list_entities(session, Brand)
    assert (brand.name, brand.description) == ("Nike", "Sport")
    edit_page = browser.get(f"/catalog/brands?edit={brand.id}")
    assert 'value="Nike"' in edit_page.text and ">Sport</textarea>" in edit_page.text
    renamed = post_form(
        browser, f"/catalog/brands?edit={brand.id}", name="Nike Inc", description=""
    )
    assert renamed.status_code == 303
    assert names(shop, Brand) == ["Nike Inc"]
    shoe = product(shop, brand_id=brand.id)
    confirm = browser.get(f"/catalog/brands/{brand.id}/delete")
    assert "Products of this brand: 1. They will be left without a brand." in confirm.text
    deleted = browser.post(
        f"/catalog/brands/{brand.id}/delete",
        data={"csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert deleted.headers["location"] == "/catalog/brands?done=deleted"
    assert names(shop, Brand) == []
    with shop.db.read_sessions() as session:
        assert session.get(Product, shoe.id).brand_id is None  # type: ignore[union-attr]


def test_a_supplier_is_saved_with_its_contact_details(browser: TestClient, shop: Store) -> None:
    reply = post_form(
        browser,
        "/catalog/suppliers",
        name="Grossiste Dupont",
        company_name="Dupont SARL",
        first_name="Jeanne",
        last_name="Dupont",
        email="jeanne@dupont.example",
        phone="01 23 45 67 89",
        physical_address_1="3 rue des Lilas",
        physical_city="Lyon",
        physical_postcode="69001",
        physical_country_id="fr",
    )
    assert reply.status_code == 303
    listing = browser.get("/catalog/suppliers").text
    assert "Jeanne Dupont" in listing and "mailto:jeanne@dupont.example" in listing
    # The list finds a supplier by its company or contact too.
    for typed, found in [("sarl", 1), ("jeanne lyon", 1), ("paris", 0)]:
        page = browser.get("/catalog/suppliers", params={"q": typed}).text
        assert page.count("<tr data-id=") == found, typed
    with shop.db.read_sessions() as session:
        (supplier,) = session.scalars(select(Supplier)).all()
    assert (supplier.physical_city, supplier.physical_country_id) == ("Lyon", "FR")
    edit = browser.get(f"/catalog/suppliers?edit={supplier.id}").text
    assert 'value="3 rue des Lilas"' in edit and 'value="Dupont SARL"' in edit


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name."),
        ({"name": "Dupont", "email": "nope"}, "email", "Enter an email address."),
        (
            {"name": "Dupont", "physical_country_id": "FRA"},
            "physical_country_id",
            "Enter a two-letter country code, such as FR.",
        ),
        ({"name": "Dupont", "phone": "0" * 51}, "phone", "Enter at most 50 characters."),
    ],
)
def test_a_refused_supplier_shows_the_error_by_its_field_and_keeps_what_was_typed(
    browser: TestClient, shop: Store, fields: dict[str, str], field: str, message: str
) -> None:
    reply = post_form(browser, "/catalog/suppliers", first_name="Jeanne", **fields)
    assert reply.status_code == 422
    assert field_error(reply.text, field) == message
    assert f'id="f-{field}"' in reply.text and 'aria-invalid="true"' in reply.text
    assert 'value="Jeanne"' in reply.text
    assert names(shop, Supplier) == []


@pytest.mark.parametrize("slug", ["brands", "tags", "variant-attributes", "suppliers", "types"])
def test_a_duplicate_name_is_refused_by_the_name_field(
    browser: TestClient, shop: Store, slug: str
) -> None:
    assert post_form(browser, f"/catalog/{slug}", name="Maison").status_code == 303
    reply = post_form(browser, f"/catalog/{slug}", name="MAISON")
    assert reply.status_code == 422
    assert "already has this name" in (field_error(reply.text, "name") or "")
    assert names(shop, SLUGS[slug]) == ["Maison"]


def test_errors_are_shown_in_the_store_language(browser: TestClient, shop: Store) -> None:
    with shop.uow() as uow:
        retailer = store.get_retailer(uow.session)
        retailer.locale = "fr"
        uow.commit()
    make_brand(shop, "Nike")
    reply = post_form(browser, "/catalog/brands", name="nike")
    assert field_error(reply.text, "name") == "Une autre marque porte déjà ce nom."
    assert "Marques" in reply.text


def test_product_types_show_their_nesting_and_refuse_a_cycle(
    browser: TestClient, shop: Store
) -> None:
    assert post_form(browser, "/catalog/types", name="Clothing").status_code == 303
    clothing = tree(shop)[0].category
    assert (
        post_form(browser, "/catalog/types", name="Tops", parent_id=str(clothing.id)).status_code
        == 303
    )
    tops = tree(shop)[1].category
    page = browser.get("/catalog/types").text
    assert f'data-id="{tops.id}" data-depth="1"' in page
    assert '<td class="depth-1">Tops</td>' in page and "Clothing / Tops" in page
    # The parent list of an edited type leaves out itself and what is inside it.
    edit = browser.get(f"/catalog/types?edit={clothing.id}").text
    assert f'<option value="{tops.id}"' not in edit
    refused = post_form(
        browser, f"/catalog/types?edit={clothing.id}", name="Clothing", parent_id=str(tops.id)
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "parent_id") == (
        "A category cannot go inside itself or one of its subcategories."
    )


def test_deleting_a_product_type_lists_the_subtypes_that_go_with_it(
    browser: TestClient, shop: Store
) -> None:
    clothing = category(shop, "Clothing")
    tops = category(shop, "Tops", clothing)
    product(shop, product_type_id=tops.id)
    confirm = browser.get(f"/catalog/types/{clothing.id}/delete")
    assert "<li>Clothing / Tops</li>" in confirm.text
    assert "Products filed here: 1." in confirm.text
    browser.post(f"/catalog/types/{clothing.id}/delete", data={"csrf": csrf_of(confirm.text)})
    assert names(shop, ProductType) == []


def test_a_variant_attribute_in_use_offers_no_delete_and_refuses_one(
    browser: TestClient, shop: Store
) -> None:
    with shop.uow() as uow:
        size = entities.create_variant_attribute(uow, name="Size")
    variant_family(shop, size, "S")
    confirm = browser.get(f"/catalog/variant-attributes/{size.id}/delete")
    assert "It cannot be deleted while they use it." in confirm.text
    assert f'action="/catalog/variant-attributes/{size.id}/delete"' not in confirm.text
    forced = browser.post(
        f"/catalog/variant-attributes/{size.id}/delete", data={"csrf": csrf_of(confirm.text)}
    )
    assert forced.status_code == 409
    assert "Products with variants use this attribute" in forced.text
    assert names(shop, VariantAttribute) == ["Size"]


def test_the_list_is_searched_accents_ignored_and_paged(browser: TestClient, shop: Store) -> None:
    with shop.uow() as uow:
        for number in range(101):
            entities.ensure_named(uow.session, Tag, f"Tag {number:03d}")
        entities.ensure_named(uow.session, Tag, "Été")
        uow.commit()
    first = browser.get("/catalog/tags").text
    # By name, accents ignored: "Été" sorts as "ete", before every "Tag".
    assert first.count("<tr data-id=") == 100 and "page=2" in first
    assert first.index("<td>Été</td>") < first.index("<td>Tag 000</td>")
    second = browser.get("/catalog/tags", params={"page": 2}).text
    assert second.count("<tr data-id=") == 2 and "<td>Tag 100</td>" in second
    found = browser.get("/catalog/tags", params={"q": "ete"}).text
    assert found.count("<tr data-id=") == 1 and "<td>Été</td>" in found


# Refusals ---------------------------------------------------------------------------------


@each_page
@pytest.mark.parametrize("token", [None, "forged"])
def test_a_form_post_without_the_right_csrf_token_changes_nothing(
    browser: TestClient, shop: Store, slug: str, token: str | None
) -> None:
    data = {"name": "Sneaky"} | ({"csrf": token} if token else {})
    assert browser.post(f"/catalog/{slug}", data=data).status_code == 403
    kept = make_brand(shop, "Kept")
    reply = browser.post(f"/catalog/brands/{kept.id}/delete", data=data)
    assert reply.status_code == 403
    assert names(shop, SLUGS[slug]) == (["Kept"] if slug == "brands" else [])


@each_page
def test_a_cashier_sees_the_lists_but_no_form_and_cannot_post(
    app_client: TestClient, shop: Store, slug: str
) -> None:
    brand = make_brand(shop, "Kept")
    clerk = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, clerk.username)
    page = browser.get(f"/catalog/{slug}")
    assert page.status_code == 200
    assert '<form method="post" action="/catalog/' not in page.text
    assert "?edit=" not in page.text and "/delete" not in page.text
    token = csrf_of(browser.get("/account").text)
    assert browser.post(f"/catalog/{slug}", data={"csrf": token, "name": "X"}).status_code == 403
    assert browser.get(f"/catalog/brands/{brand.id}/delete").status_code == 403
    refused = browser.post(f"/catalog/brands/{brand.id}/delete", data={"csrf": token})
    assert refused.status_code == 403
    assert names(shop, Brand) == ["Kept"]
