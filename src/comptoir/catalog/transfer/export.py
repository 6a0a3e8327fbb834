"""Exporting the catalog as a Lightspeed X-Series product spreadsheet (CSV or XLSX).

One row per product or variant, families together (in the order they were created, members
in theirs). A composite is written as Lightspeed writes it: its own row, then one row per
component repeating its handle and SKU, with the id of that line of the composite and the
component's handle, SKU and quantity. Importing the export changes nothing; importing it
into an empty store gives a store whose export is the same file.
The writers neutralise cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import (
    Brand,
    Product,
    ProductComponent,
    ProductOutletTax,
    ProductTag,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
    VariantOption,
)
from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.fields import CATEGORY_SEPARATOR
from comptoir.inventory.models import InventoryLevel
from comptoir.io import write_csv, write_xlsx
from comptoir.io.writing import Cell
from comptoir.store import service as store
from comptoir.store.models import Tax

ExportFormat = Literal["csv", "xlsx"]


def export_products(session: Session, *, fmt: ExportFormat = "csv") -> bytes:
    header, rows = export_rows(session)
    if fmt == "xlsx":
        return write_xlsx(header, rows, sheet_title="Products")
    return write_csv(header, rows)


def _names(session: Session, model: Any) -> dict[uuid.UUID, str]:
    return {row.id: row.name for row in session.execute(select(model.id, model.name))}


def export_rows(session: Session) -> tuple[list[str], Iterator[list[Cell]]]:
    outlets = store.list_outlets(session)
    header = f.export_header([o.name for o in outlets])
    tax_exclusive = store.get_retailer(session).tax_exclusive
    names = {
        model: _names(session, model) for model in (Brand, Supplier, Tag, VariantAttribute, Tax)
    }
    category_paths = _category_paths(session)
    products = list(session.execute(select(Product.__table__).where(Product.deleted_at.is_(None))))
    references = {
        row.id: (row.handle, row.sku)
        for row in session.execute(select(Product.id, Product.handle, Product.sku))
    }
    options: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for row in session.execute(
        select(VariantOption.product_id, VariantOption.attribute_id, VariantOption.value).order_by(
            VariantOption.product_id, VariantOption.position
        )
    ):
        options.setdefault(row.product_id, []).append(
            (names[VariantAttribute].get(row.attribute_id, ""), row.value)
        )
    tags: dict[uuid.UUID, list[str]] = {}
    for product_id, tag_id in session.execute(select(ProductTag.product_id, ProductTag.tag_id)):
        tags.setdefault(product_id, []).append(names[Tag].get(tag_id, ""))
    outlet_taxes: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID | None] = {
        (row.product_id, row.outlet_id): row.tax_id
        for row in session.execute(select(ProductOutletTax.__table__))
    }
    components: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, Decimal]]] = {}
    for line_id, product_id, component_id, quantity in session.execute(
        select(
            ProductComponent.id,
            ProductComponent.product_id,
            ProductComponent.component_id,
            ProductComponent.quantity,
        ).order_by(ProductComponent.product_id, ProductComponent.position)
    ):
        components.setdefault(product_id, []).append((line_id, component_id, quantity))
    levels = {
        (product_id, outlet_id): (count, point, amount)
        for product_id, outlet_id, count, point, amount in session.execute(
            select(
                InventoryLevel.product_id,
                InventoryLevel.outlet_id,
                InventoryLevel.count,
                InventoryLevel.reorder_point,
                InventoryLevel.reorder_amount,
            )
        )
    }

    # Families in the order they were created, each member in its own order.
    first_created: dict[uuid.UUID, Any] = {}
    for p in products:
        family = p.family_id or p.id
        if family not in first_created or p.created_at < first_created[family]:
            first_created[family] = p.created_at
    products.sort(
        key=lambda p: (first_created[p.family_id or p.id], str(p.family_id), p.created_at, p.sku)
    )

    def rows() -> Iterator[list[Cell]]:
        for p in products:
            stated = p.price_excluding_tax if tax_exclusive else p.price_including_tax
            values: dict[str, Cell] = {
                f.ID: str(p.id),
                f.HANDLE: p.handle,
                f.SKU: p.sku,
                f.NAME: p.name,
                f.DESCRIPTION: p.description,
                f.TYPE: category_paths.get(p.product_type_id),
                f.TAGS: ", ".join(sorted(tags.get(p.id, []), key=str.casefold)),
                f.SUPPLY_PRICE: f.plain_decimal(p.supply_price, places=2),
                f.RETAIL_PRICE: f.plain_decimal(stated, places=2),
                f.TAX: names[Tax].get(p.tax_id),
                f.ACCOUNT_CODE: p.account_code,
                f.ACCOUNT_CODE_PURCHASE: p.account_code_purchase,
                f.BRAND_NAME: names[Brand].get(p.brand_id),
                f.SUPPLIER_NAME: names[Supplier].get(p.supplier_id),
                f.SUPPLIER_CODE: p.supplier_code,
                f.ACTIVE: int(p.active),
                f.TRACK_INVENTORY: int(p.has_inventory),
            }
            for position, (name, value) in enumerate(options.get(p.id, [])):
                values[f.OPTION_NAMES[position]] = name
                values[f.OPTION_VALUES[position]] = value
            for outlet in outlets:
                key = (p.id, outlet.id)
                tax_id = outlet_taxes.get(key, p.tax_id)
                values[f.outlet_column(f.OUTLET_TAX, outlet.name)] = names[Tax].get(tax_id)
                count, point, restock = levels.get(key, (Decimal(0), None, None))
                if p.has_inventory:
                    values[f.outlet_column(f.INVENTORY, outlet.name)] = f.plain_decimal(count)
                for prefix, amount in ((f.REORDER_POINT, point), (f.RESTOCK_LEVEL, restock)):
                    if amount is not None:
                        values[f.outlet_column(prefix, outlet.name)] = f.plain_decimal(amount)
            yield [values.get(column) for column in header]
            for line_id, component_id, quantity in components.get(p.id, ()):
                handle, sku = references.get(component_id, ("", ""))
                line: dict[str, Cell] = {
                    f.ID: str(line_id),
                    f.HANDLE: p.handle,
                    f.SKU: p.sku,
                    f.COMPOSITE_HANDLE: handle,
                    f.COMPOSITE_SKU: sku,
                    f.COMPOSITE_QUANTITY: f.plain_decimal(quantity),
                }
                yield [line.get(column) for column in header]

    return header, rows()


def _category_paths(session: Session) -> dict[uuid.UUID, str]:
    """Each product type as the import reads it back: "Men / Shoes" for a nested one."""
    parents = {
        row.id: (row.name, row.parent_id)
        for row in session.execute(select(ProductType.id, ProductType.name, ProductType.parent_id))
    }

    def path(category_id: uuid.UUID) -> str:
        name, parent_id = parents[category_id]
        return f"{path(parent_id)}{CATEGORY_SEPARATOR}{name}" if parent_id in parents else name

    return {category_id: path(category_id) for category_id in parents}


def export_extension(path: str) -> ExportFormat:
    return "xlsx" if path.lower().endswith((".xlsx", ".xlsm")) else "csv"


__all__: Sequence[str] = ["export_extension", "export_products", "export_rows"]
