"""Customers and customer groups in their X-Series 2.0 shapes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from comptoir.api.serialize import num, ts, uid
from comptoir.customers.models import Customer, CustomerGroup
from comptoir.customers.profiles import EDITABLE
from comptoir.customers.service import CustomerFigures


def customer(c: Customer, figures: CustomerFigures | None = None) -> dict[str, Any]:
    # The profile as stored; the date and the amount are formatted below.
    fields = {
        name: getattr(c, name)
        for name in EDITABLE
        if name not in ("date_of_birth", "on_account_limit")
    }
    zero = Decimal(0)
    return {
        "id": uid(c.id),
        "name": c.name,
        **fields,
        "customer_group_id": uid(c.customer_group_id),
        "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
        "on_account_limit": num(c.on_account_limit),
        "tax_id": uid(c.tax_id),
        "year_to_date": num(figures.year_to_date if figures else zero),
        "balance": num(figures.balance if figures else zero),
        "loyalty_balance": num(figures.loyalty_balance if figures else zero),
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "deleted_at": ts(c.deleted_at),
        "version": c.version,
    }


def customer_group(g: CustomerGroup) -> dict[str, Any]:
    return {
        "id": uid(g.id),
        "group_id": uid(g.id),
        "name": g.name,
        "created_at": ts(g.created_at),
        "updated_at": ts(g.updated_at),
        "deleted_at": ts(g.deleted_at),
        "version": g.version,
    }
