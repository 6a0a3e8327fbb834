"""What the products API tests share: catalog entities to refer to, and a snapshot of
everything a product request could change, to prove a refused one changed nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.catalog import categories
from comptoir.catalog import products as catalog
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductCode,
    ProductComponent,
    ProductOutletTax,
    ProductTag,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
    VariantOption,
)
from comptoir.inventory import service as inventory
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from comptoir.store.models import Retailer
from tests.factories import Store, decimal_json


@dataclass
class Catalog:
    """A few entities of each kind, made once per test."""

    colour: VariantAttribute
    size: VariantAttribute
    fabric: VariantAttribute
    cut: VariantAttribute
    brand: Brand
    other_brand: Brand
    supplier: Supplier
    other_supplier: Supplier
    category: ProductType  # a leaf
    parent_category: ProductType  # has a sub-category
    tags: list[Tag]


def size_variants(cat: Catalog, *sizes: str) -> list[dict[str, Any]]:
    """2.0 `variants` differing by size only."""
    return [
        {"variant_definitions": [{"attribute_id": str(cat.size.id), "value": size}]}
        for size in sizes
    ]


def make_catalog(shop: Store) -> Catalog:
    with shop.uow() as uow:
        parent = ProductType(id=uuid.uuid4(), name="Clothing")
        made = Catalog(
            colour=VariantAttribute(id=uuid.uuid4(), name="Colour"),
            size=VariantAttribute(id=uuid.uuid4(), name="Size"),
            fabric=VariantAttribute(id=uuid.uuid4(), name="Fabric"),
            cut=VariantAttribute(id=uuid.uuid4(), name="Cut"),
            brand=Brand(id=uuid.uuid4(), name="Maison"),
            other_brand=Brand(id=uuid.uuid4(), name="Atelier"),
            supplier=Supplier(id=uuid.uuid4(), name="Textiles SA"),
            other_supplier=Supplier(id=uuid.uuid4(), name="Coton SARL"),
            category=ProductType(id=uuid.uuid4(), name="T-shirts", parent_id=parent.id),
            parent_category=parent,
            tags=[Tag(id=uuid.uuid4(), name=n) for n in ("bio", "local", "sale")],
        )
        uow.session.add(parent)
        uow.session.flush()
        uow.session.add_all(
            [
                made.colour,
                made.size,
                made.fabric,
                made.cut,
                made.brand,
                made.other_brand,
                made.supplier,
                made.other_supplier,
                made.category,
                *made.tags,
            ]
        )
        uow.commit()
    return made


@dataclass(frozen=True)
class CatalogState:
    """Every row a product request may write, compared before and after a refused one."""

    products: tuple[tuple[Any, ...], ...]
    codes: tuple[tuple[Any, ...], ...]
    options: tuple[tuple[Any, ...], ...]
    components: tuple[tuple[Any, ...], ...]
    tags: tuple[tuple[Any, ...], ...]
    outlet_taxes: tuple[tuple[Any, ...], ...]
    levels: tuple[tuple[Any, ...], ...]
    movements: int
    next_sku: int


def catalog_state(shop: Store) -> CatalogState:
    def rows(*columns: Any) -> tuple[tuple[Any, ...], ...]:
        return tuple(
            sorted(tuple(str(v) for v in row) for row in session.execute(select(*columns)))
        )

    with shop.db.read_sessions() as session:
        return CatalogState(
            products=rows(
                Product.id,
                Product.version,
                Product.name,
                Product.sku,
                Product.price_including_tax,
                Product.deleted_at,
            ),
            codes=rows(ProductCode.product_id, ProductCode.code, ProductCode.position),
            options=rows(VariantOption.product_id, VariantOption.position, VariantOption.value),
            components=rows(ProductComponent.product_id, ProductComponent.component_id),
            tags=rows(ProductTag.product_id, ProductTag.tag_id),
            outlet_taxes=rows(ProductOutletTax.product_id, ProductOutletTax.tax_id),
            levels=rows(
                InventoryLevel.product_id,
                InventoryLevel.count,
                InventoryLevel.reorder_point,
                InventoryLevel.reorder_amount,
            ),
            movements=len(session.scalars(select(InventoryMovement.id)).all()),
            next_sku=session.scalars(select(Retailer.sku_sequence_value)).one(),
        )


def product_json(api: TestClient, product_id: Any) -> dict[str, Any]:
    reply = api.get(f"/api/2.0/products/{product_id}")
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = decimal_json(reply)["data"]
    return data


def level_and_ledger(
    shop: Store, product_id: Any, outlet_id: Any = None
) -> tuple[Decimal | None, Decimal]:
    """The level row's count (None without a row) and the sum of the ledger for it."""
    outlet = outlet_id or shop.outlet.id
    pid = uuid.UUID(str(product_id))
    with shop.db.read_sessions() as session:
        count = session.scalar(
            select(InventoryLevel.count).where(
                InventoryLevel.product_id == pid, InventoryLevel.outlet_id == outlet
            )
        )
        return count, inventory.ledger_balance(session, product_id=pid, outlet_id=outlet)


def movements_of(shop: Store, product_id: Any) -> list[Decimal]:
    with shop.db.read_sessions() as session:
        return list(
            session.scalars(
                select(InventoryMovement.quantity)
                .where(InventoryMovement.product_id == uuid.UUID(str(product_id)))
                .order_by(InventoryMovement.created_at)
            )
        )


def add(shop: Store, obj: Any) -> Any:
    with shop.uow() as uow:
        uow.session.add(obj)
        uow.commit()
    return obj


def attribute(shop: Store, name: str) -> VariantAttribute:
    return add(shop, VariantAttribute(id=uuid.uuid4(), name=name))  # type: ignore[no-any-return]


def level(shop: Store, product_id: uuid.UUID) -> InventoryLevel | None:
    with shop.db.read_sessions() as session:
        return session.scalar(
            select(InventoryLevel).where(
                InventoryLevel.product_id == product_id,
                InventoryLevel.outlet_id == shop.outlet.id,
            )
        )


def category(shop: Store, name: str, parent: ProductType | None = None) -> ProductType:
    with shop.uow() as uow:
        return categories.create_category(uow, name=name, parent_id=parent.id if parent else None)


def product(shop: Store, **links: Any) -> Product:
    with shop.uow() as uow:
        return catalog.create_product(
            uow, new=catalog.NewProduct(name="Shoe", price=Decimal("50"), **links)
        )


def variant_family(shop: Store, attribute: VariantAttribute, *values: str) -> Product:
    """A product with one variant per value of `attribute`; returns the first variant."""
    with shop.uow() as uow:
        return catalog.create_product(
            uow,
            new=catalog.NewProduct(
                name="Tee",
                price=Decimal("10"),
                variant_attribute_ids=[attribute.id],
                variants=[catalog.NewVariant(values=[value]) for value in values],
            ),
        )
