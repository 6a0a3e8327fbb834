"""Caisse > Historique des ventes: tabs, filters, pages, time zones and outlet limits."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import insert

from comptoir.accounts.models import user_outlet
from comptoir.accounts.permissions import Role
from comptoir.sales import search
from tests.factories import (
    Store,
    make_customer,
    make_scoped_token,
    make_user,
    restate_sale,
    sign_in_as,
)
from tests.integration.history_support import a_history, annex_register, at, sale_on


def invoices_listed(html: str) -> list[str]:
    return re.findall(r'<tr data-invoice="([^"]+)"', html)


def test_the_history_lists_sales_newest_first(browser: TestClient, shop: Store) -> None:
    h = a_history(shop)
    old = sale_on(shop, h.mug, "2024-03-01T10:00")
    new = sale_on(shop, h.mug, "2024-03-02T10:00")
    reply = browser.get("/sales")
    assert reply.status_code == 200
    assert invoices_listed(reply.text) == [new.invoice_number, old.invoice_number]
    assert 'href="/sales"' in reply.text  # the nav entry


def test_pages_cover_every_sale_once_even_when_sales_share_a_second(shop: Store) -> None:
    h = a_history(shop)
    made = [sale_on(shop, h.mug, f"2024-03-0{1 + i % 3}T10:00") for i in range(7)]
    seen: list[str] = []
    after = None
    with shop.db.read_sessions() as session:
        while True:
            page = search.page_history(
                session, search=search.SaleSearch(), after=after, page_size=2
            )
            seen += [str(s.id) for s in page.sales]
            if page.next_cursor is None:
                break
            after = page.next_cursor
    assert sorted(seen) == sorted(str(s.id) for s in made)
    assert len(seen) == len(set(seen))


def test_the_next_page_link_continues_after_the_last_sale_shown(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    for day in range(1, 10):
        for hour in range(10, 16):
            sale_on(shop, h.mug, f"2024-03-0{day}T{hour}:00")
    first = browser.get("/sales")
    shown = invoices_listed(first.text)
    assert len(shown) == search.PAGE_SIZE
    link = re.search(r'href="([^"]+)" id="next-page"', first.text)
    assert link is not None
    second = invoices_listed(browser.get(link.group(1).replace("&amp;", "&")).text)
    assert len(second) == 54 - search.PAGE_SIZE
    assert not set(shown) & set(second)


def test_the_returns_tab_lists_returns_only(browser: TestClient, shop: Store) -> None:
    h = a_history(shop)
    original = sale_on(shop, h.mug, "2024-03-01T10:00")
    give_back = sale_on(shop, h.mug, "2024-03-02T10:00", return_for=original.id)
    assert invoices_listed(browser.get("/sales?tab=returns").text) == [give_back.invoice_number]


def test_the_in_progress_tab_lists_parked_layby_on_account_and_quotes(
    browser: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    parked = sale_on(shop, h.mug, "2024-03-01T10:00", status="SAVED", state="parked")
    quote = sale_on(shop, h.mug, "2024-03-02T10:00", status="SAVED", is_quote=True)
    layby = sale_on(shop, h.mug, "2024-03-03T10:00", status="LAYBY", state="pending")
    account = sale_on(shop, h.mug, "2024-03-04T10:00", status="ONACCOUNT", state="pending")
    sale_on(shop, h.mug, "2024-03-05T10:00")  # closed
    sale_on(shop, h.mug, "2024-03-06T10:00", status="VOIDED", state="voided")
    sale_on(shop, h.mug, "2024-03-07T10:00", status="LAYBY_CLOSED")
    listed = invoices_listed(browser.get("/sales?tab=in_progress").text)
    assert listed == [s.invoice_number for s in (account, layby, quote, parked)]


def test_each_filter_keeps_only_the_sales_it_names(browser: TestClient, shop: Store) -> None:
    h = a_history(shop)
    annex = annex_register(shop)
    clerk = make_user(shop, role=Role.CASHIER)
    customer = make_customer(shop, first_name="Ada", customer_code="ADA-1", email="ada@example.com")
    plain = sale_on(shop, h.mug, "2024-03-01T10:00")
    at_annex = sale_on(
        shop, h.mug, "2024-03-02T10:00", register_id=annex.id, outlet_id=annex.outlet_id
    )
    by_clerk = sale_on(shop, h.mug, "2024-03-03T10:00", user_id=clerk.id)
    for_ada = sale_on(shop, h.mug, "2024-03-04T10:00", customer_id=customer.id)
    parked = sale_on(shop, h.mug, "2024-03-05T10:00", status="SAVED")
    of_tea = sale_on(shop, h.tea, "2024-03-06T10:00", total="4.00")
    restate_sale(shop, plain, invoice_number="FIND-ME")
    cases = {
        f"register={annex.id}": [at_annex],
        f"outlet={annex.outlet_id}": [at_annex],
        f"seller={clerk.id}": [by_clerk],
        "customer=ADA-1": [for_ada],
        "customer=ada@example.com": [for_ada],
        "status=SAVED": [parked],
        "product=TEA-1": [of_tea],
    }
    for query, wanted in cases.items():
        listed = invoices_listed(browser.get(f"/sales?{query}").text)
        assert listed == [s.invoice_number for s in wanted], query
    assert invoices_listed(browser.get("/sales?invoice=FIND-ME").text) == ["FIND-ME"]


def test_dates_are_days_on_the_outlets_clock(browser: TestClient, shop: Store) -> None:
    """Paris is UTC+1 in March: 23:30 UTC on the 10th is already the 11th at the shop."""
    h = a_history(shop)
    late_on_10th = sale_on(shop, h.mug, "2024-03-10T22:59")
    early_on_11th = sale_on(shop, h.mug, "2024-03-10T23:30")
    on_11th = invoices_listed(browser.get("/sales?from=2024-03-11&to=2024-03-11").text)
    on_10th = invoices_listed(browser.get("/sales?from=2024-03-10&to=2024-03-10").text)
    assert on_11th == [early_on_11th.invoice_number]
    assert on_10th == [late_on_10th.invoice_number]


def test_day_bounds_follow_summer_time() -> None:
    start, end = search.day_bounds(
        first_day=at("2024-03-31T00:00").date(),
        last_day=at("2024-03-31T00:00").date(),
        time_zone="Europe/Paris",
    )
    assert (start, end) == (at("2024-03-30T23:00"), at("2024-03-31T22:00"))


def test_a_bad_date_or_register_is_a_clear_error(browser: TestClient, shop: Store) -> None:
    assert browser.get("/sales?from=31/03/2024").status_code == 422
    assert browser.get("/sales?register=nope").status_code == 422
    assert browser.get("/sales?customer=NOBODY").status_code == 422


def limit_to(shop: Store, user_id: object, outlet_id: object) -> None:
    with shop.uow() as uow:
        uow.session.execute(insert(user_outlet), [{"user_id": user_id, "outlet_id": outlet_id}])
        uow.commit()


def test_a_user_limited_to_an_outlet_sees_only_its_sales(
    app_client: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    annex = annex_register(shop)
    clerk = make_user(shop, role=Role.CASHIER)
    limit_to(shop, clerk.id, shop.outlet.id)
    here = sale_on(shop, h.mug, "2024-03-01T10:00")
    there = sale_on(
        shop, h.mug, "2024-03-02T10:00", register_id=annex.id, outlet_id=annex.outlet_id
    )
    sign_in_as(app_client, clerk.username)
    assert invoices_listed(app_client.get("/sales").text) == [here.invoice_number]
    assert invoices_listed(app_client.get(f"/sales?outlet={annex.outlet_id}").text) == []
    assert app_client.get(f"/sales/{there.id}").status_code == 404
    assert app_client.get(f"/sales/{here.id}").status_code == 200


def test_a_token_without_sales_read_cannot_open_the_history(
    app_client: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    sale = sale_on(shop, h.mug, "2024-03-01T10:00")
    token = make_scoped_token(shop, shop.owner, scopes=["products:read"])
    headers = {"Authorization": f"Bearer {token}"}
    assert app_client.get("/sales", headers=headers).status_code == 403
    assert app_client.get(f"/sales/{sale.id}", headers=headers).status_code == 403


def test_a_receipts_barcode_finds_its_sale_with_its_lines_in_the_users_outlets(
    shop: Store,
) -> None:
    h = a_history(shop)
    annex = annex_register(shop)
    here = sale_on(shop, h.mug, "2024-03-01T10:00", invoice_number="R-7")
    there = sale_on(
        shop,
        h.tea,
        "2024-03-02T10:00",
        total="4.00",
        register_id=annex.id,
        outlet_id=annex.outlet_id,
        invoice_number="R-7",
    )
    with shop.db.read_sessions() as session:
        newest = search.find_by_invoice(session, invoice_number="R-7")
        assert newest is not None and newest.id == there.id
        assert [line.sku for line in newest.lines] == ["TEA-1"]
        mine = search.find_by_invoice(
            session, invoice_number="R-7", visible_outlet_ids=[shop.outlet.id]
        )
        assert mine is not None and mine.id == here.id
        assert search.find_by_invoice(session, invoice_number="R-8") is None
