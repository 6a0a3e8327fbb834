"""Demo stock control for `comptoir init --demo`, seeded after the products and the sales
through the stock control use cases (the same calls the pages make), so the demo shows
every tab of /stock-control with something in it:

- the demo products' suppliers (with their codes), two brands, and reorder points and
  restock levels at "Paris Marais" (so "fill from reorder points" adds lines to the draft);
- a second outlet, "Réserve Montreuil", the shop's stockroom (no register);
- purchase orders: one received at the stockroom in two deliveries (the second at a new
  supply price), one sent and waiting for delivery (filled from the reorder points), and
  a draft still open;
- transfers from the stockroom to the shop: one received with a tote bag missing, one in
  transit (sent, not received);
- a supplier return sent with its reason;
- a partial stock count of one brand, completed with one difference applied, and one
  counting.

The suppliers have no email address: sending an order or a return would otherwise queue
emails the demo's server would try to deliver. Deterministic: the same rows every time
(ids and dates aside)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.catalog import entities
from comptoir.catalog.models import Product
from comptoir.catalog.product_changes import (
    KEEP,
    FamilyChanges,
    ProductChanges,
    StockSetting,
    SupplierLink,
    update_product,
)
from comptoir.core.clock import utcnow
from comptoir.core.uow import UnitOfWork
from comptoir.inventory import service as inventory
from comptoir.inventory.consignments import orders, stocktakes, supplier_returns, transfers
from comptoir.inventory.consignments.common import LineInput
from comptoir.store import service as store
from comptoir.store.models import Outlet

SHOP = "Paris Marais"
STOCKROOM = "Réserve Montreuil"  # sorts after the shop: the shop stays the first outlet

# name, supplier code prefix, city, the demo products it supplies (indexes in SKU order)
_SUPPLIERS: list[tuple[str, str, str, list[int]]] = [
    ("Épicerie fine Dufour", "DUF", "Rungis", list(range(12))),
    ("Arts de la table Lemoine", "LEM", "Limoges", [12, 13, 14, 15, 16, 17, 26, 28, 29]),
    ("Papeterie Morel", "MOR", "Lyon", [20, 21, 23, 31, 32]),
    ("Maison Vasseur", "VAS", "Roubaix", [18, 19, 22, 24, 25, 27, 30, 35]),
    ("Éditions du Canal", "CAN", "Paris", [33, 34]),
]
# brand -> the demo products of it
_BRANDS: dict[str, list[int]] = {
    "Chocolats Vauclair": [4, 5],
    "Carnets de Paris": [20, 21, 23],
}
# product -> (reorder point, restock level) at the shop. At or below the point: the jam,
# the honey and the olive oil (Dufour's: the draft order fills them), the teapot, the
# coffee press and the grinder (Lemoine's: the sent order was filled with them).
_REORDER: dict[int, tuple[int, int]] = {
    0: (10, 50),
    6: (24, 40),
    7: (20, 30),
    8: (20, 36),
    9: (12, 40),
    12: (6, 20),
    13: (6, 10),
    14: (8, 12),
    15: (5, 8),
}
TOTE, TEA_TOWEL, JUTE_BAG = 22, 18, 30
MUG, PASTA = 12, 11
DARK_CHOCOLATE, MILK_CHOCOLATE = 4, 5
NOTEBOOK, PEN = 20, 21


def seed_demo_stock(uow: UnitOfWork) -> None:
    session = uow.session
    owner = session.scalars(select(User).where(User.role == Role.OWNER)).first()
    shop = session.scalars(select(Outlet).where(Outlet.name == SHOP)).first()
    if owner is None or shop is None:
        return
    user = owner.id
    products = list(session.scalars(select(Product).order_by(Product.sku)))
    stockroom = store.create_outlet(
        uow,
        fields=store.OutletFields(
            name=STOCKROOM,
            time_zone="Europe/Paris",
            physical_address_1="8 rue de Paris",
            physical_city="Montreuil",
            physical_postcode="93100",
            physical_country_id="FR",
        ),
    )
    suppliers, brands = _seed_catalog(uow, products, shop_id=shop.id)
    _seed_orders(uow, products, suppliers, shop_id=shop.id, stockroom_id=stockroom.id, user=user)
    _seed_transfers(uow, products, shop_id=shop.id, stockroom_id=stockroom.id, user=user)
    returned = supplier_returns.create_supplier_return(
        uow,
        outlet_id=shop.id,
        supplier_id=suppliers["LEM"],
        reason="Émail fêlé à la réception",
        user_id=user,
    )
    supplier_returns.change_return_lines(
        uow,
        consignment_id=returned.id,
        lines=[LineInput(products[MUG].id, count=Decimal(2))],
        user_id=user,
    )
    supplier_returns.send_supplier_return(uow, consignment_id=returned.id, user_id=user)
    uow.commit()
    _seed_counts(uow, products, brands, shop_id=shop.id, user=user)


def _seed_catalog(
    uow: UnitOfWork, products: list[Product], *, shop_id: uuid.UUID
) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    """Every demo product's supplier (unless it has one), the brands and the reorder
    points, as a manager sets them on the product's page; the suppliers' ids by code
    prefix and the brands' by name."""
    suppliers: dict[str, uuid.UUID] = {}
    supplier_of: dict[int, SupplierLink] = {}
    for name, prefix, city, indexes in _SUPPLIERS:
        supplier = entities.create_supplier(
            uow,
            fields=entities.SupplierFields(name=name, physical_city=city, physical_country_id="FR"),
        )
        suppliers[prefix] = supplier.id
        for number, index in enumerate(indexes, start=1):
            supplier_of[index] = SupplierLink(
                supplier_id=supplier.id, code=f"{prefix}-{number:03d}"
            )
    brands: dict[str, uuid.UUID] = {}
    brand_of: dict[int, uuid.UUID] = {}
    for name, indexes in _BRANDS.items():
        brands[name] = entities.create_brand(uow, name=name).id
        brand_of.update(dict.fromkeys(indexes, brands[name]))
    for index, product in enumerate(products):
        link = supplier_of.get(index) if product.supplier_id is None else None
        reorder = _REORDER.get(index)
        if link is None and index not in brand_of and reorder is None:
            continue
        update_product(
            uow,
            product_id=product.id,
            common=FamilyChanges(
                suppliers=[link] if link is not None else KEEP,
                brand_id=brand_of.get(index, KEEP),
            ),
            details=ProductChanges(
                inventory=[
                    StockSetting(
                        outlet_id=shop_id,
                        reorder_point=Decimal(reorder[0]),
                        restock_level=Decimal(reorder[1]),
                    )
                ]
                if reorder is not None
                else ()
            ),
        )
    return suppliers, brands


