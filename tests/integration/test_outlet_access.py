"""A user limited to some outlets sells only at those outlets' registers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from comptoir.accounts.models import user_outlet
from comptoir.accounts.permissions import Role
from comptoir.sales.models import Sale
from comptoir.store import service as store
from tests.factories import (
    Store,
    make_product,
    make_token,
    make_user,
    open_till,
    sale_payload,
)


def limit_to(shop: Store, user_id: object, *outlet_ids: object) -> None:
    with shop.uow() as uow:
        uow.session.execute(
            insert(user_outlet), [{"user_id": user_id, "outlet_id": o} for o in outlet_ids]
        )
        uow.commit()


def second_outlet_register(shop: Store):
    with shop.uow() as uow:
        outlet = store.create_outlet(
            uow, fields=store.OutletFields(name="Annex", time_zone="Europe/Paris")
        )
    with shop.uow() as uow:
        register = store.create_register(
            uow, fields=store.RegisterFields(name="Annex till", outlet_id=outlet.id)
        )
    open_till(shop.db, register_id=register.id, user_id=shop.owner.id)
    return register


def sales_count(shop: Store) -> int:
    with shop.db.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(Sale)) or 0


def test_a_user_limited_to_one_outlet_cannot_sell_at_another_and_nothing_changes(
    app_client: TestClient, shop: Store
) -> None:
    annex_till = second_outlet_register(shop)
    clerk = make_user(shop, role=Role.CASHIER)
    limit_to(shop, clerk.id, shop.outlet.id)
    product = make_product(shop, price="5.00")
    body = sale_payload(shop, [(product, 1)], total="5.00")
    body["register_id"] = str(annex_till.id)
    headers = {"Authorization": f"Bearer {make_token(shop, username=clerk.username)}"}
    reply = app_client.post("/api/register_sales", json=body, headers=headers)
    assert reply.status_code == 403
    assert reply.json()["details"]["outlet_id"] == str(annex_till.outlet_id)
    assert sales_count(shop) == 0
    body["register_id"] = str(shop.register.id)
    assert app_client.post("/api/register_sales", json=body, headers=headers).status_code == 200
    assert sales_count(shop) == 1


def test_a_user_without_limits_sells_at_every_outlet(app_client: TestClient, shop: Store) -> None:
    annex_till = second_outlet_register(shop)
    product = make_product(shop, price="5.00")
    body = sale_payload(shop, [(product, 1)], total="5.00")
    body["register_id"] = str(annex_till.id)
    headers = {"Authorization": f"Bearer {make_token(shop)}"}
    assert app_client.post("/api/register_sales", json=body, headers=headers).status_code == 200


def test_the_sell_screen_offers_only_the_registers_of_the_users_outlets(
    app_client: TestClient, shop: Store
) -> None:
    from tests.factories import sign_in

    annex_till = second_outlet_register(shop)
    limit_to(shop, shop.owner.id, annex_till.outlet_id)
    assert sign_in(app_client).status_code == 303
    page = app_client.get("/sell").text
    assert f'value="{annex_till.id}"' in page
    assert f'value="{shop.register.id}"' not in page
