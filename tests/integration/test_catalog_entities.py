"""Brands, suppliers, tags, variant attributes and product categories: the service rules."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from comptoir.catalog import categories, entities, product_rules
from comptoir.catalog import products as catalog
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductTag,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
)
from comptoir.core.errors import Conflict, InvalidInput
from tests.factories import Store
from tests.integration.products_support import category, product, variant_family

KINDS: dict[type[Any], Callable[..., Any]] = {
    Brand: lambda uow, name: entities.create_brand(uow, name=name),
    Supplier: lambda uow, name: entities.create_supplier(
        uow, fields=entities.SupplierFields(name=name)
    ),
    Tag: lambda uow, name: entities.create_tag(uow, name=name),
    VariantAttribute: lambda uow, name: entities.create_variant_attribute(uow, name=name),
    ProductType: lambda uow, name: categories.create_category(uow, name=name),
}
RENAME: dict[type[Any], Callable[..., Any]] = {
    Brand: lambda uow, e, name: entities.update_brand(uow, brand_id=e.id, name=name),
    Supplier: lambda uow, e, name: entities.update_supplier(
        uow, supplier_id=e.id, fields=entities.SupplierFields(name=name)
    ),
    Tag: lambda uow, e, name: entities.update_tag(uow, tag_id=e.id, name=name),
    VariantAttribute: lambda uow, e, name: entities.update_variant_attribute(
        uow, attribute_id=e.id, name=name
    ),
    ProductType: lambda uow, e, name: categories.update_category(
        uow, category_id=e.id, name=name, parent_id=e.parent_id
    ),
}
DELETE: dict[type[Any], Callable[..., Any]] = {
    Brand: lambda uow, e: entities.delete_brand(uow, brand_id=e.id),
    Supplier: lambda uow, e: entities.delete_supplier(uow, supplier_id=e.id),
    Tag: lambda uow, e: entities.delete_tag(uow, tag_id=e.id),
    VariantAttribute: lambda uow, e: entities.delete_variant_attribute(uow, attribute_id=e.id),
    ProductType: lambda uow, e: categories.delete_categories(uow, category_ids=[e.id])[0],
}
every_kind = pytest.mark.parametrize("model", list(KINDS), ids=lambda m: m.__name__)


def make(shop: Store, model: type[Any], name: str) -> Any:
    with shop.uow() as uow:
        return KINDS[model](uow, name)


def live_names(shop: Store, model: type[Any]) -> list[str]:
    with shop.db.read_sessions() as session:
        rows = session.scalars(select(model.name).where(model.deleted_at.is_(None)))
        return sorted(rows)


def reload(shop: Store, model: type[Any], entity_id: uuid.UUID) -> Any:
    with shop.db.read_sessions() as session:
        return session.get(model, entity_id)


# Names ------------------------------------------------------------------------------------


@every_kind
@pytest.mark.parametrize(
    "bad",
    ["", "   ", "x" * 201, "Nike\x00", "Nike\nAir", "Tab\there"],
    ids=["empty", "blank", "too-long", "nul", "line-break", "tab"],
)
def test_a_bad_name_is_refused_naming_the_field_and_creates_nothing(
    shop: Store, model: type[Any], bad: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        make(shop, model, bad)
    assert refused.value.details["field"] == "name"
    assert live_names(shop, model) == []


def test_a_variant_attribute_name_is_limited_to_its_column(shop: Store) -> None:
    make(shop, VariantAttribute, "x" * 100)
    with pytest.raises(InvalidInput) as refused:
        make(shop, VariantAttribute, "y" * 101)
    assert refused.value.details == {"field": "name", "max_length": 100}


@every_kind
def test_a_name_is_trimmed_and_normalised(shop: Store, model: type[Any]) -> None:
    made = make(shop, model, "  Cafe\u0301 du coin \t")
    assert made.name == "Café du coin"
    assert live_names(shop, model) == ["Café du coin"]


@every_kind
@pytest.mark.parametrize(
    ("first", "second"),
    [("Nike", "nike"), ("Éclat", "éCLAT"), ("Café", "Cafe\u0301"), ("Nike", " NIKE ")],
)
def test_a_name_is_unique_among_live_rows_whatever_its_case(
    shop: Store, model: type[Any], first: str, second: str
) -> None:
    kept = make(shop, model, first)
    with pytest.raises(InvalidInput) as refused:
        make(shop, model, second)
    assert refused.value.details["field"] == "name"
    assert refused.value.details["id"] == str(kept.id)
    assert live_names(shop, model) == [kept.name]


@every_kind
def test_renaming_onto_another_name_is_refused_but_changing_case_is_not(
    shop: Store, model: type[Any]
) -> None:
    make(shop, model, "Nike")
    other = make(shop, model, "Adidas")
    with shop.uow() as uow, pytest.raises(InvalidInput):
        RENAME[model](uow, other, "NIKE")
    with shop.uow() as uow:
        RENAME[model](uow, other, "ADIDAS")
    assert live_names(shop, model) == ["ADIDAS", "Nike"]


@every_kind
def test_a_deleted_name_can_be_used_again(shop: Store, model: type[Any]) -> None:
    gone = make(shop, model, "Nike")
    with shop.uow() as uow:
        DELETE[model](uow, gone)
    again = make(shop, model, "nike")
    assert again.id != gone.id
    assert reload(shop, model, gone.id).deleted_at is not None
    assert live_names(shop, model) == ["nike"]


def race(outcome: list[Any], act: Callable[..., Any], *args: Any) -> None:
    """Run `act` (in a thread) and keep what it returned or raised."""
    try:
        outcome.append(act(*args))
    except BaseException as error:  # reported to the test
        outcome.append(error)


def wait_until_blocked(shop: Store, racer: threading.Thread) -> None:
    """Until the racer waits on a lock, not merely started (or has ended: then it was
    never blocked, which the test's assertions catch). No sleeping."""
    with shop.db.read_sessions() as watcher:
        while racer.is_alive() and not watcher.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        ):
            watcher.rollback()


