"""Factories: one place that builds stores, products and sales for every test."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from comptoir.accounts import service as accounts
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product
from comptoir.core.db import Database
from comptoir.core.uow import UnitOfWork
from comptoir.setup import ensure_retailer
from comptoir.store import service as store
from comptoir.store.models import Outlet, PaymentKind, PaymentType, Register, Tax

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery"
_skus = itertools.count(1)


@dataclass
class Store:
    db: Database
    owner: User
    outlet: Outlet
    register: Register
    standard_tax: Tax
    reduced_tax: Tax
    cash: PaymentType
    card: PaymentType
    products: list[Product] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db.write_sessions)


def make_store(db: Database, *, tax_exclusive: bool = False, currency: str = "EUR") -> Store:
    def run(fn: Any, **kwargs: Any) -> Any:
        with UnitOfWork(db.write_sessions) as uow:
            return fn(uow, **kwargs)

    run(ensure_retailer, name="Test shop")
    owner = run(accounts.ensure_owner, email=OWNER_EMAIL, password=OWNER_PASSWORD)
    standard = run(
        store.create_tax,
        name="VAT 20%",
        rates=[store.RateFields(name="VAT 20%", rate=Decimal("0.2"))],
    )
    reduced = run(
        store.create_tax,
        name="VAT 5.5%",
        rates=[store.RateFields(name="VAT 5.5%", rate=Decimal("0.055"))],
    )
    with UnitOfWork(db.write_sessions) as uow:
        retailer = store.get_retailer(uow.session)
        store.update_retailer(
            uow,
            settings=store.RetailerSettings(
                name=retailer.name,
                currency=currency,
                time_zone="Europe/Paris",
                locale="en",
                tax_exclusive=tax_exclusive,
                sku_sequence_enabled=True,
                sku_sequence_value=1000,
                default_tax_id=standard.id,
            ),
        )
    outlet = run(
        store.create_outlet, fields=store.OutletFields(name="Main", time_zone="Europe/Paris")
    )
    register = run(
        store.create_register,
        fields=store.RegisterFields(name="Till 1", outlet_id=outlet.id, invoice_prefix="T1-"),
    )
    cash = run(store.create_payment_type, name="Cash", type_id=PaymentKind.CASH)
    card = run(store.create_payment_type, name="Card", type_id=PaymentKind.CARD_EXTERNAL)
    return Store(
        db=db,
        owner=owner,
        outlet=outlet,
        register=register,
        standard_tax=standard,
        reduced_tax=reduced,
        cash=cash,
        card=card,
    )


def make_product(
    shop: Store,
    *,
    price: str = "12.00",
    stock: int | str = 10,
    name: str | None = None,
    tax: Tax | None = None,
    supply_price: str = "5.00",
    barcode: str | None = None,
    sku: str | None = None,
    has_inventory: bool = True,
) -> Product:
    number = next(_skus)
    with shop.uow() as uow:
        product = catalog.create_product(
            uow,
            new=catalog.NewProduct(
                name=name or f"Product {number}",
                price=Decimal(price),
                sku=sku,
                supply_price=Decimal(supply_price),
                tax_id=(tax or shop.standard_tax).id,
                barcode=barcode,
                has_inventory=has_inventory,
                inventory=[catalog.OpeningStock(outlet_id=shop.outlet.id, count=Decimal(stock))],
            ),
        )
    shop.products.append(product)
    return product


def make_token(shop: Store, *, username: str = OWNER_EMAIL) -> str:
    with shop.uow() as uow:
        return accounts.create_api_token(uow, username=username, name="tests")


def make_user(shop: Store, *, role: Role, username: str | None = None) -> User:
    with shop.uow() as uow:
        return accounts.create_user(
            uow,
            username=username or f"{role.value}-{uuid.uuid4().hex[:6]}",
            display_name=role.value.title(),
            password=OWNER_PASSWORD,
            role=role,
        )


def sale_payload(
    shop: Store,
    lines: list[tuple[Product, int | str]],
    *,
    payments: list[tuple[PaymentType, str]] | None = None,
    sale_id: uuid.UUID | None = None,
    total: str | None = None,
) -> dict[str, Any]:
    """A 0.9 register_sale body; pays the exact total in cash unless told otherwise."""
    body: dict[str, Any] = {
        "register_id": str(shop.register.id),
        "state": "closed",
        "register_sale_products": [{"product_id": str(p.id), "quantity": str(q)} for p, q in lines],
    }
    if sale_id is not None:
        body["id"] = str(sale_id)
    if payments is None:
        assert total is not None, "give the total to pay, or the payments"
        payments = [(shop.cash, total)]
    body["register_sale_payments"] = [
        {"retailer_payment_type_id": str(t.id), "amount": amount} for t, amount in payments
    ]
    return body
