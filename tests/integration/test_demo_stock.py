"""The demo store's stock control (demo_stock.py): seeded by `seed_demo_store` through the
stock control use cases, it shows a consignment of every type and status the demo promises,
every stock level still equals its ledger, and every stock control page answers."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.accounts import service as accounts
from comptoir.app import create_app
from comptoir.catalog.models import Product
from comptoir.core.db import Database, open_database
from comptoir.demo_stock import SHOP, STOCKROOM
from comptoir.inventory import service as inventory
from comptoir.inventory.consignments import orders, stocktakes, transfers
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentDelivery,
    ConsignmentProduct,
)
from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind
from comptoir.migrate import upgrade_database
from comptoir.setup import ensure_retailer, seed_demo_store
from comptoir.store.models import Outlet
from tests.factories import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    app_settings,
    ensure_signing,
    fresh_database,
    sign_in,
)


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh database with the demo store seeded once, in this process."""
    with fresh_database(database_url, Path(tmp_path_factory.mktemp("demo"))) as url:
        upgrade_database(url)
        database = open_database(url)
        try:
            ensure_signing(database)
            with database.unit_of_work() as uow:
                ensure_retailer(uow)
            with database.unit_of_work() as uow:
                accounts.ensure_owner(uow, email=OWNER_EMAIL, password=OWNER_PASSWORD)
            with database.unit_of_work() as uow:
                assert seed_demo_store(uow)
            yield database
        finally:
            database.dispose()


def consignments(database: Database) -> list[Consignment]:
    with database.read_sessions() as session:
        return list(session.scalars(select(Consignment).order_by(Consignment.created_at)))


def one(database: Database, type_: str, status: str) -> Consignment:
    (found,) = [c for c in consignments(database) if (c.type, c.status) == (type_, status)]
    return found


def test_the_demo_has_a_consignment_of_every_type_and_status_it_shows(demo: Database) -> None:
    assert Counter((c.type, c.status) for c in consignments(demo)) == {
        ("SUPPLIER", "RECEIVED"): 1,
        ("SUPPLIER", "SENT"): 1,
        ("SUPPLIER", "OPEN"): 1,
        ("OUTLET", "SENT"): 1,
        ("OUTLET", "RECEIVED"): 1,
        ("RETURN", "SENT"): 1,
        ("STOCKTAKE", "STOCKTAKE_COMPLETE"): 1,
        ("STOCKTAKE", "STOCKTAKE_IN_PROGRESS"): 1,
    }
    with demo.read_sessions() as session:
        outlets = {o.name: o.id for o in session.scalars(select(Outlet))}
        assert set(outlets) == {SHOP, STOCKROOM}
        in_transit = one(demo, "OUTLET", "SENT")
        arrived = one(demo, "OUTLET", "RECEIVED")
        for transfer in (in_transit, arrived):
            assert (transfer.source_outlet_id, transfer.outlet_id) == (
                outlets[STOCKROOM],
                outlets[SHOP],
            )
        assert in_transit.received_at is None
        # Stock on its way: left the stockroom, not yet at the shop.
        on_the_way = transfers.stock_in_transit(
            session,
            product_ids=[line.product_id for line in _lines(session, in_transit)],
            outlet_id=outlets[SHOP],
        )
        assert len(on_the_way) == 2 and all(n > 0 for n in on_the_way.values())
        (missing,) = transfers.differences_of(session, arrived.id)
        assert (missing.sent, missing.received, missing.quantity) == (10, 9, -1)

        returned = one(demo, "RETURN", "SENT")
        assert returned.reason and returned.reference and returned.supplier_id is not None

        sent = one(demo, "SUPPLIER", "SENT")
        assert sent.due_at is not None and sent.received_at is None
        assert all(line.received is None for line in _lines(session, sent))
        draft = one(demo, "SUPPLIER", "OPEN")
        assert [line.count for line in _lines(session, draft)] == [24]


def _lines(session: Session, consignment: Consignment) -> list[ConsignmentProduct]:
    return list(
        session.scalars(
            select(ConsignmentProduct).where(
                ConsignmentProduct.consignment_id == consignment.id,
                ConsignmentProduct.deleted_at.is_(None),
            )
        )
    )