def test_two_transactions_cannot_create_the_same_name_at_once(shop: Store) -> None:
    """The name check waits for the version counter's lock: the second creation sees the
    first one's committed row instead of passing its check before that commit."""
    if shop.db.dialect != "postgresql":
        pytest.skip("SQLite has a single writer: two write transactions never overlap")
    outcome: list[BaseException | Brand] = []
    with shop.uow() as first:
        entities.ensure_named(first.session, Brand, "Nike")
        first.session.flush()
        racer = threading.Thread(target=race, args=(outcome, make, shop, Brand, "NIKE"))
        racer.start()
        wait_until_blocked(shop, racer)
        first.commit()
        racer.join()
    assert len(outcome) == 1 and isinstance(outcome[0], InvalidInput)
    assert live_names(shop, Brand) == ["Nike"]


def test_a_category_cannot_get_subcategories_while_a_product_is_being_filed_in_it(
    shop: Store,
) -> None:
    """Filing a product takes the lock that adding a subcategory takes: the subcategory
    waits for the product's commit, then sees it and is refused."""
    if shop.db.dialect != "postgresql":
        pytest.skip("SQLite has a single writer: two write transactions never overlap")
    shoes = category(shop, "Shoes")
    outcome: list[BaseException | ProductType] = []
    with shop.uow() as first:
        # The check a product write makes, then the product itself, in one transaction.
        entities.referenced(first.session, ProductType, entity_id=shoes.id, field="type")
        racer = threading.Thread(target=race, args=(outcome, category, shop, "Boots", shoes))
        racer.start()
        wait_until_blocked(shop, racer)
        catalog.add_product(
            first.session,
            new=catalog.NewProduct(name="Boot", price=Decimal("80"), product_type_id=shoes.id),
        )
        first.commit()
        racer.join()
    assert len(outcome) == 1 and isinstance(outcome[0], InvalidInput)
    assert outcome[0].details == {"field": "parent_id", "products": 1}


# Supplier details -------------------------------------------------------------------------


