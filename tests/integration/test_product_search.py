"""Product search (sell screen, API and product list) on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product
from comptoir.catalog.search import fold, words_of
from comptoir.core.db import Database
from tests.factories import Store, make_product


def names(db: Database, text: str, limit: int = 20) -> list[str]:
    with db.write_sessions() as session:
        return [p.name for p in catalog.search_products(session, text=text, limit=limit)]


@pytest.fixture
def catalog_shop(shop: Store) -> Store:
    make_product(shop, name="Café crème 250g", sku="CAF-250", barcode="3760001000011")
    make_product(shop, name="Éponge grattante", sku="EPO-1")
    make_product(shop, name="Thé vert Sencha", sku="TEA-GREEN")
    make_product(shop, name="Cafetière italienne", sku="ITA-6")
    make_product(shop, name="Bœuf séché", sku="BEEF-1")
    return shop


def test_fold_drops_accents_case_and_punctuation() -> None:
    assert fold("  Éponge-GRATTANTE, x2 ") == "eponge grattante x2"
    assert fold("Bœuf séché") == "boeuf seche"
    assert words_of("CAFÉ  crème") == ["cafe", "creme"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cafe", ["Café crème 250g", "Cafetière italienne"]),
        ("CAFÉ CRÈME", ["Café crème 250g"]),
        ("ÉPONGE", ["Éponge grattante"]),
        ("eponge", ["Éponge grattante"]),
        ("boeuf", ["Bœuf séché"]),
    ],
)
def test_accents_and_case_are_ignored(
    db: Database, catalog_shop: Store, typed: str, expected: list[str]
) -> None:
    assert names(db, typed) == expected


def test_words_match_in_any_order(db: Database, catalog_shop: Store) -> None:
    assert names(db, "creme cafe") == ["Café crème 250g"]
    assert names(db, "sencha the vert") == ["Thé vert Sencha"]


def test_the_last_word_matches_as_a_prefix(db: Database, catalog_shop: Store) -> None:
    assert names(db, "cafe cr") == ["Café crème 250g"]
    assert names(db, "gratt") == ["Éponge grattante"]
    assert names(db, "cafe xyz") == []


def test_sku_handle_and_barcode_find_the_product(db: Database, catalog_shop: Store) -> None:
    assert names(db, "TEA-GREEN") == ["Thé vert Sencha"]
    assert names(db, "tea-gr") == ["Thé vert Sencha"]
    assert names(db, "epongegrattante") == ["Éponge grattante"]
    assert names(db, "3760001000011") == ["Café crème 250g"]
    assert names(db, "376000100001") == []  # a barcode matches only exactly


def test_exact_barcode_and_sku_matches_rank_first(db: Database, shop: Store) -> None:
    make_product(shop, name="Aaa notebook 12345", sku="NB-1")
    make_product(shop, name="Zebra pen", sku="12345")
    make_product(shop, name="Zulu ink", sku="INK-1", barcode="12345")
    assert names(db, "12345") == ["Zulu ink", "Zebra pen", "Aaa notebook 12345"]


def test_inactive_and_deleted_products_are_not_offered_for_sale(
    db: Database, catalog_shop: Store
) -> None:
    cafe, _, _, cafetiere, _ = catalog_shop.products
    with db.write_sessions() as session, session.begin():
        session.execute(update(Product).where(Product.id == cafe.id).values(active=False))
        session.execute(
            update(Product).where(Product.id == cafetiere.id).values(deleted_at=datetime.now(UTC))
        )
    assert names(db, "cafe") == []
    assert names(db, "CAF-250") == []
    assert names(db, "3760001000011") == []
    with db.write_sessions() as session:
        page = catalog.list_product_families(session, filters=catalog.ProductFilter(text="cafe"))
        listed = [p.name for family in page.families for p in family]
    assert listed == ["Café crème 250g"]  # the product list shows inactive, not deleted


def test_a_renamed_product_is_found_by_its_new_name(db: Database, catalog_shop: Store) -> None:
    tea = catalog_shop.products[2]
    with db.write_sessions() as session, session.begin():
        product = session.get(Product, tea.id)
        assert product is not None
        product.name = "Rooibos à la vanille"
    assert names(db, "rooibos vanil") == ["Rooibos à la vanille"]
    assert names(db, "sencha") == []
    assert names(db, "TEA-GREEN") == ["Rooibos à la vanille"]


def test_a_deleted_row_leaves_the_index(db: Database, catalog_shop: Store) -> None:
    make_product(catalog_shop, name="Café moulu", sku="CAF-M", stock=0, has_inventory=False)
    assert names(db, "cafe mou") == ["Café moulu"]
    with db.write_sessions() as session, session.begin():
        session.execute(Product.__table__.delete().where(Product.sku == "CAF-M"))
    assert names(db, "cafe") == ["Café crème 250g", "Cafetière italienne"]


def test_results_are_limited(db: Database, shop: Store) -> None:
    for n in range(5):
        make_product(shop, name=f"Savon {n}")
    assert len(names(db, "savon", limit=3)) == 3


def test_the_search_api_uses_the_same_search(api: TestClient, catalog_shop: Store) -> None:
    reply = api.get("/api/2.0/search", params={"type": "products", "q": "creme CAFÉ"})
    assert reply.status_code == 200
    assert [p["name"] for p in reply.json()["data"]] == ["Café crème 250g"]
    reply = api.get("/api/2.0/search", params={"q": "3760001000011"})
    assert [p["sku"] for p in reply.json()["data"]] == ["CAF-250"]


def test_the_product_list_filters_with_the_search(api: TestClient, catalog_shop: Store) -> None:
    page = api.get("/products", params={"q": "eponge"}).text
    assert "Éponge grattante" in page
    assert "Café crème" not in page