def test_the_received_order_came_in_two_deliveries_the_second_at_a_new_supply_price(
    demo: Database,
) -> None:
    order = one(demo, "SUPPLIER", "RECEIVED")
    with demo.read_sessions() as session:
        deliveries = session.scalar(
            select(func.count())
            .select_from(ConsignmentDelivery)
            .where(ConsignmentDelivery.consignment_id == order.id)
        )
        assert deliveries == 2
        lines = _lines(session, order)
        assert all(line.received == line.count for line in lines)
        repriced = [line for line in lines if line.cost == Decimal("3.45")]
        assert len(repriced) == 1
        tote = session.get(Product, repriced[0].product_id)
        assert tote is not None and tote.supply_price == Decimal("3.45")
        # Its first half was received at the old price, the second at the new one.
        costs = session.scalars(
            select(InventoryMovement.unit_cost).where(
                InventoryMovement.source_id == order.id,
                InventoryMovement.product_id == tote.id,
            )
        ).all()
        assert sorted(costs) == [Decimal("3.20"), Decimal("3.45")]


def test_the_completed_count_of_one_brand_applied_one_difference_and_the_other_is_counting(
    demo: Database,
) -> None:
    complete = one(demo, "STOCKTAKE", "STOCKTAKE_COMPLETE")
    counting = one(demo, "STOCKTAKE", "STOCKTAKE_IN_PROGRESS")
    with demo.read_sessions() as session:
        filters = stocktakes.filters_of(complete)
        assert len(filters.brand_ids) == 1 and not filters.is_full
        counted_brand = session.scalar(
            select(func.count()).select_from(Product).where(Product.brand_id.in_(filters.brand_ids))
        )
        assert 0 < len(_lines(session, complete)) == counted_brand
        adjustments = session.scalars(
            select(InventoryMovement.quantity).where(
                InventoryMovement.source_id == complete.id,
                InventoryMovement.kind == MovementKind.STOCKTAKE.value,
            )
        ).all()
        assert adjustments == [Decimal(-1)]
        review = stocktakes.review_stocktake(session, consignment_id=counting.id)
        assert review.lines and review.uncounted  # some counted, some still to count
        assert not stocktakes.filters_of(counting).is_full


def test_every_stock_level_equals_its_ledger_in_count_and_value_after_the_demo_seeding(
    demo: Database,
) -> None:
    with demo.read_sessions() as session:
        levels = session.scalars(select(InventoryLevel)).all()
        by_outlet = Counter(level.outlet_id for level in levels)
        outlets = {o.name: o.id for o in session.scalars(select(Outlet))}
        assert by_outlet[outlets[SHOP]] == session.scalar(select(func.count(Product.id)))
        assert by_outlet[outlets[STOCKROOM]] > 0
        for level in levels:
            movements = session.execute(
                select(InventoryMovement.quantity, InventoryMovement.value).where(
                    InventoryMovement.product_id == level.product_id,
                    InventoryMovement.outlet_id == level.outlet_id,
                )
            ).all()
            assert level.count == inventory.ledger_balance(
                session, product_id=level.product_id, outlet_id=level.outlet_id
            )
            assert level.count == sum((q for q, _v in movements), Decimal(0))
            assert level.value == sum((v for _q, v in movements), Decimal(0))
            assert level.count >= 0
        kinds = set(session.scalars(select(InventoryMovement.kind).distinct()))
        assert {k.value for k in MovementKind} - kinds <= {"return", "manual", "void"}


def test_filling_the_demo_draft_order_from_the_reorder_points_adds_products(
    demo: Database,
) -> None:
    draft = one(demo, "SUPPLIER", "OPEN")
    with demo.unit_of_work() as uow:
        filled = orders.fill_from_reorder_points(uow, consignment_id=draft.id, user_id=None)
        assert len(filled.added) >= 2
        uow.rollback()


def test_every_stock_control_tab_lists_the_demo_consignments_and_their_pages_answer(
    demo: Database,
) -> None:
    app = create_app(app_settings(demo.url), database=demo)
    with TestClient(app) as client:
        assert sign_in(client, next_url="/stock-control").status_code == 303
        for tab, wanted in (("orders", 3), ("transfers", 2), ("returns", 1), ("counts", 2)):
            page = client.get("/stock-control", params={"tab": tab})
            assert page.status_code == 200
            links = set(re.findall(r'href="(/stock-control/[a-z]+/[0-9a-f-]{36})"', page.text))
            assert len(links) == wanted, (tab, links)
            for link in sorted(links):
                assert client.get(link).status_code == 200, link
        for consignment in consignments(demo):
            extra = {
                "SUPPLIER": "/stock-control/orders/{}/pdf",
                "RETURN": "/stock-control/returns/{}/credit-note.pdf",
                "STOCKTAKE": "/stock-control/counts/{}/review",
            }.get(consignment.type)
            if extra is not None:
                reply = client.get(extra.format(consignment.id))
                assert reply.status_code == 200, (extra, reply.text[:200])
        api = client.get("/api/2.0/consignments")
        assert api.status_code == 200 and len(api.json()["data"]) == 8