def test_a_supplier_keeps_its_contact_details_cleaned(shop: Store) -> None:
    with shop.uow() as uow:
        made = entities.create_supplier(
            uow,
            fields=entities.SupplierFields(
                name="Grossiste Dupont",
                description="Livre le mardi\nappeler avant",
                company_name=" Dupont SARL ",
                first_name="Jeanne",
                last_name="Dupont",
                email="jeanne@dupont.example",
                phone="01 23 45 67 89",
                website="https://dupont.example",
                physical_address_1="3 rue des Lilas",
                physical_city="Lyon",
                physical_postcode="69001",
                physical_country_id="fr",
                twitter="",
            ),
        )
    saved = reload(shop, Supplier, made.id)
    assert saved.company_name == "Dupont SARL"
    assert saved.description == "Livre le mardi\nappeler avant"
    assert saved.physical_country_id == "FR"
    assert saved.twitter is None
    assert (saved.email, saved.physical_city) == ("jeanne@dupont.example", "Lyon")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not an email"),
        ("email", "a@b@c"),
        ("physical_country_id", "FRA"),
        ("physical_country_id", "F1"),
        ("phone", "0" * 51),
        ("first_name", "x" * 101),
        ("physical_postcode", "1" * 21),
        ("company_name", "Line\nbreak"),
    ],
)
def test_a_bad_supplier_detail_is_refused_naming_its_field(
    shop: Store, field: str, value: str
) -> None:
    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        entities.create_supplier(
            uow, fields=entities.SupplierFields(name="Dupont", **{field: value})
        )
    assert refused.value.details["field"] == field
    assert live_names(shop, Supplier) == []


# Deleting what products use ---------------------------------------------------------------


def versions(shop: Store, *items: Product) -> list[int]:
    with shop.db.read_sessions() as session:
        return [session.get(Product, p.id).version for p in items]  # type: ignore[union-attr]


def test_deleting_a_brand_or_supplier_leaves_its_products_without_one(shop: Store) -> None:
    brand = make(shop, Brand, "Nike")
    supplier = make(shop, Supplier, "Dupont")
    other = make(shop, Brand, "Adidas")
    linked = product(shop, brand_id=brand.id, supplier_id=supplier.id, supplier_code="D-1")
    untouched = product(shop, brand_id=other.id)
    before = versions(shop, linked, untouched)
    with shop.uow() as uow:
        assert entities.delete_brand(uow, brand_id=brand.id).products == 1
    with shop.uow() as uow:
        assert entities.delete_supplier(uow, supplier_id=supplier.id).products == 1
    after = reload(shop, Product, linked.id)
    assert (after.brand_id, after.supplier_id, after.supplier_code) == (None, None, "D-1")
    assert after.name == "Shoe" and after.search_text == "shoe " + after.sku.lower() + " shoe"
    assert reload(shop, Product, untouched.id).brand_id == other.id
    # Sync clients paging products by version see the change; the untouched one is unchanged.
    new_versions = versions(shop, linked, untouched)
    assert new_versions[0] > before[0] and new_versions[1] == before[1]


def test_deleting_a_tag_takes_it_off_its_products(shop: Store) -> None:
    sale, summer = make(shop, Tag, "Sale"), make(shop, Tag, "Summer")
    tagged = product(shop, tag_ids=[sale.id, summer.id])
    before = versions(shop, tagged)
    with shop.uow() as uow:
        assert entities.delete_tag(uow, tag_id=sale.id).products == 1
    with shop.db.read_sessions() as session:
        assert [t.name for t in session.get(Product, tagged.id).tags] == ["Summer"]  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(ProductTag)) == 1
    assert versions(shop, tagged)[0] > before[0]


def test_a_variant_attribute_used_by_live_variants_cannot_be_deleted(shop: Store) -> None:
    size = make(shop, VariantAttribute, "Size")
    family = variant_family(shop, size, "S", "M")
    with shop.uow() as uow, pytest.raises(Conflict) as refused:
        entities.delete_variant_attribute(uow, attribute_id=size.id)
    assert refused.value.details["products"] == 2
    assert reload(shop, VariantAttribute, size.id).deleted_at is None
    # Once the variants are deleted, the attribute may go.
    with shop.uow() as uow:
        for member in product_rules.family_members(uow.session, family_id=family.family_id):
            member.deleted_at = member.created_at
        uow.commit()
    with shop.uow() as uow:
        entities.delete_variant_attribute(uow, attribute_id=size.id)
    assert reload(shop, VariantAttribute, size.id).deleted_at is not None


def test_an_unused_variant_attribute_is_deleted(shop: Store) -> None:
    colour = make(shop, VariantAttribute, "Colour")
    with shop.uow() as uow:
        assert entities.delete_variant_attribute(uow, attribute_id=colour.id).ids == [colour.id]
    assert live_names(shop, VariantAttribute) == []


# Categories -------------------------------------------------------------------------------