def _seed_orders(
    uow: UnitOfWork,
    products: list[Product],
    suppliers: dict[str, uuid.UUID],
    *,
    shop_id: uuid.UUID,
    stockroom_id: uuid.UUID,
    user: uuid.UUID,
) -> None:
    # Received at the stockroom in two deliveries; the tote bags' second half costs more.
    received = orders.create_order(
        uow,
        outlet_id=stockroom_id,
        supplier_id=suppliers["VAS"],
        name="Linge de maison, collection d'automne",
        user_id=user,
    )
    orders.set_order_lines(
        uow,
        consignment_id=received.id,
        lines=[
            LineInput(products[TOTE].id, count=Decimal(24)),
            LineInput(products[JUTE_BAG].id, count=Decimal(20)),
            LineInput(products[TEA_TOWEL].id, count=Decimal(12)),
        ],
        user_id=user,
    )
    orders.send_order(uow, consignment_id=received.id, user_id=user)
    uow.commit()
    orders.receive_order(
        uow,
        consignment_id=received.id,
        delivery_id=uuid.uuid4(),
        lines=[
            LineInput(products[TOTE].id, received=Decimal(12)),
            LineInput(products[JUTE_BAG].id, received=Decimal(20)),
            LineInput(products[TEA_TOWEL].id, received=Decimal(12)),
        ],
        complete=False,
        user_id=user,
    )
    uow.commit()
    orders.receive_order(
        uow,
        consignment_id=received.id,
        delivery_id=uuid.uuid4(),
        lines=[LineInput(products[TOTE].id, received=Decimal(12), cost=Decimal("3.45"))],
        complete=True,
        user_id=user,
    )
    uow.commit()

    # Sent to Lemoine, filled from the shop's reorder points, due in five days.
    sent = orders.create_order(
        uow,
        outlet_id=shop_id,
        supplier_id=suppliers["LEM"],
        name="Réassort arts de la table",
        due_at=utcnow().replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=5),
        user_id=user,
    )
    orders.fill_from_reorder_points(uow, consignment_id=sent.id, user_id=user)
    orders.send_order(uow, consignment_id=sent.id, user_id=user)
    uow.commit()

    # A draft for Dufour: the pasta typed in; "fill from reorder points" adds the rest.
    draft = orders.create_order(
        uow, outlet_id=shop_id, supplier_id=suppliers["DUF"], name="Épicerie", user_id=user
    )
    orders.set_order_lines(
        uow,
        consignment_id=draft.id,
        lines=[LineInput(products[PASTA].id, count=Decimal(24))],
        user_id=user,
    )
    uow.commit()


