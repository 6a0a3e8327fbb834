"""The back office's customer list: search and group filter apply before the page is cut,
so a group search shows every match, page after page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from comptoir.customers import groups, listing
from comptoir.customers.models import Customer, CustomerGroup
from tests.factories import Store, make_customer


def make_group(shop: Store, name: str) -> CustomerGroup:
    with shop.uow() as uow:
        return groups.create_group(uow, name=name)


def codes(customers: list[Customer]) -> list[str]:
    return [c.customer_code for c in customers]


def crowd(shop: Store, vip: CustomerGroup, *, in_vip: int, elsewhere: int) -> set[str]:
    """Martins in the group and out of it, Durands in it; the codes of the VIP Martins."""
    wanted = set()
    for n in range(in_vip):
        # The Aarons out of the group sort before these Zoés: the old list kept the first
        # 50 search matches by name, then the group's members among them.
        customer = make_customer(
            shop, first_name="Zoé", last_name=f"Martin {n}", customer_group_id=str(vip.id)
        )
        wanted.add(customer.customer_code)
    for n in range(elsewhere):
        make_customer(shop, first_name="Aaron", last_name=f"Martin {n}")
    for n in range(3):
        make_customer(
            shop, first_name="Paul", last_name=f"Durand {n}", customer_group_id=str(vip.id)
        )
    return wanted


def test_a_group_search_finds_every_match_across_pages(shop: Store) -> None:
    vip = make_group(shop, "VIP")
    wanted = crowd(shop, vip, in_vip=12, elsewhere=8)

    pages: list[list[Customer]] = []
    before = None
    with shop.db.read_sessions() as session:
        while True:
            page = listing.list_customers(
                session, text="martin", group_id=vip.id, before=before, page_size=5
            )
            pages.append(page.customers)
            if page.next_before is None:
                break
            before = page.next_before

    assert [len(p) for p in pages] == [5, 5, 2]
    found = [code for p in pages for code in codes(p)]
    assert len(found) == len(set(found)) == 12
    assert set(found) == wanted


def test_the_list_is_newest_first_and_an_exact_code_finds_one_customer(shop: Store) -> None:
    first = make_customer(shop, first_name="Léa", customer_code="LOYAL-1")
    second = make_customer(shop, first_name="Léa", last_name="Loyal")

    with shop.db.read_sessions() as session:
        everyone = listing.list_customers(session)
        by_code = listing.list_customers(session, text="LOYAL-1")
        by_name = listing.list_customers(session, text="lea")

    assert codes(everyone.customers) == [second.customer_code, first.customer_code]
    assert codes(by_code.customers) == ["LOYAL-1"]
    assert codes(by_name.customers) == [second.customer_code, first.customer_code]
    assert everyone.next_before is None


def test_the_list_page_pages_a_group_search_to_its_last_match(
    browser: TestClient, shop: Store
) -> None:
    vip = make_group(shop, "VIP")
    wanted = crowd(shop, vip, in_vip=55, elsewhere=50)

    first = browser.get("/customers", params={"q": "martin", "group": str(vip.id)})
    link = re.search(r'href="\?([^"]+)" id="next-page"', first.text)
    assert link, "no next page"
    second = browser.get("/customers?" + link.group(1).replace("&amp;", "&"))

    shown = re.findall(r'data-code="([^"]+)"', first.text)
    more = re.findall(r'data-code="([^"]+)"', second.text)
    assert (len(shown), len(more)) == (50, 5)
    assert set(shown) | set(more) == wanted
    assert 'id="next-page"' not in second.text
