"""Consignments and their products in X-Series 2.0 shapes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from comptoir.api.serialize import ts, uid
from comptoir.inventory.consignments.common import Totals
from comptoir.inventory.consignments.models import Consignment, ConsignmentProduct
from comptoir.inventory.consignments.stocktake_scope import StocktakeFilters, filters_of

_QUANTITY = Decimal("0.00001")
# A stock count's filters: X-Series' `Filter.field` -> StocktakeFilters' field.
FILTER_FIELDS = {
    "brand_id": "brand_ids",
    "product_id": "product_ids",
    "supplier_id": "supplier_ids",
    "tag_id": "tag_ids",
    "type_id": "product_type_ids",
}


def filters_out(filters: StocktakeFilters) -> list[dict[str, str]]:
    """A count's filters as X-Series lists them: `[{"field": "brand_id", "value": id}]`."""
    return [
        {"field": field, "value": str(value)}
        for field, name in FILTER_FIELDS.items()
        for value in getattr(filters, name)
    ]


def quantity(value: Decimal | None) -> str | None:
    """X-Series writes quantities and costs as strings with 5 decimals ("10.00000")."""
    return None if value is None else str(value.quantize(_QUANTITY))


def consignment(c: Consignment) -> dict[str, Any]:
    return {
        "id": uid(c.id),
        "outlet_id": uid(c.outlet_id),
        "name": c.name,
        "reference": c.reference,
        "type": c.type,
        "status": c.status,
        "supplier_id": uid(c.supplier_id),
        "source_outlet_id": uid(c.source_outlet_id),
        "supplier_invoice": c.supplier_invoice,
        "consignment_date": ts(c.consignment_date),
        "due_at": ts(c.due_at),
        "received_at": ts(c.received_at),
        "show_inactive": c.show_inactive,
        "filters": filters_out(filters_of(c)),
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "deleted_at": ts(c.deleted_at),
        "version": c.version,
    }


def consignment_product(line: ConsignmentProduct) -> dict[str, Any]:
    return {
        "product_id": uid(line.product_id),
        "count": quantity(line.count),
        "received": quantity(line.received),
        "cost": quantity(line.cost),
        "is_included": line.is_included,
        "status": line.status,
        "created_at": ts(line.created_at),
        "updated_at": ts(line.updated_at),
        "deleted_at": ts(line.deleted_at),
        "version": line.version,
    }


def totals(t: Totals) -> dict[str, str | None]:
    return {
        "total_sent_count": quantity(t.total_sent_count),
        "total_sent_cost": quantity(t.total_sent_cost),
        "total_received_count": quantity(t.total_received_count),
        "total_received_cost": quantity(t.total_received_cost),
    }
