"""Objects in the X-Series 0.9 shapes (`legacy-api-v0-9.json`), for the integrations that
still read them. Field names follow that spec, not 2.0: `physical_address1`, `name` for a
user's display name, flags as "0"/"1" or 0/1 where it says so, customers' amounts as text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from comptoir.accounts.models import User
from comptoir.api.serialize import num, ts, uid
from comptoir.api.serialize_catalog import supplier as supplier_2_0
from comptoir.catalog.models import Product, Supplier
from comptoir.catalog.references import References
from comptoir.core.paging import NumberedPage
from comptoir.customers.models import Customer
from comptoir.customers.service import CustomerFigures
from comptoir.inventory.models import InventoryLevel
from comptoir.store.models import Outlet, PaymentType, Register, Retailer, Tax

_ZERO = Decimal(0)
_ADDRESS_LINES = ("address_1", "address_2")


def pagination(page: NumberedPage[Any]) -> dict[str, int]:
    return {
        "results": page.results,
        "page": page.page,
        "page_size": page.page_size,
        "pages": page.pages,
    }


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _address(obj: Any, kind: str) -> dict[str, Any]:
    """`physical_address1`... as 0.9 names them, from our `physical_address_1`..."""
    out = {}
    for part in (*_ADDRESS_LINES, "suburb", "city", "postcode", "state", "country_id"):
        name = f"{kind}_{part}"
        out[name.replace("_address_", "_address")] = getattr(obj, name, None)
    return out


def outlet(o: Outlet, r: Retailer) -> dict[str, Any]:
    return {
        "id": uid(o.id),
        "name": o.name,
        "time_zone": o.time_zone,
        "tax_id": uid(o.default_tax_id or r.default_tax_id),
        "email": o.email,
        **_address(o, "physical"),
    }


def register(reg: Register) -> dict[str, Any]:
    return {
        "id": uid(reg.id),
        "name": reg.name,
        "outlet_id": uid(reg.outlet_id),
        "print_receipt": _flag(reg.print_receipt),
        "invoice_prefix": reg.invoice_prefix,
        "invoice_suffix": reg.invoice_suffix,
        # 0.9: "the numeric part of the last created invoice number"; we keep the next one.
        "invoice_sequence": reg.invoice_sequence - 1,
        "deleted_at": ts(reg.deleted_at),
    }


def payment_type(p: PaymentType) -> dict[str, Any]:
    return {"id": uid(p.id), "name": p.name, "payment_type_id": p.type_id}


def tax(t: Tax, *, default_tax_id: Any) -> dict[str, Any]:
    return {
        "id": uid(t.id),
        "name": t.name,
        "rate": num(sum((r.rate for r in t.rates), _ZERO)),
        "default": t.id == default_tax_id,
        "active": t.deleted_at is None,
        "rates": [{"id": uid(r.id), "name": r.name, "rate": num(r.rate)} for r in t.rates],
    }


def user(u: User, *, outlet_ids: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": uid(u.id),
        "username": u.username,
        "name": u.display_name,
        "email": u.email,
        "outlet_id": None,  # deprecated in 0.9: "Not used"
        "outlet_name": None,
        "outlet_ids": [str(o) for o in outlet_ids or []],
        "account_type": u.role,
    }


def customer(
    c: Customer, figures: CustomerFigures | None, *, group_name: str | None
) -> dict[str, Any]:
    def amount(value: Decimal | None) -> str:
        return str(num(value if value is not None else _ZERO))

    texts = (
        "first_name",
        "last_name",
        "company_name",
        "phone",
        "mobile",
        "fax",
        "email",
        "twitter",
        "website",
        "custom_field_1",
        "custom_field_2",
        "custom_field_3",
        "custom_field_4",
        "note",
    )
    return {
        "id": uid(c.id),
        "name": c.name,
        "customer_code": c.customer_code,
        "customer_group_id": uid(c.customer_group_id),
        "customer_group_name": group_name,
        **{name: getattr(c, name) for name in texts},
        **_address(c, "physical"),
        **_address(c, "postal"),
        "contact": {"company_name": c.company_name, "phone": c.phone, "email": c.email},
        "enable_loyalty": 1 if c.enable_loyalty else 0,
        "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
        "sex": c.gender,
        "year_to_date": amount(figures.year_to_date if figures else None),
        "balance": amount(figures.balance if figures else None),
        "loyalty_balance": amount(figures.loyalty_balance if figures else None),
        "updated_at": ts(c.updated_at),
        "deleted_at": ts(c.deleted_at),
    }


def supplier(s: Supplier) -> dict[str, Any]:
    shown = supplier_2_0(s)
    return {name: shown[name] for name in ("id", "source", "name", "description", "contact")}


_OPTION_NUMBERS = ("one", "two", "three")


def product(
    p: Product,
    refs: References,
    *,
    levels: list[InventoryLevel],
    outlets: dict[Any, Outlet],
    taxes: dict[Any, Tax],
    retailer: Retailer,
) -> dict[str, Any]:
    """A product in the 0.9 shape: `price` excludes tax, `retail_price` is the price the
    shop states (tax included in a tax-inclusive store), `inventory` one record per outlet."""
    options: dict[str, Any] = {}
    given = [*p.variant_options, None, None, None]
    for number, option in zip(_OPTION_NUMBERS, given, strict=False):
        options[f"variant_option_{number}_name"] = option.name if option else None
        options[f"variant_option_{number}_value"] = option.value if option else None
    tax_row = taxes.get(p.tax_id or retailer.default_tax_id)
    product_type = refs.types.get(p.product_type_id) if p.product_type_id else None
    supplier_row = refs.suppliers.get(p.supplier_id) if p.supplier_id else None
    is_variant = bool(p.variant_options)
    return {
        "id": uid(p.id),
        "source_id": None,
        "variant_source_id": None,
        "handle": p.handle,
        "has_variants": is_variant,
        "variant_parent_id": uid(p.family_id) if is_variant and p.family_id != p.id else None,
        "name": p.variant_name if is_variant else p.name,
        "base_name": p.name,
        **options,
        "active": p.active,
        "description": p.description,
        "image": None,
        "image_large": None,
        "images": [],
        "sku": p.sku,
        "tags": ", ".join(t.name for t in p.tags),
        "brand_id": uid(p.brand_id),
        "type": product_type.name if product_type else None,
        "supplier_name": supplier_row.name if supplier_row else None,
        "supplier_code": p.supplier_code,
        "supply_price": num(p.supply_price),
        "account_code_purchase": p.account_code_purchase,
        "account_code_sales": p.account_code,
        "track_inventory": p.has_inventory,
        "inventory": [
            {
                "outlet_id": uid(level.outlet_id),
                "outlet_name": outlets[level.outlet_id].name
                if level.outlet_id in outlets
                else None,
                "count": str(num(level.count)),
                "reorder_point": str(num(level.reorder_point))
                if level.reorder_point is not None
                else None,
                "restock_level": str(num(level.reorder_amount))
                if level.reorder_amount is not None
                else None,
            }
            for level in levels
        ],
        "price_book_entries": [],
        "price": num(p.price_excluding_tax),
        "retail_price": num(
            p.price_excluding_tax if retailer.tax_exclusive else p.price_including_tax
        ),
        "tax_id": uid(p.tax_id),
        "tax": tax_row.name if tax_row else None,
        "tax_name": tax_row.name if tax_row else None,
        "tax_rate": num(sum((r.rate for r in tax_row.rates), _ZERO)) if tax_row else None,
        "taxes": [{"outlet_id": uid(t.outlet_id), "tax_id": uid(t.tax_id)} for t in p.outlet_taxes],
        "updated_at": ts(p.updated_at),
        "deleted_at": ts(p.deleted_at),
    }
