"""Objects to X-Series JSON shapes (2.0 unless named otherwise)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_symbol

from comptoir.accounts.models import SecurityEvent, User
from comptoir.catalog.models import Product
from comptoir.catalog.references import References
from comptoir.core.paging import Page
from comptoir.http.json import DecimalJSONResponse
from comptoir.inventory.models import InventoryLevel
from comptoir.sales import receipts
from comptoir.sales.models import Sale, SaleLine, SalePayment
from comptoir.store.models import Outlet, PaymentType, Register, Retailer, Tax

_CENT = Decimal("0.01")


def num(value: Decimal | None) -> Decimal | None:
    """An amount without meaningless trailing zeros: 12.50000 -> 12.50, 3.00000 -> 3."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    if value == value.quantize(_CENT):
        return value.quantize(_CENT)
    return value.normalize()


def ts(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def uid(value: Any) -> str | None:
    return str(value) if value is not None else None


def data(item: dict[str, Any]) -> DecimalJSONResponse:
    return DecimalJSONResponse({"data": item})


def collection(items: list[dict[str, Any]], page: Page[Any] | None = None) -> DecimalJSONResponse:
    if page is None:
        versions = [i["version"] for i in items if i.get("version") is not None]
        low, high = (min(versions), max(versions)) if versions else (None, None)
    else:
        low, high = page.min_version, page.max_version
    return DecimalJSONResponse({"data": items, "version": {"min": low, "max": high}})


def retailer(r: Retailer) -> dict[str, Any]:
    return {
        "id": uid(r.id),
        "name": r.name,
        "domain_prefix": None,
        "store_url": r.store_url,
        "account_status": "active",
        "currency": {
            "code": r.currency,
            "symbol": get_currency_symbol(r.currency, locale=r.locale),
        },
        "timezone": r.time_zone,
        "culture": r.locale,
        "country": r.country,
        "tax_exclusive": r.tax_exclusive,
        "default_tax_id": uid(r.default_tax_id),
        "sku_sequence": {"enabled": r.sku_sequence_enabled, "value": r.sku_sequence_value},
        "created_at": ts(r.created_at),
        "version": r.version,
    }


def outlet(o: Outlet, r: Retailer) -> dict[str, Any]:
    return {
        "id": uid(o.id),
        "name": o.name,
        "time_zone": o.time_zone,
        "default_tax_id": uid(o.default_tax_id or r.default_tax_id),
        "currency": r.currency,
        "currency_symbol": get_currency_symbol(r.currency, locale=r.locale),
        "display_prices": "exclusive" if r.tax_exclusive else "inclusive",
        "email": o.email,
        "manager_email": o.manager_email,  # Comptoir: where register closures are emailed
        "physical_address_1": o.physical_address_1,
        "physical_address_2": o.physical_address_2,
        "physical_city": o.physical_city,
        "physical_postcode": o.physical_postcode,
        "physical_country_id": o.physical_country_id,
        "attributes": [],
        "deleted_at": ts(o.deleted_at),
        "version": o.version,
    }


def register(
    reg: Register, *, opened_at: datetime | None = None, closed_at: datetime | None = None
) -> dict[str, Any]:
    """`opened_at`: the open session's opening; `closed_at`: the last closure's (registers)."""
    return {
        "id": uid(reg.id),
        "name": reg.name,
        "outlet_id": uid(reg.outlet_id),
        "invoice_prefix": reg.invoice_prefix,
        "invoice_suffix": reg.invoice_suffix,
        "invoice_sequence": reg.invoice_sequence,
        "print_receipt": reg.print_receipt,
        "is_open": reg.open_session_id is not None,
        "register_open_time": ts(opened_at) if reg.open_session_id is not None else None,
        "register_close_time": ts(closed_at) if reg.open_session_id is None else None,
        "register_open_sequence_id": uid(reg.open_session_id),
        "deleted_at": ts(reg.deleted_at),
        "version": reg.version,
    }


def tax(t: Tax, *, default_tax_id: Any = None) -> dict[str, Any]:
    return {
        "id": uid(t.id),
        "name": t.name,
        "display_name": t.display_name or t.name,
        "is_default": t.id == default_tax_id,
        "rates": [
            {"id": uid(r.id), "name": r.name, "display_name": r.name, "rate": num(r.rate)}
            for r in t.rates
        ],
        "deleted_at": ts(t.deleted_at),
        "version": t.version,
    }


def payment_type(p: PaymentType) -> dict[str, Any]:
    return {
        "id": uid(p.id),
        "name": p.name,
        "type_id": p.type_id,
        "provider": p.provider,  # Comptoir: the card terminal provider of an integrated type
        "deleted_at": ts(p.deleted_at),
        "version": p.version,
    }


def user(u: User, *, outlet_ids: list[Any] | None = None) -> dict[str, Any]:
    outlets = [str(o) for o in outlet_ids or []]
    return {
        "id": uid(u.id),
        "username": u.username,
        "display_name": u.display_name,
        "email": u.email,
        "email_verified_at": None,
        "account_type": u.role,
        "roles": [u.role],
        "enabled": u.enabled,
        "restricted_outlet_id": outlets[0] if len(outlets) == 1 else None,
        "restricted_outlet_ids": outlets,
        "is_primary_user": u.is_primary_user,
        "seen_at": ts(u.seen_at),
        "created_at": ts(u.created_at),
        "updated_at": ts(u.updated_at),
        "deleted_at": ts(u.deleted_at),
        "version": u.version,
        "enabled_mfa": u.mfa_enabled_at is not None,
        "require_password_change": u.require_password_change,
    }


def security_event(e: SecurityEvent) -> dict[str, Any]:
    return {
        "id": uid(e.id),
        "user_id": uid(e.user_id),
        "actor_id": uid(e.actor_id),
        "type": "security",
        "action": e.action,
        "ip_address": e.ip_address,
        "user_agent": e.user_agent,
        "data": e.details,
        "occurred_at": ts(e.occurred_at),
        "created_at": ts(e.occurred_at),
        "version": e.version,
    }


def _sample(entity: Any) -> dict[str, Any]:
    """An embedded brand, supplier or type (X-Series `BrandSample`...); {} when none."""
    if entity is None:
        return {}
    return {
        "id": uid(entity.id),
        "name": entity.name,
        "deleted_at": ts(entity.deleted_at),
        "version": entity.version,
    }


def product(p: Product, refs: References | None = None) -> dict[str, Any]:
    """A product in the 2.0 shape; `refs` (catalog.references) fills the embedded brand,
    supplier and type and the variant count."""
    refs = refs or References()
    is_variant = bool(p.variant_options)
    supplier = refs.suppliers.get(p.supplier_id) if p.supplier_id else None
    return {
        "id": uid(p.id),
        "family_id": uid(p.family_id),
        "handle": p.handle,
        "sku": p.sku,
        "name": p.name,
        "description": p.description,
        "active": p.active,
        "is_active": p.active,
        "has_inventory": p.has_inventory,
        "is_composite": p.is_composite,
        "has_variants": is_variant,
        "variant_parent_id": uid(p.family_id) if is_variant and p.family_id != p.id else None,
        "variant_name": p.variant_name if is_variant else p.name,
        "variant_options": [
            {"id": uid(o.attribute_id), "name": o.name, "value": o.value} for o in p.variant_options
        ],
        "variant_count": refs.family_sizes.get(p.family_id, 1) if is_variant else 0,
        "price_including_tax": num(p.price_including_tax),
        "price_excluding_tax": num(p.price_excluding_tax),
        "supply_price": num(p.supply_price),
        "tax_id": uid(p.tax_id),
        "outlet_taxes": [
            {"outlet_id": uid(t.outlet_id), "tax_id": uid(t.tax_id)} for t in p.outlet_taxes
        ],
        "brand_id": uid(p.brand_id),
        "brand": _sample(refs.brands.get(p.brand_id) if p.brand_id else None),
        "product_type_id": uid(p.product_type_id),
        "product_category_id": uid(p.product_type_id),
        "type": _sample(refs.types.get(p.product_type_id) if p.product_type_id else None),
        "supplier_id": uid(p.supplier_id),
        "supplier_code": p.supplier_code,
        "supplier": _sample(supplier),
        "product_suppliers": (
            [
                {
                    # Comptoir keeps the supplier on the product: no link row, no link id.
                    "id": None,
                    "product_id": uid(p.id),
                    "supplier_id": uid(p.supplier_id),
                    "supplier_name": supplier.name if supplier else None,
                    "code": p.supplier_code,
                    "price": num(p.supply_price),
                }
            ]
            if p.supplier_id
            else []
        ),
        "tag_ids": [uid(t.id) for t in p.tags],
        "categories": [{"id": uid(t.id), "name": t.name, "version": t.version} for t in p.tags],
        "composite_components": [
            {"product_id": uid(c.component_id), "count": num(c.quantity)} for c in p.components
        ],
        "account_code": p.account_code,
        "account_code_purchase": p.account_code_purchase,
        "product_codes": [{"type": c.type, "code": c.code} for c in p.codes],
        "attributes": [],
        "images": [],
        "image_url": None,
        "image_thumbnail_url": None,
        "source": p.source,
        "created_at": ts(p.created_at),
        "updated_at": ts(p.updated_at),
        "deleted_at": ts(p.deleted_at),
        "version": p.version,
    }


def inventory(level: InventoryLevel) -> dict[str, Any]:
    return {
        "id": uid(level.id),
        "product_id": uid(level.product_id),
        "outlet_id": uid(level.outlet_id),
        "inventory_level": num(level.count),
        "current_amount": num(level.count),
        "reorder_point": num(level.reorder_point),
        "reorder_amount": num(level.reorder_amount),
        "version": level.version,
    }


def _sale_taxes(s: Sale) -> list[dict[str, Any]]:
    return [
        {"id": t.rate_id, "name": t.name, "rate": num(t.rate), "amount": t.amount}
        for t in receipts.tax_by_rate(s)
    ]


def line_item(line: SaleLine) -> dict[str, Any]:
    return {
        "id": uid(line.id),
        "product_id": uid(line.product_id),
        "sequence": line.sequence,
        "quantity": num(line.quantity),
        "price": num(line.price),
        "price_total": num(line.price_total),
        "tax": num(line.tax),
        "tax_total": num(line.tax_total),
        "tax_id": uid(line.tax_id),
        "tax_components": [
            {"rate_id": c["rate_id"], "total_tax": num(Decimal(c["total_tax"]))}
            for c in line.tax_components
        ],
        "cost": num(line.cost),
        "cost_total": num(line.cost_total),
        "discount": num(line.discount),
        "discount_total": num(line.discount_total),
        "loyalty_value": 0,
        "price_set": line.price_set,
        "is_return": line.is_return,
        "note": line.note,
        "status": "CONFIRMED",
        "name": line.name,
        "sku": line.sku,
    }


def payment(p: SalePayment, outlet_id: Any) -> dict[str, Any]:
    return {
        "id": uid(p.id),
        "register_id": uid(p.register_id),
        "outlet_id": uid(outlet_id),
        "retailer_payment_type_id": uid(p.payment_type_id),
        "payment_type_id": str(p.type_id),
        "name": p.name,
        "amount": num(p.amount),
        "payment_date": ts(p.payment_date),
        # Comptoir: the processor of an integrated (card terminal) payment, its reference.
        "processor": p.processor,
        "provider_reference": p.provider_reference,
    }


def sale(s: Sale) -> dict[str, Any]:
    return {
        "id": uid(s.id),
        "outlet_id": uid(s.outlet_id),
        "register_id": uid(s.register_id),
        "user_id": uid(s.user_id),
        "customer_id": uid(s.customer_id),
        "invoice_number": s.invoice_number,
        "invoice_sequence": s.invoice_sequence,
        "source": s.source,
        "source_id": s.source_id,
        "state": s.state,
        "status": s.status,
        "note": s.note,
        "short_code": None,
        "return_for": uid(s.return_for),
        "total_price": num(s.total_price),
        "total_tax": num(s.total_tax),
        "total_price_incl": num(s.total_price_incl),
        "total_discount": num(s.total_discount),
        "rounding_adjustment": num(s.rounding_adjustment),
        "total_loyalty": 0,
        "sale_date": ts(s.sale_date),
        "created_at": ts(s.created_at),
        "updated_at": ts(s.updated_at),
        "deleted_at": ts(s.deleted_at),
        "version": s.version,
        "taxes": [
            {"id": t["id"], "name": t["name"], "rate": t["rate"], "amount": num(t["amount"])}
            for t in _sale_taxes(s)
        ],
        "line_items": [line_item(line) for line in s.lines],
        "payments": [payment(p, s.outlet_id) for p in s.payments],
        "adjustments": [],
        "attributes": [],
    }


def register_sale(s: Sale, *, user_name: str | None = None) -> dict[str, Any]:
    """The 0.9 `register_sale` shape."""
    taxes = _sale_taxes(s)
    paid = sum((p.amount for p in s.payments), Decimal(0))
    return {
        "id": uid(s.id),
        "source": s.source,
        "source_id": s.source_id,
        "register_id": uid(s.register_id),
        "market_id": "1",
        "customer_id": uid(s.customer_id),
        "user_id": uid(s.user_id),
        "user_name": user_name,
        "sale_date": ts(s.sale_date),
        "created_at": ts(s.created_at),
        "updated_at": ts(s.updated_at),
        "total_price": num(s.total_price),
        "total_cost": num(s.total_cost),
        "total_tax": num(s.total_tax),
        "tax_name": taxes[0]["name"] if len(taxes) == 1 else None,
        "note": s.note,
        "status": s.status,
        "state": s.state,
        "short_code": None,
        "invoice_number": s.invoice_number,
        "return_for": uid(s.return_for),
        "register_sale_products": [
            {
                "id": uid(line.id),
                "product_id": uid(line.product_id),
                "register_id": uid(s.register_id),
                "sequence": line.sequence,
                "handle": line.handle,
                "sku": line.sku,
                "name": line.name,
                "quantity": num(line.quantity),
                "price": num(line.price),
                "cost": num(line.cost),
                "price_set": int(line.price_set),
                "discount": num(line.discount),
                "loyalty_value": 0,
                "tax": num(line.tax),
                "tax_id": uid(line.tax_id),
                "tax_name": line.tax_name,
                "tax_rate": num(line.tax_rate),
                "tax_total": num(line.tax_total),
                "price_total": num(line.price_total),
                "attributes": [{"name": "line_note", "value": line.note}] if line.note else [],
            }
            for line in s.lines
        ],
        "register_sale_payments": [
            {
                "id": uid(p.id),
                "register_id": uid(p.register_id),
                "retailer_payment_type_id": uid(p.payment_type_id),
                "payment_type_id": p.type_id,
                "name": p.name,
                "label": p.name,
                "payment_date": ts(p.payment_date),
                "amount": num(p.amount),
            }
            for p in s.payments
        ],
        "register_sale_attributes": [],
        "taxes": [
            {"id": t["id"], "tax": num(t["amount"]), "name": t["name"], "rate": t["rate"]}
            for t in taxes
        ],
        "totals": {
            "total_tax": num(s.total_tax),
            "total_price": num(s.total_price),
            "total_payment": num(paid),
            "total_to_pay": num(s.total_price_incl + s.rounding_adjustment - paid),
        },
        # Comptoir: what a register continuing a parked sale sends back, and a quote's mark.
        "version": s.version,
        "is_quote": s.is_quote,
        "quote_expires_at": ts(s.quote_expires_at),
    }
