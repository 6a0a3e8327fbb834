"""Customers in the back office: list, search, form, profile, sales, groups, GDPR pages."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.customers.models import Customer, CustomerGroup
from comptoir.store import service as store
from tests.factories import (
    Store,
    csrf_of,
    make_customer,
    make_product,
    make_sale,
    make_user,
    sign_in_as,
)


@pytest.fixture
def owner_browser(app_client: TestClient, shop: Store) -> TestClient:
    return sign_in_as(app_client, shop.owner.username)


def find(shop: Store, **where: str) -> list[Customer]:
    with shop.db.read_sessions() as session:
        query = select(Customer)
        for name, value in where.items():
            query = query.where(getattr(Customer, name) == value)
        return list(session.scalars(query))


@pytest.mark.parametrize(
    "path", ["/customers", "/customers/new", "/customers/groups", "/customers/inactive"]
)
def test_customer_pages_render_without_inline_scripts(owner_browser: TestClient, path: str) -> None:
    reply = owner_browser.get(path)
    assert reply.status_code == 200, reply.text
    assert "<script>" not in reply.text
    assert 'href="/customers"' in reply.text


def test_the_form_creates_a_customer_and_shows_the_profile(
    owner_browser: TestClient, shop: Store
) -> None:
    form = owner_browser.get("/customers/new")
    reply = owner_browser.post(
        "/customers/new",
        data={
            "csrf": csrf_of(form.text),
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea@example.fr",
            "date_of_birth": "1985-04-23",
            "physical_city": "Lyon",
            "enable_loyalty": "on",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    (created,) = find(shop, email="lea@example.fr")
    assert created.enable_loyalty and not created.do_not_email
    page = owner_browser.get(reply.headers["location"])
    assert "Léa Martin" in page.text and created.customer_code in page.text


def test_a_refused_form_shows_the_error_by_its_field_and_keeps_the_input(
    owner_browser: TestClient, shop: Store
) -> None:
    form = owner_browser.get("/customers/new")
    reply = owner_browser.post(
        "/customers/new",
        data={"csrf": csrf_of(form.text), "first_name": "Léa", "email": "nope"},
    )
    assert reply.status_code == 422
    assert 'id="e-email"' in reply.text and 'value="Léa"' in reply.text
    assert find(shop) == []


def test_a_form_without_the_csrf_token_is_refused(owner_browser: TestClient, shop: Store) -> None:
    reply = owner_browser.post("/customers/new", data={"first_name": "Léa"})
    assert reply.status_code == 403
    assert find(shop) == []


def test_editing_changes_the_customer(owner_browser: TestClient, shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa", last_name="Martin")
    form = owner_browser.get(f"/customers/{customer.id}/edit")
    assert 'value="Martin"' in form.text
    reply = owner_browser.post(
        f"/customers/{customer.id}/edit",
        data={
            "csrf": csrf_of(form.text),
            "first_name": "Léa",
            "last_name": "Dubois",
            "customer_code": customer.customer_code,
            "customer_group_id": str(customer.customer_group_id),
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    assert find(shop, id=customer.id)[0].last_name == "Dubois"  # type: ignore[arg-type]


def test_the_list_searches_and_the_profile_lists_the_sales(
    owner_browser: TestClient, shop: Store
) -> None:
    lea = make_customer(shop, first_name="Léa", last_name="Martin")
    make_customer(shop, first_name="Hugo")
    product = make_product(shop, price="7.50", name="Thé vert")
    sale = make_sale(shop, [(product, 2)], total="15.00", customer_id=lea.id)
    found = owner_browser.get("/customers", params={"q": "lea mar"})
    assert lea.customer_code in found.text and "Hugo" not in found.text
    sales = owner_browser.get(f"/customers/{lea.id}/sales")
    assert sale.invoice_number in sales.text and "Thé vert" in sales.text


def test_the_list_pages_newest_first_without_repeats(
    owner_browser: TestClient, shop: Store
) -> None:
    made = [make_customer(shop, first_name=f"N{i:02d}") for i in range(55)]
    first = owner_browser.get("/customers")
    codes_first = [c.customer_code for c in made if f'data-code="{c.customer_code}"' in first.text]
    assert len(codes_first) == 50
    next_link = first.text.split('class="pager"')[1].split('href="')[1].split('"')[0]
    second = owner_browser.get("/customers" + next_link.replace("&amp;", "&"))
    codes_second = [
        c.customer_code for c in made if f'data-code="{c.customer_code}"' in second.text
    ]
    assert len(codes_second) == 5
    assert set(codes_first).isdisjoint(codes_second)


def test_groups_are_managed_from_their_page(owner_browser: TestClient, shop: Store) -> None:
    page = owner_browser.get("/customers/groups")
    token = csrf_of(page.text)
    created = owner_browser.post(
        "/customers/groups", data={"csrf": token, "action": "create", "name": "VIP"}
    )
    assert created.status_code == 200 and 'data-group="VIP"' in created.text
    with shop.db.read_sessions() as session:
        vip = session.scalars(select(CustomerGroup).where(CustomerGroup.name == "VIP")).one()
    duplicate = owner_browser.post(
        "/customers/groups", data={"csrf": token, "action": "create", "name": "vip"}
    )
    assert duplicate.status_code == 422
    owner_browser.post(
        "/customers/groups",
        data={"csrf": token, "action": "rename", "group_id": str(vip.id), "name": "Fidèles"},
    )
    deleted = owner_browser.post(
        "/customers/groups", data={"csrf": token, "action": "delete", "group_id": str(vip.id)}
    )
    assert "Fidèles" not in deleted.text


def test_the_list_exports_as_csv_and_xlsx(owner_browser: TestClient, shop: Store) -> None:
    make_customer(shop, first_name="Léa", email="lea@example.fr")
    reply = owner_browser.get("/customers/export.csv")
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["customer_code", "first_name", "last_name"]
    assert rows[1][1] == "Léa"
    xlsx = owner_browser.get("/customers/export.xlsx")
    assert xlsx.content[:2] == b"PK"


def test_gdpr_export_and_erasure_from_the_profile(owner_browser: TestClient, shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa", email="lea@example.fr")
    page = owner_browser.get(f"/customers/{customer.id}")
    token = csrf_of(page.text)
    exported = owner_browser.post(
        f"/customers/{customer.id}/gdpr-export.json", data={"csrf": token}
    )
    assert json.loads(exported.content)["profile"]["email"] == "lea@example.fr"
    as_csv = owner_browser.post(f"/customers/{customer.id}/gdpr-export.csv", data={"csrf": token})
    assert "profile,,email,lea@example.fr" in as_csv.content.decode("utf-8-sig")
    unconfirmed = owner_browser.post(f"/customers/{customer.id}/erase", data={"csrf": token})
    assert unconfirmed.status_code == 422
    assert find(shop, email="lea@example.fr")
    erased = owner_browser.post(
        f"/customers/{customer.id}/erase",
        data={"csrf": token, "confirm": "on"},
        follow_redirects=False,
    )
    assert erased.status_code == 303
    assert find(shop, email="lea@example.fr") == []


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/customers/inactive", "GET"),
        ("/customers/groups", "POST"),
    ],
)
def test_a_cashier_is_refused_gdpr_and_group_management(
    app_client: TestClient, shop: Store, path: str, method: str
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, cashier.username)
    token = csrf_of(browser.get("/customers").text)
    reply = browser.request(
        method, path, data={"csrf": token, "name": "X"} if method == "POST" else None
    )
    assert reply.status_code == 403


def test_a_cashier_sees_no_gdpr_buttons(app_client: TestClient, shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa")
    cashier = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, cashier.username)
    page = browser.get(f"/customers/{customer.id}")
    assert page.status_code == 200
    assert "/erase" not in page.text and "gdpr-export" not in page.text


@pytest.mark.parametrize(("years", "status", "kept"), [("5", 303, 5), ("0", 422, 3), ("x", 422, 3)])
def test_the_review_period_is_a_store_setting(
    owner_browser: TestClient, shop: Store, years: str, status: int, kept: int
) -> None:
    page = owner_browser.get("/settings")
    assert 'name="customer_inactivity_years" type="number" value="3"' in page.text
    reply = owner_browser.post(
        "/settings",
        data={
            "csrf": csrf_of(page.text),
            "name": "Shop",
            "currency": "EUR",
            "time_zone": "Europe/Paris",
            "locale": "en",
            "sku_sequence_value": "1000",
            "customer_inactivity_years": years,
        },
        follow_redirects=False,
    )
    assert reply.status_code == status
    with shop.db.read_sessions() as session:
        assert store.get_retailer(session).customer_inactivity_years == kept
    review = owner_browser.get("/customers/inactive")
    assert f'value="{kept}"' in review.text


def upload(browser: TestClient, content: bytes, name: str = "customers.csv") -> Any:
    token = csrf_of(browser.get("/customers/import").text)
    return browser.post(
        "/customers/import",
        data={"csrf": token},
        files={"file": (name, content, "text/csv")},
    )


def test_the_import_page_imports_a_good_file(owner_browser: TestClient, shop: Store) -> None:
    reply = upload(owner_browser, "first_name,email\nLéa,lea@example.fr\n".encode())
    assert reply.status_code == 200 and 'id="import-done"' in reply.text
    assert 'data-count="created">1<' in reply.text
    assert [c.first_name for c in find(shop, email="lea@example.fr")] == ["Léa"]


def test_the_import_page_gives_the_error_file_and_imports_nothing(
    owner_browser: TestClient, shop: Store
) -> None:
    reply = upload(owner_browser, b"first_name,email\nLea,nope\nHugo,hugo@example.fr\n")
    assert 'id="import-refused"' in reply.text
    job_path = str(reply.url.path)
    errors = owner_browser.get(f"{job_path}/errors")
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "errors" and rows[1][0] == "Lea" and rows[1][-1]
    assert find(shop) == []


def test_warnings_wait_for_continue_anyway(owner_browser: TestClient, shop: Store) -> None:
    reply = upload(owner_browser, b"first_name,date_of_birth\nLea,someday\n")
    assert 'id="import-warned"' in reply.text and find(shop) == []
    job_path = str(reply.url.path)
    done = owner_browser.post(f"{job_path}/continue", data={"csrf": csrf_of(reply.text)})
    assert 'id="import-done"' in done.text
    assert [c.first_name for c in find(shop)] == ["Lea"]
    again = owner_browser.post(f"{job_path}/continue", data={"csrf": csrf_of(reply.text)})
    assert again.status_code == 409
    assert len(find(shop)) == 1


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_page(
    owner_browser: TestClient, shop: Store
) -> None:
    reply = upload(owner_browser, b"not a zip at all", name="customers.xlsx")
    assert 'id="import-failed"' in reply.text
    assert find(shop) == []


def test_a_cashier_cannot_import_customers(app_client: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, cashier.username)
    assert browser.get("/customers/import").status_code == 403
    assert 'id="import-customers"' not in browser.get("/customers").text
