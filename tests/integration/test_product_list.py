"""The product list: each filter narrows it, filters combine with each other and with the
search, families are listed whole, and keyset paging lists every product exactly once."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.catalog import products
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Brand, Product, ProductType, Supplier, Tag
from comptoir.inventory.service import ReorderSettings, set_reorder_levels
from comptoir.store import service as store
from tests.factories import Store
from tests.integration.products_support import add, attribute


@dataclass
class Catalog:
    brand: Brand
    other_brand: Brand
    supplier: Supplier
    product_type: ProductType
    tag: Tag
    by_name: dict[str, uuid.UUID]


def create(shop: Store, name: str, **fields: Any) -> Product:
    fields.setdefault("price", Decimal("10"))
    with shop.uow() as uow:
        return products.create_product(uow, new=products.NewProduct(name=name, **fields))


def stocked(shop: Store, count: int, reorder_point: int | None = None) -> list[Any]:
    return [
        products.OpeningStock(
            outlet_id=shop.outlet.id,
            count=Decimal(count),
            reorder_point=None if reorder_point is None else Decimal(reorder_point),
        )
    ]


@pytest.fixture(params=["from_matches", "walking_names"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways SQLite may read a tag, low-stock or word filter: from the matches (few of
    them) or walking the name order checking each row (many); one answer either way."""
    if request.param == "walking_names":
        monkeypatch.setattr(catalog, "PROBE_FROM", 1)
    return str(request.param)


@pytest.fixture
def shelf(shop: Store) -> Catalog:
    """Products that each pass exactly the filters their name says."""
    brand = add(shop, Brand(id=uuid.uuid4(), name="Maison Dupré"))
    other_brand = add(shop, Brand(id=uuid.uuid4(), name="Nordique"))
    supplier = add(shop, Supplier(id=uuid.uuid4(), name="Grossiste Sud"))
    kind = add(shop, ProductType(id=uuid.uuid4(), name="Épicerie"))
    tag = add(shop, Tag(id=uuid.uuid4(), name="bio"))
    made = {
        "Café branded": create(shop, "Café branded", brand_id=brand.id),
        "Thé other brand": create(shop, "Thé other brand", brand_id=other_brand.id),
        "Sucre supplied": create(shop, "Sucre supplied", supplier_id=supplier.id),
        "Farine typed": create(shop, "Farine typed", product_type_id=kind.id),
        "Miel tagged": create(shop, "Miel tagged", tag_ids=[tag.id]),
        "Savon inactive": create(shop, "Savon inactive", active=False),
        "Bougie low": create(shop, "Bougie low", inventory=stocked(shop, 3, reorder_point=5)),
        "Bougie at point": create(shop, "Bougie at point", inventory=stocked(shop, 5, 5)),
        "Bougie above point": create(shop, "Bougie above point", inventory=stocked(shop, 6, 5)),
        "Bougie no point": create(shop, "Bougie no point", inventory=stocked(shop, 0)),
        "Café everything": create(
            shop,
            "Café everything",
            brand_id=brand.id,
            supplier_id=supplier.id,
            product_type_id=kind.id,
            tag_ids=[tag.id],
            inventory=stocked(shop, 1, 2),
        ),
    }
    return Catalog(
        brand=brand,
        other_brand=other_brand,
        supplier=supplier,
        product_type=kind,
        tag=tag,
        by_name={name: p.id for name, p in made.items()},
    )


def listed(shop: Store, **criteria: Any) -> list[str]:
    with shop.db.read_sessions() as session:
        page = catalog.list_product_families(
            session, filters=catalog.ProductFilter(**criteria), limit=100
        )
        return [p.name for family in page.families for p in family]


