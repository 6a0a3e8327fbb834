"""Sales in every state, at chosen dates and places, for the sales history's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from comptoir.catalog.models import Product
from comptoir.sales.models import Sale
from comptoir.store import service as store
from comptoir.store.models import Register
from tests.factories import Store, make_product, make_sale, open_till, restate_sale


def at(text: str) -> datetime:
    """A UTC instant written as 2024-03-10T23:30."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def annex_register(shop: Store, *, time_zone: str = "Europe/Paris") -> Register:
    with shop.uow() as uow:
        outlet = store.create_outlet(
            uow, fields=store.OutletFields(name="Annex", time_zone=time_zone)
        )
    with shop.uow() as uow:
        register = store.create_register(
            uow,
            fields=store.RegisterFields(
                name="Annex till", outlet_id=outlet.id, invoice_prefix="AX-"
            ),
        )
    open_till(shop.db, register_id=register.id, user_id=shop.owner.id)
    return register


@dataclass
class History:
    mug: Product
    tea: Product


def a_history(shop: Store) -> History:
    return History(
        mug=make_product(shop, name="Mug", sku="MUG-1", price="8.00"),
        tea=make_product(shop, name="Tea", sku="TEA-1", price="4.00"),
    )


def sale_on(
    shop: Store, product: Product, when: str, *, total: str = "8.00", **values: object
) -> Sale:
    """A sale of one `product` recorded, then dated `when` (UTC) and given `values`."""
    sale = make_sale(shop, [(product, 1)], total=total)
    restate_sale(shop, sale, sale_date=at(when), **values)
    return sale
