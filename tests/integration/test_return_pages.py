"""Return pages: return lines of a sale, find it by its receipt's number, exchange on the
page, the customer's store credit page; the receipt's Code 128 barcode and return details."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    credit_of,
    csrf_of,
    issue_credit,
    make_customer,
    make_product,
    make_return,
    make_sale,
    make_terminal_type,
    make_user,
    return_lines,
    sign_in_as,
    stock_of,
)


def test_scanning_a_receipt_number_opens_the_return_of_that_sale(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00")

    reply = browser.get(f"/returns/find?invoice={sale.invoice_number}", follow_redirects=False)

    assert reply.status_code == 303
    assert reply.headers["location"] == f"/sales/{sale.id}/return"
    missing = browser.get("/returns/find?invoice=NOPE-1")
    assert missing.status_code == 404
    assert 'id="not-found"' in missing.text


def test_the_return_page_records_a_partial_return_and_shows_its_receipt(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], payments=[(shop.card, "42.00")])
    page = browser.get(f"/sales/{sale.id}/return")
    assert page.status_code == 200
    line_id = sale.lines[0].id

    reply = browser.post(
        f"/sales/{sale.id}/return",
        data={
            "csrf": csrf_of(page.text),
            f"qty_{line_id}": "1",
            f"reason_{line_id}": "Faulty",
            f"damaged_{line_id}": "on",
            "refund_to": "tenders",
            "return_id": "",
        },
        follow_redirects=False,
    )

    assert reply.status_code == 303, reply.text
    receipt = browser.get(reply.headers["location"])
    assert f"<strong>{sale.invoice_number}</strong>" in receipt.text  # the original receipt
    assert 'data-testid="receipt-refund"' in receipt.text
    assert "<svg" in receipt.text and 'data-testid="receipt-barcode"' in receipt.text
    assert stock_of(shop, mug) == Decimal(7)  # damaged: not restocked


def test_returning_more_than_is_left_on_the_page_shows_the_error_and_records_nothing(
    browser: TestClient, shop: Store, db: object
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00")
    page = browser.get(f"/sales/{sale.id}/return")

    reply = browser.post(
        f"/sales/{sale.id}/return",
        data={"csrf": csrf_of(page.text), f"qty_{sale.lines[0].id}": "2"},
    )

    assert reply.status_code == 409
    assert 'id="return-error"' in reply.text
    assert stock_of(shop, mug) == Decimal(9)


def test_an_exchange_on_the_page_sells_the_new_item_and_takes_the_difference(
    browser: TestClient, shop: Store
) -> None:
    small = make_product(shop, price="10.00", stock=5)
    large = make_product(shop, price="16.00", stock=5, sku="LARGE-1")
    sale = make_sale(shop, [(small, 1)], total="10.00")
    page = browser.get(f"/sales/{sale.id}/return")

    reply = browser.post(
        f"/sales/{sale.id}/return",
        data={
            "csrf": csrf_of(page.text),
            f"qty_{sale.lines[0].id}": "1",
            "new_code_0": "LARGE-1",
            "new_qty_0": "1",
            "pay_with": str(shop.card.id),
        },
        follow_redirects=False,
    )

    assert reply.status_code == 303, reply.text
    assert (stock_of(shop, small), stock_of(shop, large)) == (Decimal(5), Decimal(4))


def test_a_cashier_sees_store_credit_but_only_a_manager_issues_it(
    app_client: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    issue_credit(shop, alice, "5.00")
    cashier = make_user(shop, role=Role.CASHIER)
    sign_in_as(app_client, cashier.username)
    page = app_client.get(f"/customers/{alice.id}/store-credit")
    assert page.status_code == 200
    assert 'id="issue-credit"' not in page.text
    refused = app_client.post(
        f"/customers/{alice.id}/store-credit",
        data={"csrf": csrf_of(page.text), "amount": "50"},
    )
    assert refused.status_code == 403
    assert credit_of(shop, alice) == (Decimal(5), Decimal(5))


def test_a_manager_issues_store_credit_from_the_profile_once_per_form(
    app_client: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    manager = make_user(shop, role=Role.MANAGER)
    sign_in_as(app_client, manager.username)
    page = app_client.get(f"/customers/{alice.id}/store-credit")
    form = {"csrf": csrf_of(page.text), "amount": "12.50", "client_id": "form-1"}

    for _ in range(2):  # a double click posts the same form twice
        reply = app_client.post(f"/customers/{alice.id}/store-credit", data=form)
        assert reply.status_code == 200

    assert credit_of(shop, alice) == (Decimal("12.50"), Decimal("12.50"))
    profile = app_client.get(f"/customers/{alice.id}")
    assert "12.50" in profile.text.split('id="store-credit-balance"')[1][:40]


def test_a_return_receipt_to_store_credit_shows_the_credit_left(
    browser: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 2)], total="28.00", customer_id=alice.id)
    back: Sale = make_return(shop, sale, return_lines(sale, (0, 1)), refund_to="store_credit")

    receipt = browser.get(f"/sales/{back.id}/receipt")

    assert 'data-testid="receipt-credit-left"' in receipt.text
    assert "14.00" in receipt.text.split('data-testid="receipt-credit-left"')[1][:40]


def test_the_exchange_difference_is_not_offered_on_a_card_terminal_the_page_cannot_drive(
    browser: TestClient, shop: Store
) -> None:
    terminal = make_terminal_type(shop, address="http://127.0.0.1:9", name="Carte (terminal)")
    sale = make_sale(shop, [(make_product(shop, price="10.00"), 1)], total="10.00")

    page = browser.get(f"/sales/{sale.id}/return")

    assert page.status_code == 200
    assert f'value="{shop.card.id}"' in page.text
    assert f'value="{terminal.id}"' not in page.text