EVERYTHING = [
    "Bougie above point",
    "Bougie at point",
    "Bougie low",
    "Bougie no point",
    "Café branded",
    "Café everything",
    "Farine typed",
    "Miel tagged",
    "Savon inactive",
    "Sucre supplied",
    "Thé other brand",
]


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        ("brand", ["Café branded", "Café everything"]),
        ("supplier", ["Café everything", "Sucre supplied"]),
        ("product_type", ["Café everything", "Farine typed"]),
        ("tag", ["Café everything", "Miel tagged"]),
        ("inactive", ["Savon inactive"]),
        ("active", [n for n in EVERYTHING if n != "Savon inactive"]),
        ("low_stock", ["Bougie at point", "Bougie low", "Café everything"]),
        ("search", ["Café branded", "Café everything"]),
    ],
)
def test_each_filter_narrows_the_list_to_the_products_that_pass_it(
    shop: Store, shelf: Catalog, strategy: str, criterion: str, expected: list[str]
) -> None:
    criteria = {
        "brand": {"brand_id": shelf.brand.id},
        "supplier": {"supplier_id": shelf.supplier.id},
        "product_type": {"product_type_id": shelf.product_type.id},
        "tag": {"tag_id": shelf.tag.id},
        "inactive": {"active": False},
        "active": {"active": True},
        "low_stock": {"low_stock_at": shop.outlet.id},
        "search": {"text": "cafe"},
    }[criterion]
    assert listed(shop) == EVERYTHING
    assert listed(shop, **criteria) == expected


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"brand": True, "tag": True}, ["Café everything"]),
        ({"brand": True, "text": "branded"}, ["Café branded"]),
        ({"supplier": True, "low_stock": True}, ["Café everything"]),
        ({"brand": True, "inactive": True}, []),
        ({"text": "bougie", "low_stock": True}, ["Bougie at point", "Bougie low"]),
        ({"other_brand": True, "tag": True}, []),
    ],
)
def test_filters_combine_with_each_other_and_with_the_search(
    shop: Store, shelf: Catalog, strategy: str, criteria: dict[str, Any], expected: list[str]
) -> None:
    wanted: dict[str, Any] = {}
    if "brand" in criteria:
        wanted["brand_id"] = shelf.brand.id
    if "other_brand" in criteria:
        wanted["brand_id"] = shelf.other_brand.id
    if "tag" in criteria:
        wanted["tag_id"] = shelf.tag.id
    if "supplier" in criteria:
        wanted["supplier_id"] = shelf.supplier.id
    if "inactive" in criteria:
        wanted["active"] = False
    if "low_stock" in criteria:
        wanted["low_stock_at"] = shop.outlet.id
    if "text" in criteria:
        wanted["text"] = criteria["text"]
    assert listed(shop, **wanted) == expected


def test_low_stock_is_counted_at_the_outlet_chosen(
    shop: Store, shelf: Catalog, strategy: str
) -> None:
    with shop.uow() as uow:
        elsewhere = store.create_outlet(
            uow, fields=store.OutletFields(name="Annexe", time_zone="Europe/Paris")
        )
    with shop.uow() as uow:
        # Low at the annexe only (no stock there, reorder point 1).
        set_reorder_levels(
            uow.session,
            settings=[
                ReorderSettings(shelf.by_name["Miel tagged"], elsewhere.id, Decimal(1), None)
            ],
        )
        uow.commit()
    assert listed(shop, low_stock_at=elsewhere.id) == ["Miel tagged"]
    assert "Miel tagged" not in listed(shop, low_stock_at=shop.outlet.id)


def test_a_variant_family_is_listed_whole_and_a_variant_found_by_its_sku_alone(
    shop: Store,
) -> None:
    size = attribute(shop, "Size")
    create(
        shop,
        "T-shirt",
        variant_attribute_ids=[size.id],
        variants=[
            products.NewVariant(values=["S"], sku="TS-S"),
            products.NewVariant(values=["M"], sku="TS-M"),
            products.NewVariant(values=["L"], sku="TS-L"),
        ],
    )
    create(shop, "Tablier", sku="TAB")
    with shop.db.read_sessions() as session:
        page = catalog.list_product_families(session)
        assert [[p.sku for p in family] for family in page.families] == [
            ["TS-S", "TS-M", "TS-L"],
            ["TAB"],
        ]
        found = catalog.list_product_families(session, filters=catalog.ProductFilter(text="TS-M"))
        assert [[p.variant_name for p in family] for family in found.families] == [["T-shirt / M"]]


def walk(shop: Store, *, limit: int, backwards: bool = False) -> list[list[str]]:
    """Every page of the list, following the next (or previous) links from one end."""
    pages: list[list[str]] = []
    with shop.db.read_sessions() as session:
        if backwards:
            # The last page: start after a key beyond every name.
            last = catalog.FamilyKey("\uffff", uuid.UUID(int=0))
            page = catalog.list_product_families(session, before=last, limit=limit)
        else:
            page = catalog.list_product_families(session, limit=limit)
        for _ in range(100):
            pages.append([p.sku for family in page.families for p in family])
            key = page.previous_before if backwards else page.next_after
            if key is None:
                break
            arguments = {"before": key} if backwards else {"after": key}
            page = catalog.list_product_families(session, limit=limit, **arguments)
    return pages[::-1] if backwards else pages


