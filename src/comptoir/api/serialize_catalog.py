"""Brands, suppliers, tags, variant attributes and product categories in X-Series 2.0 shapes."""

from __future__ import annotations

from typing import Any

from comptoir.api.serialize import ts, uid
from comptoir.catalog.categories import CategoryNode
from comptoir.catalog.entities import SUPPLIER_CONTACT_FIELDS
from comptoir.catalog.models import Brand, Supplier, Tag, VariantAttribute

# X-Series writes "physical_address1" in a supplier's contact; we store physical_address_1.
CONTACT_NAMES = {name: name.replace("_address_", "_address") for name in SUPPLIER_CONTACT_FIELDS}


def _deleted_and_version(entity: Any) -> dict[str, Any]:
    return {"deleted_at": ts(entity.deleted_at), "version": entity.version}


def brand(b: Brand) -> dict[str, Any]:
    return {"id": uid(b.id), "name": b.name, "description": b.description} | _deleted_and_version(b)


def tag(t: Tag) -> dict[str, Any]:
    return {"id": uid(t.id), "name": t.name} | _deleted_and_version(t)


def supplier(s: Supplier) -> dict[str, Any]:
    contact = {out: getattr(s, name) for name, out in CONTACT_NAMES.items()}
    # X-Series: "This field is defaulted to the supplier name if not provided."
    contact["company_name"] = s.company_name or s.name
    return {
        "id": uid(s.id),
        "name": s.name,
        "description": s.description,
        "source": s.source,
        "contact": contact,
    } | _deleted_and_version(s)


def variant_attribute(a: VariantAttribute) -> dict[str, Any]:
    return {
        "id": uid(a.id),
        "name": a.name,
        "created_at": ts(a.created_at),
        "updated_at": ts(a.updated_at),
    } | _deleted_and_version(a)


def _path(node: CategoryNode) -> list[dict[str, Any]]:
    return [{"id": uid(c.id), "name": c.name} for c in node.path]


def product_type(node: CategoryNode) -> dict[str, Any]:
    """The deprecated product type shape: a category with its path."""
    c = node.category
    return {
        "id": uid(c.id),
        "name": c.name,
        "leaf_category": node.leaf,
        "category_path": _path(node),
    } | _deleted_and_version(c)


def product_category(node: CategoryNode) -> dict[str, Any]:
    c = node.category
    return {
        "id": uid(c.id),
        "name": c.name,
        "root_category_id": uid(node.path[0].id),
        "parent_category_id": uid(c.parent_id),
        "leaf_category": node.leaf,
        "category_path": _path(node),
    }
