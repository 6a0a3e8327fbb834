"""Who a sale is recorded for (sales/sellers.py), at the service: a register session sells as
its current user; a sale built before a user switch and re-sent after it keeps its seller."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.models import LoginSession, User
from comptoir.accounts.permissions import Role
from comptoir.core.errors import InvalidInput
from comptoir.customers import service as customers
from comptoir.sales import service as sales
from comptoir.sales.errors import SellerNotOnSession
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    make_product,
    make_token,
    make_user,
    open_register_session,
    sale_input,
    sale_payload,
    set_pin,
    snapshot,
    switch_at_register,
)


def record(
    shop: Store,
    *,
    sent_by: User,
    named: User | None,
    login: LoginSession | None,
    rights: sales.SaleRights = sales.SaleRights(),
) -> Sale:
    """A 3.00 coffee sale sent by `sent_by`, naming `named` as its user (None: nobody)."""
    coffee = make_product(shop, price="3.00")
    wanted = dataclasses.replace(
        sale_input(shop, [(coffee, 1)], total="3.00", sale_id=uuid.uuid4()),
        user_id=named.id if named else None,
    )
    with shop.uow() as uow:
        sale, created = sales.record_sale(
            uow,
            sale=wanted,
            user_id=sent_by.id,
            find_customer=customers.get_customer,
            register_session=login,
            rights=rights,
        )
    assert created
    return sale


def test_a_sale_naming_no_user_is_recorded_for_the_user_selling_at_the_register(
    shop: Store,
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    login = open_register_session(shop, cashier)
    assert record(shop, sent_by=cashier, named=None, login=login).user_id == cashier.id


def test_after_a_switch_the_sale_is_recorded_for_the_switched_user(shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    login = switch_at_register(shop, open_register_session(shop, shop.owner), cashier, pin="4321")
    assert login.acting_user_id == cashier.id
    sale = record(shop, sent_by=cashier, named=cashier, login=login)
    assert sale.user_id == cashier.id


def test_a_sale_built_before_a_switch_and_sent_after_it_keeps_its_seller(shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    login = switch_at_register(shop, open_register_session(shop, shop.owner), cashier, pin="4321")
    # Built by the owner, sent once the cashier sells here (an offline retry, say).
    sale = record(shop, sent_by=cashier, named=shop.owner, login=login)
    assert sale.user_id == shop.owner.id


def test_a_register_session_cannot_name_a_user_who_never_sold_on_it_and_nothing_changes(
    shop: Store,
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    stranger = make_user(shop, role=Role.CASHIER)
    login = open_register_session(shop, cashier)
    coffee = make_product(shop, price="3.00")
    wanted = dataclasses.replace(sale_input(shop, [(coffee, 1)], total="3.00"), user_id=stranger.id)
    before = snapshot(shop)
    with shop.uow() as uow, pytest.raises(SellerNotOnSession) as refused:
        sales.record_sale(
            uow,
            sale=wanted,
            user_id=cashier.id,
            find_customer=customers.get_customer,
            register_session=login,
        )
    assert refused.value.details == {"user_id": str(cashier.id)}
    assert snapshot(shop) == before


def test_a_user_switched_to_on_another_register_session_cannot_be_named_here(
    shop: Store,
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    set_pin(shop, cashier, "4321")
    switch_at_register(shop, open_register_session(shop, shop.owner), cashier, pin="4321")
    elsewhere = open_register_session(shop, shop.owner)
    coffee = make_product(shop, price="3.00")
    wanted = dataclasses.replace(sale_input(shop, [(coffee, 1)], total="3.00"), user_id=cashier.id)
    with shop.uow() as uow, pytest.raises(SellerNotOnSession):
        sales.record_sale(
            uow,
            sale=wanted,
            user_id=shop.owner.id,
            find_customer=customers.get_customer,
            register_session=elsewhere,
        )


def test_an_api_token_may_record_a_sale_for_any_user_of_the_store(shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    rights = sales.SaleRights(sell_for_others=True)
    sale = record(shop, sent_by=shop.owner, named=cashier, login=None, rights=rights)
    assert sale.user_id == cashier.id


def test_a_token_without_the_right_cannot_record_a_sale_for_another_user(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=cashier.username)}"}
    coffee = make_product(shop, price="3.00")
    body = sale_payload(shop, [(coffee, 1)], total="3.00") | {"user_id": str(shop.owner.id)}
    before = snapshot(shop)

    reply = app_client.post("/api/register_sales", json=body, headers=headers)

    assert reply.status_code == 403
    assert "sales:for_others" in reply.json()["error"]
    assert snapshot(shop) == before


def test_a_sale_naming_an_unknown_user_is_refused(shop: Store) -> None:
    coffee = make_product(shop, price="3.00")
    wanted = dataclasses.replace(
        sale_input(shop, [(coffee, 1)], total="3.00"), user_id=uuid.uuid4()
    )
    with shop.uow() as uow, pytest.raises(InvalidInput, match="unknown user"):
        sales.record_sale(
            uow,
            sale=wanted,
            user_id=shop.owner.id,
            find_customer=customers.get_customer,
            rights=sales.SaleRights(sell_for_others=True),
        )