@pytest.mark.parametrize("limit", [1, 3, 4, 50])
def test_paging_lists_every_product_exactly_once_also_when_names_tie(
    shop: Store, limit: int
) -> None:
    skus = [f"MUG-{n:02d}" for n in range(9)]
    for sku in skus:
        create(shop, "Mug", sku=sku)  # nine products with the same name
    for sku in ("A-1", "Z-1"):
        create(shop, "Assiette" if sku == "A-1" else "Zeste", sku=sku)
    size = attribute(shop, "Size")
    create(
        shop,
        "Mug",
        variant_attribute_ids=[size.id],
        variants=[products.NewVariant(values=[v], sku=f"MUGV-{v}") for v in ("S", "M", "L")],
    )
    everything = {*skus, "A-1", "Z-1", "MUGV-S", "MUGV-M", "MUGV-L"}
    forward = walk(shop, limit=limit)
    backward = walk(shop, limit=limit, backwards=True)
    for pages in (forward, backward):
        flat = [sku for page in pages for sku in page]
        assert sorted(flat) == sorted(everything)  # each product once, none missing
        assert flat[0] == "A-1" and flat[-1] == "Z-1"
    assert forward == backward
    # A family is never cut between two pages.
    (holding,) = [page for page in forward if "MUGV-S" in page]
    start = holding.index("MUGV-S")
    assert holding[start : start + 3] == ["MUGV-S", "MUGV-M", "MUGV-L"]


def test_a_product_added_while_paging_neither_repeats_nor_hides_the_others(
    shop: Store,
) -> None:
    for n in range(6):
        create(shop, f"Bol {n}", sku=f"BOL-{n}")
    with shop.db.read_sessions() as session:
        first = catalog.list_product_families(session, limit=3)
    create(shop, "Assiette", sku="ASS")  # sorts before the first page
    with shop.db.read_sessions() as session:
        second = catalog.list_product_families(session, after=first.next_after, limit=3)
    names = [p.name for f in first.families + second.families for p in f]
    assert names == [f"Bol {n}" for n in range(6)]


def test_deleted_products_are_never_listed(shop: Store, shelf: Catalog) -> None:
    with shop.uow() as uow:
        uow.session.execute(
            update(Product)
            .where(Product.id == shelf.by_name["Miel tagged"])
            .values(deleted_at=Product.created_at)
        )
        uow.commit()
    assert "Miel tagged" not in listed(shop)
    assert listed(shop, tag_id=shelf.tag.id) == ["Café everything"]


# The page ------------------------------------------------------------------------------


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-sku="([^"]+)"', html)


def test_the_page_keeps_the_filters_in_its_links_and_form(
    browser: TestClient, shop: Store, shelf: Catalog
) -> None:
    for n in range(3):
        create(shop, f"Café extra {n}", sku=f"CX-{n}", brand_id=shelf.brand.id)
    query = {"brand": str(shelf.brand.id), "q": "cafe"}
    page = browser.get("/products", params=query)
    assert page.status_code == 200
    assert f'<option value="{shelf.brand.id}" selected>Maison Dupré</option>' in page.text
    assert 'value="cafe"' in page.text
    assert len(rows_of(page.text)) == 5
    assert f'<input type="hidden" name="brand" value="{shelf.brand.id}">' in page.text


def test_the_page_walks_every_product_through_its_next_links(
    browser: TestClient, shop: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from comptoir.web import products as product_pages

    monkeypatch.setattr(product_pages, "PAGE", 2)
    for n in range(5):
        create(shop, "Verre", sku=f"V-{n}", tag_ids=[])
    url: str | None = "/products?status=active"
    seen: list[str] = []
    while url:
        reply = browser.get(url)
        assert reply.status_code == 200
        seen += rows_of(reply.text)
        found = re.search(r'href="(/products\?[^"]+)" rel="next"', reply.text)
        url = unescape(found.group(1)) if found else None
        if url:
            assert "status=active" in url
    assert sorted(seen) == [f"V-{n}" for n in range(5)]


@pytest.mark.parametrize(
    "query",
    [{"brand": "not-an-id"}, {"status": "sleeping"}, {"low_stock": "x"}],
)
def test_a_malformed_filter_is_refused_next_to_it_and_lists_unfiltered(
    browser: TestClient, shop: Store, shelf: Catalog, query: dict[str, str]
) -> None:
    reply = browser.get("/products", params=query)
    assert reply.status_code == 422
    assert "Choose a value from the list." in reply.text
    assert len(rows_of(reply.text)) == len(EVERYTHING)


def test_a_damaged_position_starts_from_the_top(browser: TestClient, shelf: Catalog) -> None:
    reply = browser.get("/products", params={"after": "%%not-base64"})
    assert reply.status_code == 200
    assert len(rows_of(reply.text)) == len(EVERYTHING)


def test_the_low_stock_filter_lists_outlets(
    browser: TestClient, shop: Store, shelf: Catalog
) -> None:
    reply = browser.get("/products", params={"low_stock": str(shop.outlet.id)})
    assert sorted(rows_of(reply.text)) == sorted(
        {
            p.sku
            for name, pid in shelf.by_name.items()
            if name in ("Bougie low", "Bougie at point", "Café everything")
            for p in [product_by_id(shop, pid)]
        }
    )


def product_by_id(shop: Store, product_id: uuid.UUID) -> Product:
    with shop.db.read_sessions() as session:
        return catalog.get_product(session, product_id=product_id)