def _seed_transfers(
    uow: UnitOfWork,
    products: list[Product],
    *,
    shop_id: uuid.UUID,
    stockroom_id: uuid.UUID,
    user: uuid.UUID,
) -> None:
    # Received at the shop with one tote bag missing.
    arrived = transfers.create_transfer(
        uow, source_outlet_id=stockroom_id, outlet_id=shop_id, name="Réassort linge", user_id=user
    )
    transfers.change_transfer_lines(
        uow,
        consignment_id=arrived.id,
        lines=[
            LineInput(products[TOTE].id, count=Decimal(10)),
            LineInput(products[TEA_TOWEL].id, count=Decimal(6)),
        ],
        user_id=user,
    )
    transfers.send_transfer(uow, consignment_id=arrived.id, user_id=user)
    uow.commit()
    transfers.receive_transfer(
        uow,
        consignment_id=arrived.id,
        delivery_id=uuid.uuid4(),
        lines=[
            LineInput(products[TOTE].id, received=Decimal(9)),
            LineInput(products[TEA_TOWEL].id, received=Decimal(6)),
        ],
        user_id=user,
    )
    uow.commit()

    # On its way to the shop.
    on_the_way = transfers.create_transfer(
        uow, source_outlet_id=stockroom_id, outlet_id=shop_id, name="Réassort sacs", user_id=user
    )
    transfers.change_transfer_lines(
        uow,
        consignment_id=on_the_way.id,
        lines=[
            LineInput(products[JUTE_BAG].id, count=Decimal(8)),
            LineInput(products[TOTE].id, count=Decimal(4)),
        ],
        user_id=user,
    )
    transfers.send_transfer(uow, consignment_id=on_the_way.id, user_id=user)
    uow.commit()


def _seed_counts(
    uow: UnitOfWork,
    products: list[Product],
    brands: dict[str, uuid.UUID],
    *,
    shop_id: uuid.UUID,
    user: uuid.UUID,
) -> None:
    counted = [products[i].id for i in (DARK_CHOCOLATE, MILK_CHOCOLATE, NOTEBOOK, PEN)]
    level = inventory.stock_by_product(uow.session, product_ids=counted, outlet_id=shop_id)

    # The chocolates counted and applied: one milk chocolate missing.
    complete = stocktakes.create_stocktake(
        uow,
        outlet_id=shop_id,
        name="Chocolats, rayon 2",
        filters=stocktakes.StocktakeFilters(brand_ids=(brands["Chocolats Vauclair"],)),
        user_id=user,
    )
    stocktakes.start_stocktake(uow, consignment_id=complete.id, user_id=user)
    uow.commit()
    dark, milk = counted[0], counted[1]
    stocktakes.count_products(
        uow,
        consignment_id=complete.id,
        counts=[(dark, level[dark]), (milk, level[milk] - 1)],
        user_id=user,
    )
    uow.commit()
    stocktakes.apply_stocktake(uow, consignment_id=complete.id, uncounted="keep", user_id=user)
    uow.commit()

    # The stationery being counted: the notebooks and pens done, the postcards still to do.
    counting = stocktakes.create_stocktake(
        uow,
        outlet_id=shop_id,
        name="Papeterie, comptage tournant",
        filters=stocktakes.StocktakeFilters(brand_ids=(brands["Carnets de Paris"],)),
        user_id=user,
    )
    stocktakes.start_stocktake(uow, consignment_id=counting.id, user_id=user)
    uow.commit()
    notebook, pen = counted[2], counted[3]
    stocktakes.count_products(
        uow,
        consignment_id=counting.id,
        counts=[(notebook, level[notebook]), (pen, level[pen] - 2)],
        user_id=user,
    )
    uow.commit()
