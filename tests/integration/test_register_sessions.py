"""Opening, selling on, moving cash in and out of, and closing a register (2.0 API)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.core.outbox import OutboxMessage
from comptoir.registers.models import CashMovement, RegisterSession
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    close_till,
    count_rows,
    decimal_json,
    make_product,
    make_return,
    make_sale,
    make_token,
    make_user,
    return_lines,
    run_together,
    sale_payload,
)

SALES = "/api/register_sales"


def reg(shop: Store, action: str = "") -> str:
    return f"/api/2.0/registers/{shop.register.id}{action}"


def open_with(api: TestClient, shop: Store, **body: Any) -> dict[str, Any]:
    reply = api.put(reg(shop, "/actions/open"), json=body)
    assert reply.status_code == 200, reply.text
    return dict(decimal_json(reply)["data"])


def close_with(api: TestClient, shop: Store, **body: Any) -> Any:
    return api.put(reg(shop, "/actions/close"), json=body)


def closure(api: TestClient, closure_id: str) -> dict[str, Any]:
    reply = api.get(f"/api/2.0/register_closures/{closure_id}")
    assert reply.status_code == 200, reply.text
    return dict(decimal_json(reply)["data"])


def payment(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in body["payments"] if p["payment_type_name"] == name)


def test_a_closed_register_refuses_a_sale_with_409_and_records_nothing(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="4.00", stock=10)
    close_till(shop)

    reply = api.post(SALES, json=sale_payload(shop, [(coffee, 1)], total="4.00"))

    assert reply.status_code == 409
    assert reply.json()["details"]["register_id"] == str(shop.register.id)
    assert count_rows(shop.db, Sale) == 0
    register = decimal_json(api.get(reg(shop)))["data"]
    assert register["is_open"] is False
    assert register["register_close_time"] is not None


def test_opening_with_a_float_by_denomination_makes_the_register_open_and_kicks_the_drawer(
    api: TestClient, shop: Store
) -> None:
    close_till(shop)
    body = open_with(api, shop, denominations={"20": 5, "10": 4, "5": 2})

    assert body["is_open"] is True
    assert body["register_open_time"] is not None
    with shop.db.read_sessions() as session:
        opened = session.get(RegisterSession, uuid.UUID(body["register_open_sequence_id"]))
        assert opened is not None
        assert opened.opening_float == Decimal(150)
        assert opened.opening_counts == {"20.00": 5, "10.00": 4, "5.00": 2}
        kicks = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "register.drawer_kick")
        ).all()
        assert [k.payload["reason"] for k in kicks] == ["float"]


def test_a_float_whose_notes_do_not_add_up_to_its_total_is_refused(
    api: TestClient, shop: Store
) -> None:
    close_till(shop)
    reply = api.put(
        reg(shop, "/actions/open"), json={"opening_float": "100", "denominations": {"20": 1}}
    )
    assert reply.status_code == 422
    assert decimal_json(api.get(reg(shop)))["data"]["is_open"] is False


def test_opening_an_open_register_again_changes_nothing(api: TestClient, shop: Store) -> None:
    first = decimal_json(api.get(reg(shop)))["data"]
    again = api.put(reg(shop, "/actions/open"), json={"opening_float": "300"})
    assert again.status_code == 200
    assert again.json()["data"]["register_open_sequence_id"] == first["register_open_sequence_id"]
    assert count_rows(shop.db, RegisterSession) == 1


def test_a_cash_movement_sent_twice_is_recorded_once(api: TestClient, shop: Store) -> None:
    body = {"id": "move-1", "type": "CASH_OUT", "amount": "20", "note": "bank"}
    first = api.post(reg(shop, "/cash_movements"), json=body)
    again = api.post(reg(shop, "/cash_movements"), json=body)

    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(shop.db, CashMovement) == 1
    listed = api.get(reg(shop, "/cash_movements")).json()["data"]
    assert [(m["type"], m["note"]) for m in listed] == [("CASH_OUT", "bank")]


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_cash_movement_of_nothing_or_less_is_refused(
    api: TestClient, shop: Store, amount: str
) -> None:
    reply = api.post(
        reg(shop, "/cash_movements"), json={"id": "m", "type": "CASH_IN", "amount": amount}
    )
    assert reply.status_code == 422
    assert count_rows(shop.db, CashMovement) == 0


def test_a_cash_movement_on_a_closed_register_is_refused(api: TestClient, shop: Store) -> None:
    close_till(shop)
    reply = api.post(
        reg(shop, "/cash_movements"), json={"id": "m", "type": "CASH_IN", "amount": "5"}
    )
    assert reply.status_code == 409


def test_the_closure_counts_every_figure_against_what_was_expected(
    api: TestClient, shop: Store
) -> None:
    close_till(shop)
    open_with(api, shop, opening_float="150")
    coffee = make_product(shop, price="12.00", stock=20)
    tea = make_product(shop, price="5.00", stock=20, tax=shop.reduced_tax)
    sold = make_sale(shop, [(coffee, 2)], total="24.00")
    make_sale(shop, [(tea, 2)], payments=[(shop.card, "10.00")])
    make_sale(shop, [(coffee, 1)], payments=[(shop.cash, "20.00")])  # 8 € change
    make_return(shop, sold, return_lines(sold, (0, 1)))  # 12 € back in cash
    api.post(reg(shop, "/cash_movements"), json={"id": "a", "type": "CASH_OUT", "amount": "20"})
    api.post(reg(shop, "/cash_movements"), json={"id": "b", "type": "PETTY_CASH_IN", "amount": "3"})

    summary = decimal_json(api.get(reg(shop, "/payments_summary")))["data"]
    # 150 + 24 + 12 - 12 - 20 + 3
    assert payment(summary, "Cash")["total"] == "157.00"
    assert payment(summary, "Card")["total"] == "10.00"
    reply = close_with(
        api,
        shop,
        client_id="close-1",
        payments=[
            {"payment_type_id": str(shop.cash.id), "total": "156", "note": "1 € short"},
            {"payment_type_id": str(shop.card.id), "total": "10"},
        ],
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["is_open"] is False

    body = closure(api, reply.json()["data"]["register_closure_id"])
    cash = payment(body, "Cash")
    assert (cash["expected"], cash["counted"], cash["difference"]) == (
        Decimal(157),
        Decimal(156),
        Decimal(-1),
    )
    assert cash["note"] == "1 € short"
    assert (cash["taken"], cash["refunded"]) == (Decimal(44), Decimal(-20))
    assert payment(body, "Card")["difference"] == 0
    assert body["sales"]["count"] == 3
    assert body["sales"]["total"] == Decimal(46)
    assert (body["returns"]["count"], body["returns"]["total"]) == (1, Decimal(-12))
    assert {t["name"]: t["total"] for t in body["taxes"]} == {
        "VAT 20%": Decimal(24),
        "VAT 5.5%": Decimal(10),
    }
    moved = {m["type"]: m["total"] for m in body["cash_movements"]}
    assert moved["CASH_OUT"] == 20 and moved["PETTY_CASH_IN"] == 3
    assert body["opening_float"] == 150


def test_a_retried_close_returns_the_same_closure_and_another_close_is_a_409(
    api: TestClient, shop: Store
) -> None:
    counted = [{"payment_type_id": str(shop.cash.id), "total": "0"}]
    first = close_with(api, shop, client_id="c-1", payments=counted)
    again = close_with(api, shop, client_id="c-1", payments=counted)
    other = close_with(api, shop, client_id="c-2", payments=counted)

    assert first.status_code == 200
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    ids = first.json()["data"]["register_closure_id"], again.json()["data"]["register_closure_id"]
    assert ids[0] == ids[1]
    assert other.status_code == 409


def test_after_a_closure_the_next_sale_needs_a_new_opening(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="4.00", stock=10)
    make_sale(shop, [(coffee, 1)], total="4.00")
    close_till(shop)
    assert api.post(SALES, json=sale_payload(shop, [(coffee, 1)], total="4.00")).status_code == 409

    opened = open_with(api, shop)
    sold = api.post(SALES, json=sale_payload(shop, [(coffee, 1)], total="4.00"))

    assert sold.status_code == 200
    with shop.db.read_sessions() as session:
        row = session.get(Sale, uuid.UUID(sold.json()["register_sale"]["id"]))
        assert row is not None
        assert str(row.register_session_id) == opened["register_open_sequence_id"]
        second = session.get(RegisterSession, row.register_session_id)
        assert second is not None and second.sequence == 2


def test_closing_warns_of_parked_sales_without_blocking(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="4.00", stock=10)
    parked = sale_payload(shop, [(coffee, 1)], payments=[]) | {"status": "SAVED"}
    assert api.post(SALES, json=parked).status_code == 200

    reply = close_with(api, shop)
    assert reply.status_code == 200
    body = closure(api, reply.json()["data"]["register_closure_id"])
    assert body["parked_sales"] == 1
    assert body["warnings"] == ["parked sales are still open at this register"]


def test_a_closure_stays_as_it_was_when_a_sale_of_it_is_voided_later(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="4.00", stock=10)
    sale = make_sale(shop, [(coffee, 1)], total="4.00")
    closed = close_till(shop)
    open_with(api, shop)
    assert api.put(f"/api/2.0/sales/{sale.id}/actions/void").status_code == 200

    assert closure(api, str(closed.id))["sales"]["total"] == 4
    summary = decimal_json(api.get(reg(shop, "/payments_summary")))["data"]
    assert payment(summary, "Cash")["total"] == "-4.00"  # the refund left today's drawer


def test_a_cashier_counts_blind_the_expected_figures_are_a_managers(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    manager = make_user(shop, role=Role.MANAGER)
    as_cashier = {"Authorization": f"Bearer {make_token(shop, username=cashier.username)}"}
    as_manager = {"Authorization": f"Bearer {make_token(shop, username=manager.username)}"}

    assert app_client.get(reg(shop, "/payments_summary"), headers=as_cashier).status_code == 403
    assert app_client.get(reg(shop, "/x_report"), headers=as_cashier).status_code == 403
    assert app_client.get("/api/2.0/register_closures", headers=as_cashier).status_code == 403
    assert app_client.get(reg(shop, "/x_report"), headers=as_manager).status_code == 200
    moved = app_client.post(
        reg(shop, "/cash_movements"),
        headers=as_cashier,
        json={"id": "x", "type": "CASH_IN", "amount": "5"},
    )
    assert moved.status_code == 201
    closed = app_client.put(reg(shop, "/actions/close"), headers=as_cashier, json={})
    assert closed.status_code == 200
    assert "expected" not in closed.text


def test_two_closes_at_once_one_wins_the_other_is_a_409(shop: Store) -> None:
    from comptoir.registers import service as registers
    from comptoir.store.service import RegisterClosed  # noqa: F401

    coffee = make_product(shop, price="4.00", stock=100)
    for _ in range(5):
        make_sale(shop, [(coffee, 1)], total="4.00")

    def close(client_id: str) -> Any:
        with shop.uow() as uow:
            _closed, created = registers.close_register(
                uow,
                register_id=shop.register.id,
                user_id=shop.owner.id,
                counts=[],
                client_id=client_id,
            )
            return created

    results = run_together(2, lambda: close(uuid.uuid4().hex))
    assert sorted(type(r).__name__ for r in results) == ["RegisterAlreadyClosed", "bool"]
    with shop.db.read_sessions() as session:
        closed = session.scalars(select(RegisterSession)).all()
        assert [s.closed_at is not None for s in closed] == [True]
        assert closed[0].closure_figures is not None
        assert closed[0].closure_figures["sales"]["count"] == 5