def test_categories_nest_and_names_are_unique_among_siblings_only(shop: Store) -> None:
    men, women = category(shop, "Men"), category(shop, "Women")
    men_shoes = category(shop, "Shoes", men)
    women_shoes = category(shop, "shoes", women)
    assert men_shoes.parent_id == men.id and women_shoes.parent_id == women.id
    with pytest.raises(InvalidInput) as refused:
        category(shop, "SHOES", men)
    assert refused.value.details["field"] == "name"
    with shop.db.read_sessions() as session:
        tree = categories.category_tree(session)
    assert [(n.path_name, n.depth, n.leaf) for n in tree] == [
        ("Men", 0, False),
        ("Men / Shoes", 1, True),
        ("Women", 0, False),
        ("Women / shoes", 1, True),
    ]


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_a_category_cannot_go_inside_itself_or_its_subcategories(shop: Store, target: str) -> None:
    top = category(shop, "Clothing")
    child = category(shop, "Tops", top)
    grandchild = category(shop, "Shirts", child)
    parent = {"itself": top, "child": child, "grandchild": grandchild}[target]
    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        categories.update_category(uow, category_id=top.id, name="Clothing", parent_id=parent.id)
    assert refused.value.details["field"] == "parent_id"
    assert reload(shop, ProductType, top.id).parent_id is None


def test_a_category_moves_under_another_branch(shop: Store) -> None:
    top, other = category(shop, "Clothing"), category(shop, "Sale")
    child = category(shop, "Tops", top)
    with shop.uow() as uow:
        categories.update_category(uow, category_id=child.id, name="Tops", parent_id=other.id)
    with shop.db.read_sessions() as session:
        assert [(n.path_name, n.leaf) for n in categories.category_tree(session)] == [
            ("Clothing", True),
            ("Sale", False),
            ("Sale / Tops", True),
        ]


def test_a_product_is_filed_only_in_a_category_without_subcategories(shop: Store) -> None:
    top = category(shop, "Clothing")
    leaf = category(shop, "Tops", top)
    with pytest.raises(InvalidInput) as refused:
        product(shop, product_type_id=top.id)
    assert refused.value.details["field"] == "product_type_id"
    assert product(shop, product_type_id=leaf.id).product_type_id == leaf.id


def test_a_category_holding_products_gets_no_subcategories(shop: Store) -> None:
    shoes = category(shop, "Shoes")
    product(shop, product_type_id=shoes.id)
    with pytest.raises(InvalidInput) as refused:
        category(shop, "Boots", shoes)
    assert refused.value.details == {"field": "parent_id", "products": 1}
    other = category(shop, "Boots")
    with shop.uow() as uow, pytest.raises(InvalidInput):
        categories.update_category(uow, category_id=other.id, name="Boots", parent_id=shoes.id)
    assert reload(shop, ProductType, other.id).parent_id is None


def test_deleting_a_category_deletes_its_branch_and_files_products_in_its_parent(
    shop: Store,
) -> None:
    top = category(shop, "Clothing")
    tops = category(shop, "Tops", top)
    shirts = category(shop, "Shirts", tops)
    filed = product(shop, product_type_id=shirts.id)
    with shop.uow() as uow:
        (deleted,) = categories.delete_categories(uow, category_ids=[tops.id])
    assert set(deleted.ids) == {tops.id, shirts.id} and deleted.products == 1
    # "Clothing" has no subcategory left: it is a leaf again and takes the products.
    assert reload(shop, Product, filed.id).product_type_id == top.id
    assert reload(shop, ProductType, shirts.id).deleted_at is not None
    assert live_names(shop, ProductType) == ["Clothing"]


@pytest.mark.parametrize("branch", ["top-level", "parent-keeps-others"])
def test_products_of_a_deleted_category_are_left_without_one_when_no_leaf_remains(
    shop: Store, branch: str
) -> None:
    top = category(shop, "Clothing")
    tops, _trousers = category(shop, "Tops", top), category(shop, "Trousers", top)
    doomed = top if branch == "top-level" else tops
    filed = product(shop, product_type_id=tops.id)
    with shop.uow() as uow:
        categories.delete_categories(uow, category_ids=[doomed.id])
    assert reload(shop, Product, filed.id).product_type_id is None


def test_deleting_sibling_categories_together_files_their_products_in_the_parent(
    shop: Store,
) -> None:
    top = category(shop, "Clothing")
    tops, trousers = category(shop, "Tops", top), category(shop, "Trousers", top)
    a, b = product(shop, product_type_id=tops.id), product(shop, product_type_id=trousers.id)
    with shop.uow() as uow:
        results = categories.delete_categories(uow, category_ids=[tops.id, trousers.id, tops.id])
    assert [r.ids for r in results] == [[tops.id], [trousers.id]]
    assert {reload(shop, Product, p.id).product_type_id for p in (a, b)} == {top.id}


