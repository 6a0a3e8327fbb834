"""Product kinds: standard, variant families and composites, and what they carry."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from comptoir.catalog import product_rules
from comptoir.catalog import products as catalog
from comptoir.catalog.models import Brand, Product, Tag
from comptoir.core.errors import InvalidInput
from comptoir.inventory import service as inventory
from comptoir.inventory.models import InventoryLevel
from comptoir.store import service as store
from tests.factories import Store, make_product, make_sale
from tests.integration.products_support import add, attribute


def create(shop: Store, **fields: Any) -> Product:
    fields.setdefault("name", "T-shirt")
    fields.setdefault("price", Decimal("20"))
    with shop.uow() as uow:
        return catalog.create_product(uow, new=catalog.NewProduct(**fields))


def count_products(shop: Store) -> int:
    with shop.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Product)) or 0


def stock(shop: Store, product_id: uuid.UUID) -> Decimal:
    with shop.uow() as uow:
        levels = inventory.stock_by_product(uow.session, product_ids=[product_id])
    return levels.get(product_id, Decimal(0))


def family(shop: Store, product: Product) -> list[Product]:
    with shop.db.read_sessions() as session:
        return product_rules.family_members(session, family_id=product.family_id)


def test_a_variant_family_shares_handle_and_family_with_own_sku_codes_prices_and_stock(
    shop: Store,
) -> None:
    colour, size = attribute(shop, "Colour"), attribute(shop, "Size")
    first = create(
        shop,
        handle="tshirt",
        variant_attribute_ids=[colour.id, size.id],
        variants=[
            catalog.NewVariant(
                values=["Red", "M"],
                codes=[catalog.NewCode(code="3760000000017")],
                inventory=[catalog.OpeningStock(outlet_id=shop.outlet.id, count=Decimal(4))],
            ),
            catalog.NewVariant(values=["Red", "L"], sku="TS-RL", price=Decimal("22")),
            catalog.NewVariant(values=["Blue", "M"], active=False),
        ],
    )
    members = family(shop, first)
    assert len(members) == 3
    assert {m.handle for m in members} == {"tshirt"}
    assert {m.family_id for m in members} == {first.id}
    assert len({m.sku for m in members}) == 3 and "TS-RL" in {m.sku for m in members}
    by_name = {m.variant_name: m for m in members}
    assert set(by_name) == {"T-shirt / Red / M", "T-shirt / Red / L", "T-shirt / Blue / M"}
    assert by_name["T-shirt / Red / L"].price_including_tax == Decimal("22")
    assert by_name["T-shirt / Red / M"].price_including_tax == Decimal("20")
    assert by_name["T-shirt / Red / M"].barcode == "3760000000017"
    assert [o.name for o in by_name["T-shirt / Red / M"].variant_options] == ["Colour", "Size"]
    assert by_name["T-shirt / Blue / M"].active is False
    assert stock(shop, by_name["T-shirt / Red / M"].id) == 4
    assert stock(shop, by_name["T-shirt / Red / L"].id) == 0


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([["Red"], ["Blue"]], "each variant needs a value"),
        ([["Red", "M"], ["red", "m"]], "same values"),
        ([["Red", ""], ["Blue", "M"]], "each variant needs a value"),
        ([["Red", "M", "x"]], "each variant needs a value"),
    ],
)
def test_variant_values_must_fill_every_attribute_once_per_variant(
    shop: Store, variants: list[list[str]], message: str
) -> None:
    ids = [attribute(shop, "Colour").id, attribute(shop, "Size").id]
    before = count_products(shop)
    with pytest.raises(InvalidInput, match=message):
        create(
            shop,
            variant_attribute_ids=ids,
            variants=[catalog.NewVariant(values=v) for v in variants],
        )
    assert count_products(shop) == before


def test_a_family_has_at_most_three_variant_attributes(shop: Store) -> None:
    ids = [attribute(shop, n).id for n in ("Colour", "Size", "Fabric", "Cut")]
    with pytest.raises(InvalidInput, match="at most 3"):
        create(shop, variant_attribute_ids=ids, variants=[catalog.NewVariant(values=list("abcd"))])


def test_variants_need_a_known_attribute(shop: Store) -> None:
    with pytest.raises(InvalidInput, match="unknown variant attribute"):
        create(
            shop, variant_attribute_ids=[uuid.uuid4()], variants=[catalog.NewVariant(values=["x"])]
        )


def test_selling_a_composite_moves_its_components_stock_not_its_own(shop: Store) -> None:
    coffee = make_product(shop, price="8.00", supply_price="3.00", stock=10)
    mug = make_product(shop, price="6.00", supply_price="2.50", stock=5)
    untracked = make_product(shop, price="1.00", supply_price="0.40", has_inventory=False)
    gift = create(
        shop,
        name="Gift box",
        price=Decimal("25"),
        components=[
            catalog.NewComponent(product_id=coffee.id, quantity=Decimal(2)),
            catalog.NewComponent(product_id=mug.id, quantity=Decimal(1)),
            catalog.NewComponent(product_id=untracked.id, quantity=Decimal(1)),
        ],
    )
    assert gift.is_composite and not gift.has_inventory
    assert gift.supply_price == Decimal("8.90")  # 2 × 3.00 + 2.50 + 0.40
    make_sale(shop, [(gift, 2)], total="50.00")
    assert stock(shop, coffee.id) == 6
    assert stock(shop, mug.id) == 3
    assert stock(shop, gift.id) == 0
    with shop.uow() as uow:
        assert (
            uow.session.scalar(
                select(func.count())
                .select_from(InventoryLevel)
                .where(InventoryLevel.product_id == gift.id)
            )
            == 0
        )


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_component_quantity_must_be_positive(shop: Store, quantity: str) -> None:
    part = make_product(shop)
    with pytest.raises(InvalidInput, match="quantity must be positive"):
        create(
            shop, components=[catalog.NewComponent(product_id=part.id, quantity=Decimal(quantity))]
        )


def test_a_composite_cannot_contain_a_composite_or_an_unknown_product(shop: Store) -> None:
    part = make_product(shop)
    box = create(shop, components=[catalog.NewComponent(product_id=part.id, quantity=Decimal(1))])
    with pytest.raises(InvalidInput, match="cannot contain another composite"):
        create(shop, components=[catalog.NewComponent(product_id=box.id, quantity=Decimal(1))])
    with pytest.raises(InvalidInput, match="unknown component"):
        create(
            shop, components=[catalog.NewComponent(product_id=uuid.uuid4(), quantity=Decimal(1))]
        )


def test_a_composite_has_no_opening_stock_of_its_own(shop: Store) -> None:
    part = make_product(shop)
    with pytest.raises(InvalidInput, match="no stock of its own"):
        create(
            shop,
            components=[catalog.NewComponent(product_id=part.id, quantity=Decimal(1))],
            inventory=[catalog.OpeningStock(outlet_id=shop.outlet.id, count=Decimal(3))],
        )


def test_skus_are_generated_in_sequence_when_none_is_given(shop: Store) -> None:
    first, second = create(shop, name="A"), create(shop, name="B")
    assert int(second.sku) == int(first.sku) + 1


def test_a_sku_or_a_code_already_used_is_refused_and_nothing_is_created(shop: Store) -> None:
    taken = make_product(shop, sku="TAKEN", barcode="3760000000024")
    before = count_products(shop)
    with pytest.raises(InvalidInput, match="SKU 'TAKEN' is already used"):
        create(shop, sku="TAKEN")
    with pytest.raises(InvalidInput, match="already belongs to the product 'TAKEN'"):
        create(shop, codes=[catalog.NewCode(code="3760000000024")])
    assert count_products(shop) == before
    assert taken.barcode == "3760000000024"


def test_several_codes_of_known_types_are_kept_in_order(shop: Store) -> None:
    product = create(
        shop,
        codes=[
            catalog.NewCode(code="9782070360024", type="isbn"),
            catalog.NewCode(code="012345678905", type="UPC"),
            catalog.NewCode(code="MY-CODE", type="CUSTOM"),
        ],
    )
    assert [(c.type, c.code) for c in product.codes] == [
        ("ISBN", "9782070360024"),
        ("UPC", "012345678905"),
        ("CUSTOM", "MY-CODE"),
    ]
    with pytest.raises(InvalidInput, match="unknown product code type"):
        create(shop, codes=[catalog.NewCode(code="x", type="QR")])


def test_a_generated_handle_never_joins_another_family_but_a_chosen_one_is_refused(
    shop: Store,
) -> None:
    first, second = create(shop, name="Café"), create(shop, name="Café")
    assert (first.handle, second.handle) == ("cafe", "cafe2")
    with pytest.raises(InvalidInput, match="handle 'cafe' is already used"):
        create(shop, name="Other", handle="cafe")


def test_brand_tags_supplier_code_and_outlet_tax_are_kept(shop: Store) -> None:
    brand = add(shop, Brand(id=uuid.uuid4(), name="Maison"))
    tags = [add(shop, Tag(id=uuid.uuid4(), name=n)) for n in ("bio", "local")]
    product = create(
        shop,
        brand_id=brand.id,
        tag_ids=[t.id for t in tags],
        supplier_code="SUP-1",
        outlet_taxes=[catalog.OutletTax(outlet_id=shop.outlet.id, tax_id=shop.reduced_tax.id)],
    )
    assert product.brand_id == brand.id
    assert sorted(t.name for t in product.tags) == ["bio", "local"]
    assert product.supplier_code == "SUP-1"
    assert product.tax_id_at(shop.outlet.id) == shop.reduced_tax.id
    assert product.tax_id_at(uuid.uuid4()) == shop.standard_tax.id


@pytest.mark.parametrize(
    ("field", "value"),
    [("brand_id", uuid.uuid4()), ("product_type_id", uuid.uuid4()), ("supplier_id", uuid.uuid4())],
)
def test_unknown_references_are_refused(shop: Store, field: str, value: uuid.UUID) -> None:
    with pytest.raises(InvalidInput) as error:
        create(shop, **{field: value})
    assert error.value.details["field"] == field


def test_a_sale_at_an_outlet_uses_the_products_tax_at_that_outlet(shop: Store) -> None:
    product = create(
        shop,
        price=Decimal("10.55"),
        outlet_taxes=[catalog.OutletTax(outlet_id=shop.outlet.id, tax_id=shop.reduced_tax.id)],
    )
    sale = make_sale(shop, [(product, 1)], total="10.55")
    line = sale.lines[0]
    assert line.tax_id == shop.reduced_tax.id
    assert line.tax_total == Decimal("0.55")  # 10.55 incl. 5.5 %


def test_a_variant_sells_under_its_variant_name(shop: Store) -> None:
    size = attribute(shop, "Size")
    first = create(
        shop, variant_attribute_ids=[size.id], variants=[catalog.NewVariant(values=["M"])]
    )
    sale = make_sale(shop, [(first, 1)], total="20.00")
    assert sale.lines[0].name == "T-shirt / M"


def test_reorder_point_and_restock_level_are_set_per_outlet_without_moving_stock(
    shop: Store,
) -> None:
    product = create(
        shop,
        inventory=[
            catalog.OpeningStock(
                outlet_id=shop.outlet.id,
                count=Decimal(7),
                reorder_point=Decimal(2),
                restock_level=Decimal(12),
            )
        ],
    )
    with shop.db.read_sessions() as session:
        (level,) = inventory.levels_of_product(session, product_id=product.id)
        balance = inventory.ledger_balance(session, product_id=product.id, outlet_id=shop.outlet.id)
    assert (level.count, level.reorder_point, level.reorder_amount) == (7, 2, 12)
    assert balance == 7


def test_a_negative_reorder_point_is_refused(shop: Store) -> None:
    with pytest.raises(InvalidInput, match="cannot be negative"):
        create(
            shop,
            inventory=[catalog.OpeningStock(outlet_id=shop.outlet.id, reorder_point=Decimal(-1))],
        )


def test_a_product_in_an_unknown_outlet_is_refused(shop: Store) -> None:
    with shop.uow() as uow:
        outlets = store.list_outlets(uow.session)
    assert len(outlets) == 1
    with pytest.raises(Exception, match="outlet"):
        create(shop, inventory=[catalog.OpeningStock(outlet_id=uuid.uuid4(), count=Decimal(1))])
