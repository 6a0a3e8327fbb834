"""A sale's page in the back office: what was sold, how it was paid, its returns and the
actions the user may take on it."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts.permissions import Role
from comptoir.core.outbox import OutboxMessage
from comptoir.sales.models import Sale, SaleLine
from tests.factories import (
    Store,
    count_rows,
    csrf_of,
    make_customer,
    make_user,
    sign_in_as,
    stock_of,
)
from tests.integration.history_support import a_history, sale_on


def test_a_sales_page_shows_lines_discounts_payments_and_who(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    ada = make_customer(shop, first_name="Ada", last_name="Lovelace", customer_code="ADA-1")
    sale = sale_on(
        shop, h.mug, "2024-03-01T10:00", customer_id=ada.id, total_discount=Decimal("1.50")
    )
    with shop.uow() as uow:
        uow.session.execute(
            update(SaleLine)
            .where(SaleLine.sale_id == sale.id)
            .values(discount_total=Decimal("1.50"), discount_percent=Decimal("15"))
        )
        uow.commit()
    page = browser.get(f"/sales/{sale.id}").text
    lines = page.split('id="sale-lines"')[1].split("</table>")[0]
    assert "Mug" in lines and "1.50" in lines and "15" in lines
    payments = page.split('id="sale-payments"')[1].split("</table>")[0]
    assert "Cash" in payments and "8.00" in payments
    assert "Ada Lovelace" in page.split('id="sale-customer"')[1].split("</dd>")[0]
    assert shop.owner.display_name in page.split('id="sale-seller"')[1].split("</dd>")[0]
    assert shop.register.name in page.split('id="sale-register"')[1].split("</dd>")[0]


def test_a_sale_links_its_returns_and_a_return_its_original(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    original = sale_on(shop, h.mug, "2024-03-01T10:00")
    give_back = sale_on(shop, h.mug, "2024-03-02T10:00", return_for=original.id)
    page = browser.get(f"/sales/{original.id}").text
    assert f'href="/sales/{give_back.id}"' in page.split('id="sale-returns"')[1]
    back = browser.get(f"/sales/{give_back.id}").text
    assert f'href="/sales/{original.id}"' in back.split('id="original-sale"')[1].split("</dd>")[0]
    assert 'id="action-return"' not in back  # a return is not returned again


def actions_of(client: TestClient, sale_id: object) -> set[str]:
    page = client.get(f"/sales/{sale_id}")
    assert page.status_code == 200, page.text
    return {
        a
        for a in ("continue", "pay", "return", "void", "receipt", "email")
        if f'id="action-{a}"' in page.text
    }


def test_a_cashier_may_return_a_completed_sale_but_not_void_it(
    app_client: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    sale = sale_on(shop, h.mug, "2024-03-01T10:00")
    sign_in_as(app_client, make_user(shop, role=Role.CASHIER).username)
    assert actions_of(app_client, sale.id) == {"return", "receipt"}


def test_a_manager_may_void_a_completed_sale(app_client: TestClient, shop: Store) -> None:
    h = a_history(shop)
    sale = sale_on(shop, h.mug, "2024-03-01T10:00")
    sign_in_as(app_client, make_user(shop, role=Role.MANAGER).username)
    assert actions_of(app_client, sale.id) == {"return", "receipt", "void"}


def test_open_sales_offer_to_continue_or_pay_and_a_voided_sale_only_its_receipt(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    parked = sale_on(shop, h.mug, "2024-03-01T10:00", status="SAVED", state="parked")
    layby = sale_on(shop, h.mug, "2024-03-02T10:00", status="LAYBY", state="pending")
    voided = sale_on(shop, h.mug, "2024-03-03T10:00", status="VOIDED", state="voided")
    assert actions_of(browser, parked.id) == {"continue", "void", "receipt"}
    assert f'href="/sell?sale={parked.id}"' in browser.get(f"/sales/{parked.id}").text
    assert actions_of(browser, layby.id) == {"pay", "void", "receipt"}
    assert actions_of(browser, voided.id) == {"receipt"}


def test_emailing_the_receipt_queues_it_for_the_customers_address(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    sale = sale_on(shop, h.mug, "2024-03-01T10:00", customer_id=ada.id)
    page = browser.get(f"/sales/{sale.id}").text
    reply = browser.post(
        f"/sales/{sale.id}/email-receipt", data={"csrf": csrf_of(page)}, follow_redirects=True
    )
    assert 'id="email-queued"' in reply.text
    with shop.db.read_sessions() as session:
        queued = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "receipt.email")
        ).all()
    assert [(m.payload["sale_id"], m.payload["email"]) for m in queued] == [
        (str(sale.id), "ada@example.com")
    ]


def test_a_receipt_is_not_emailed_without_a_customer_address(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    sale = sale_on(shop, h.mug, "2024-03-01T10:00")
    page = browser.get(f"/sales/{sale.id}").text
    assert 'id="action-email"' not in page
    before = count_rows(shop.db, OutboxMessage)
    reply = browser.post(f"/sales/{sale.id}/email-receipt", data={"csrf": csrf_of(page)})
    assert reply.status_code == 422
    assert count_rows(shop.db, OutboxMessage) == before


def test_a_manager_voids_a_completed_sale_from_its_page_and_its_stock_comes_back(
    app_client: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    sale = sale_on(shop, h.mug, "2024-03-01T10:00")
    before = stock_of(shop, h.mug)
    sign_in_as(app_client, make_user(shop, role=Role.MANAGER).username)
    page = app_client.get(f"/sales/{sale.id}").text
    reply = app_client.post(
        f"/sales/{sale.id}/void", data={"csrf": csrf_of(page)}, follow_redirects=True
    )
    assert 'id="voided"' in reply.text
    with shop.db.read_sessions() as session:
        assert session.get(Sale, sale.id).status == "VOIDED"  # type: ignore[union-attr]
    assert stock_of(shop, h.mug) == (before or 0) + sum(line.quantity for line in sale.lines)


def test_a_cashier_posting_the_void_of_a_completed_sale_changes_nothing(
    app_client: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    sale = sale_on(shop, h.mug, "2024-03-01T10:00")
    sign_in_as(app_client, make_user(shop, role=Role.CASHIER).username)
    page = app_client.get(f"/sales/{sale.id}").text
    reply = app_client.post(
        f"/sales/{sale.id}/void", data={"csrf": csrf_of(page)}, follow_redirects=True
    )
    assert 'id="void-refused"' in reply.text
    with shop.db.read_sessions() as session:
        assert session.get(Sale, sale.id).status == "CLOSED"  # type: ignore[union-attr]