def test_deleting_an_unknown_category_changes_nothing(shop: Store) -> None:
    kept = category(shop, "Clothing")
    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        categories.delete_categories(uow, category_ids=[kept.id, uuid.uuid4()])
    assert refused.value.details["field"] == "category_ids"
    assert live_names(shop, ProductType) == ["Clothing"]


def test_a_bulk_save_builds_a_branch_and_renames_all_or_nothing(shop: Store) -> None:
    existing = category(shop, "Animals")
    change = categories.CategoryChange
    with shop.uow() as uow:
        saved = categories.save_categories(
            uow,
            changes=[
                change(payload_id="pet", name="Pet"),
                change(payload_parent_id="pet", name="Dog"),
                change(payload_parent_id="pet", payload_id="cat", name="Cat"),
                change(payload_parent_id="cat", name="Cat Food"),
                change(id=existing.id, name="Animal / Pet"),
            ],
        )
    pet, dog = saved[0].category, saved[1].category
    assert (saved[0].payload_id, dog.parent_id) == ("pet", pet.id)
    assert saved[3].category.parent_id == saved[2].category.id
    with shop.db.read_sessions() as session:
        paths = [n.path_name for n in categories.category_tree(session)]
    assert paths == ["Animal / Pet", "Pet", "Pet / Cat", "Pet / Cat / Cat Food", "Pet / Dog"]
    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        categories.save_categories(
            uow,
            changes=[change(name="Toys"), change(id=existing.id, name=""), change(name="Food")],
        )
    assert refused.value.details["index"] == 1
    assert "Toys" not in live_names(shop, ProductType)


# Imports ----------------------------------------------------------------------------------


@every_kind
def test_ensure_named_finds_a_live_name_whatever_its_case_or_creates_it_once(
    shop: Store, model: type[Any]
) -> None:
    existing = make(shop, model, "Nike")
    gone = make(shop, model, "Puma")
    with shop.uow() as uow:
        DELETE[model](uow, gone)
    with shop.uow() as uow:
        assert entities.ensure_named(uow.session, model, " NIKE ").id == existing.id
        first = entities.ensure_named(uow.session, model, "Adidas")
        assert entities.ensure_named(uow.session, model, "adidas") is first
        puma = entities.ensure_named(uow.session, model, "puma")
        assert puma.id != gone.id
        uow.commit()
    with shop.uow() as uow:
        # A new transaction reads the names again (the first one's cache is not reused).
        assert entities.ensure_named(uow.session, model, "ADIDAS").id == first.id
    assert live_names(shop, model) == ["Adidas", "Nike", "puma"]


def test_ensure_named_sees_a_name_created_earlier_in_the_same_transaction(shop: Store) -> None:
    with shop.uow() as uow:
        made = entities.create_brand(uow, name="Nike")  # commits: the cache was forgotten
        assert entities.ensure_named(uow.session, Brand, "nike").id == made.id
        entities.ensure_named(uow.session, Brand, "Adidas")
        uow.rollback()
        # The rolled back "Adidas" is not remembered.
        assert entities.ensure_named(uow.session, Brand, "adidas").name == "adidas"
        uow.commit()
    assert live_names(shop, Brand) == ["Nike", "adidas"]


def test_ensure_named_refuses_a_bad_name(shop: Store) -> None:
    with shop.uow() as uow, pytest.raises(InvalidInput):
        entities.ensure_named(uow.session, Tag, "  ")


def test_ensure_category_path_finds_or_creates_each_level(shop: Store) -> None:
    men = category(shop, "Men")
    with shop.uow() as uow:
        shoes = categories.ensure_category_path(uow.session, ["MEN", "Shoes"])
        again = categories.ensure_category_path(uow.session, ["men", "shoes"])
        boots = categories.ensure_category_path(uow.session, ["Women", "Shoes", "Boots"])
        uow.commit()
    assert again is shoes and shoes.parent_id == men.id
    with shop.db.read_sessions() as session:
        paths = [n.path_name for n in categories.category_tree(session)]
    assert paths == ["Men", "Men / Shoes", "Women", "Women / Shoes", "Women / Shoes / Boots"]
    assert boots.name == "Boots"
