"""Settings > Till: admins set the cashier's discount limit, cash rounding, the largest line
quantity and the oldest offline sale; others see the page and cannot change it."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.store import service as store
from tests.factories import Store, csrf_of, make_user, sign_in_as

FORM = {
    "cashier_discount_limit": "15",
    "cash_rounding_increment": "0,05",
    "max_line_quantity": "500",
    "offline_sale_max_age_hours": "24",
    "quote_validity_days": "30",
    "layby_cancel_refund": "tenders",
}


def till(shop: Store) -> tuple[Decimal, Decimal | None, int, int]:
    with shop.db.read_sessions() as session:
        r = store.get_retailer(session)
        return (
            r.cashier_discount_limit,
            r.cash_rounding_increment,
            r.max_line_quantity,
            r.offline_sale_max_age_hours,
        )


def post(client: TestClient, **changes: str) -> object:
    page = client.get("/settings/till")
    return client.post(
        "/settings/till",
        data=FORM | changes | {"csrf": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_an_admin_sets_the_till(browser: TestClient, shop: Store) -> None:
    reply = post(browser)

    assert reply.status_code == 303  # type: ignore[attr-defined]
    assert till(shop) == (Decimal(15), Decimal("0.05"), 500, 24)
    page = browser.get("/settings/till")
    assert 'value="0.05"' in page.text and 'value="15"' in page.text
    assert 'class="primary">Save<' in page.text


def test_an_empty_increment_means_no_cash_rounding(browser: TestClient, shop: Store) -> None:
    post(browser)
    post(browser, cash_rounding_increment="")
    assert till(shop)[1] is None


def test_a_wrong_value_is_shown_and_nothing_changes(browser: TestClient, shop: Store) -> None:
    before = till(shop)
    for field, value in [
        ("cashier_discount_limit", "120"),
        ("cash_rounding_increment", "0.001"),
        ("max_line_quantity", "0"),
        ("offline_sale_max_age_hours", "many"),
    ]:
        reply = post(browser, **{field: value})
        assert reply.status_code == 422, field  # type: ignore[attr-defined]
        assert 'aria-invalid="true"' in reply.text  # type: ignore[attr-defined]
    assert till(shop) == before


def test_a_manager_sees_the_till_and_cannot_change_it(app_client: TestClient, shop: Store) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    sign_in_as(app_client, manager.username)
    before = till(shop)
    page = app_client.get("/settings/till")
    assert page.status_code == 200 and 'class="primary">Save<' not in page.text

    reply = app_client.post(
        "/settings/till", data=FORM | {"csrf": csrf_of(page.text)}, follow_redirects=False
    )

    assert reply.status_code == 403
    assert till(shop) == before


def test_an_admin_sets_how_long_a_quote_lasts_and_what_a_cancelled_layby_gives_back(
    browser: TestClient, shop: Store
) -> None:
    reply = post(browser, quote_validity_days="14", layby_cancel_refund="store_credit")
    assert reply.status_code == 303  # type: ignore[attr-defined]
    with shop.db.read_sessions() as session:
        r = store.get_retailer(session)
        assert (r.quote_validity_days, r.layby_cancel_refund) == (14, "store_credit")
    for field, value in [("quote_validity_days", "0"), ("layby_cancel_refund", "keep_half")]:
        assert post(browser, **{field: value}).status_code == 422, field  # type: ignore[attr-defined]
    with shop.db.read_sessions() as session:
        r = store.get_retailer(session)
        assert (r.quote_validity_days, r.layby_cancel_refund) == (14, "store_credit")
