"""Back office pages and sign-in through the browser routes (HTML, forms, CSRF, locale)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from comptoir.store import service as store
from tests.factories import OWNER_EMAIL, OWNER_PASSWORD, Store, csrf_of, make_product, sign_in


def test_pages_redirect_to_sign_in_when_signed_out(app_client: TestClient, shop: Store) -> None:
    reply = app_client.get("/products", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=/products"


def test_wrong_password_shows_the_same_message_and_opens_no_session(
    app_client: TestClient, shop: Store
) -> None:
    reply = sign_in(app_client, password="wrong password")
    assert reply.status_code == 401
    assert "Wrong username or password." in reply.text
    assert "comptoir_session" not in reply.cookies
    assert app_client.get("/sell", follow_redirects=False).status_code == 303


def test_sign_in_sets_an_httponly_session_cookie_and_lands_on_next(
    app_client: TestClient, shop: Store
) -> None:
    reply = sign_in(app_client, next_url="/products")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/products"
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_to_another_site(
    app_client: TestClient, shop: Store, target: str
) -> None:
    assert sign_in(app_client, next_url=target).headers["location"] == "/sell"


def test_sign_in_form_without_its_csrf_token_is_refused(
    app_client: TestClient, shop: Store
) -> None:
    app_client.get("/login")
    reply = app_client.post(
        "/login", data={"username": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf": "forged"}
    )
    assert reply.status_code == 403
    assert app_client.get("/sell", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(browser: TestClient) -> None:
    page = browser.get("/sell")
    reply = browser.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert reply.status_code == 303
    assert browser.get("/sell", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        "/sell",
        "/products",
        "/settings",
        "/settings/outlets",
        "/settings/registers",
        "/settings/taxes",
        "/settings/payment-types",
    ],
)
def test_every_back_office_page_renders_with_security_headers(
    browser: TestClient, path: str
) -> None:
    reply = browser.get(path)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert "'unsafe-inline'" not in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in reply.text  # no inline script: the CSP would block it


def test_pages_speak_the_store_language(browser: TestClient, shop: Store) -> None:
    assert "Sign out" in browser.get("/sell").text
    with shop.uow() as uow:
        r = store.get_retailer(uow.session)
        store.update_retailer(
            uow,
            settings=store.RetailerSettings(
                name=r.name,
                currency=r.currency,
                time_zone=r.time_zone,
                locale="fr",
                tax_exclusive=r.tax_exclusive,
                sku_sequence_enabled=True,
                sku_sequence_value=r.sku_sequence_value,
                default_tax_id=r.default_tax_id,
            ),
        )
    page = browser.get("/sell").text
    assert "Se déconnecter" in page and "Encaisser" in page


def test_products_page_lists_stock_per_outlet(browser: TestClient, shop: Store) -> None:
    make_product(shop, name="Teapot", stock=7, sku="TEA-1")
    page = browser.get("/products?q=teapot").text
    assert "Teapot" in page
    assert re.search(r'data-sku="TEA-1".*?class="num stock"[^>]*>7<', page, re.S)


def test_creating_an_outlet_from_its_form(browser: TestClient, shop: Store) -> None:
    token = csrf_of(browser.get("/settings/outlets").text)
    reply = browser.post(
        "/settings/outlets",
        data={"csrf": token, "name": "Lyon", "time_zone": "Europe/Paris", "physical_city": "Lyon"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    with shop.db.read_sessions() as session:
        assert "Lyon" in [o.name for o in store.list_outlets(session)]


def test_a_refused_form_shows_the_error_by_its_field_and_changes_nothing(
    browser: TestClient, shop: Store
) -> None:
    token = csrf_of(browser.get("/settings/outlets").text)
    reply = browser.post(
        "/settings/outlets", data={"csrf": token, "name": "Main", "time_zone": "Europe/Paris"}
    )
    assert reply.status_code == 422
    assert 'id="e-name"' in reply.text
    with shop.db.read_sessions() as session:
        assert [o.name for o in store.list_outlets(session)] == ["Main"]


def test_a_form_post_without_the_csrf_token_is_refused(browser: TestClient, shop: Store) -> None:
    reply = browser.post("/settings/outlets", data={"name": "Forged", "time_zone": "Europe/Paris"})
    assert reply.status_code == 403
    with shop.db.read_sessions() as session:
        assert "Forged" not in [o.name for o in store.list_outlets(session)]


def test_store_settings_form_saves_tax_display_and_sku_generation(
    browser: TestClient, shop: Store
) -> None:
    token = csrf_of(browser.get("/settings").text)
    reply = browser.post(
        "/settings",
        data={
            "csrf": token,
            "name": "Renamed",
            "currency": "CHF",
            "time_zone": "Europe/Zurich",
            "locale": "en",
            "tax_exclusive": "on",
            "default_tax_id": str(shop.reduced_tax.id),
            "sku_sequence_value": "500",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303
    with shop.db.read_sessions() as session:
        r = store.get_retailer(session)
        assert (r.name, r.currency, r.time_zone, r.tax_exclusive) == (
            "Renamed",
            "CHF",
            "Europe/Zurich",
            True,
        )
        assert (r.sku_sequence_enabled, r.sku_sequence_value) == (False, 500)
        assert r.default_tax_id == shop.reduced_tax.id


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "XXY"), ("time_zone", "Mars/Olympus"), ("sku_sequence_value", "ten")],
)
def test_store_settings_refuse_bad_values(
    browser: TestClient, shop: Store, field: str, value: str
) -> None:
    token = csrf_of(browser.get("/settings").text)
    data = {
        "csrf": token,
        "name": "Shop",
        "currency": "EUR",
        "time_zone": "Europe/Paris",
        "locale": "en",
        "sku_sequence_value": "1000",
        field: value,
    }
    reply = browser.post("/settings", data=data)
    assert reply.status_code == 422
    assert f'id="e-{field}"' in reply.text
    with shop.db.read_sessions() as session:
        assert store.get_retailer(session).name == "Test shop"


def test_a_tax_is_made_of_rates_entered_in_percent(browser: TestClient, shop: Store) -> None:
    token = csrf_of(browser.get("/settings/taxes").text)
    reply = browser.post(
        "/settings/taxes",
        data={
            "csrf": token,
            "name": "Québec",
            "rate_name_0": "GST",
            "rate_percent_0": "5",
            "rate_name_1": "QST",
            "rate_percent_1": "9,975",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303
    with shop.db.read_sessions() as session:
        tax = next(t for t in store.list_taxes(session) if t.name == "Québec")
        assert [(r.name, r.rate) for r in tax.rates] == [
            ("GST", Decimal("0.05")),
            ("QST", Decimal("0.09975")),
        ]


def test_registers_and_payment_types_are_created_from_their_forms(
    browser: TestClient, shop: Store
) -> None:
    token = csrf_of(browser.get("/settings/registers").text)
    reply = browser.post(
        "/settings/registers",
        data={
            "csrf": token,
            "name": "Till 2",
            "outlet_id": str(shop.outlet.id),
            "invoice_prefix": "B-",
            "invoice_sequence": "100",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303
    reply = browser.post(
        "/settings/payment-types",
        data={"csrf": token, "name": "Gift voucher", "type_id": "6"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    with shop.db.read_sessions() as session:
        till = next(r for r in store.list_registers(session) if r.name == "Till 2")
        assert (till.invoice_prefix, till.invoice_sequence) == ("B-", 100)
        assert "Gift voucher" in [p.name for p in store.list_payment_types(session)]


def test_browser_api_calls_need_the_csrf_header(browser: TestClient, shop: Store) -> None:
    product = make_product(shop, price="5.00")
    body = {
        "register_id": str(shop.register.id),
        "state": "closed",
        "register_sale_products": [{"product_id": str(product.id), "quantity": 1}],
        "register_sale_payments": [
            {"retailer_payment_type_id": str(shop.cash.id), "amount": "5.00"}
        ],
    }
    assert browser.post("/api/register_sales", json=body).status_code == 403
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/sell").text).group(1)
    reply = browser.post("/api/register_sales", json=body, headers={"X-CSRF-Token": token})
    assert reply.status_code == 200, reply.text


def test_receipt_shows_lines_tax_breakdown_and_change(browser: TestClient, shop: Store) -> None:
    product = make_product(shop, price="8.90", tax=shop.reduced_tax, name="Coffee")
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/sell").text).group(1)
    body = {
        "register_id": str(shop.register.id),
        "state": "closed",
        "register_sale_products": [{"product_id": str(product.id), "quantity": 2}],
        "register_sale_payments": [{"retailer_payment_type_id": str(shop.cash.id), "amount": "20"}],
    }
    sale = browser.post("/api/register_sales", json=body, headers={"X-CSRF-Token": token}).json()
    page = browser.get(f"/sales/{sale['register_sale']['id']}/receipt").text
    assert "Coffee" in page and "T1-1" in page
    assert "€17.80" in page and "€2.20" in page  # total, change
    assert "VAT 5.5%" in page  # the tax line by rate


def test_api_docs_are_served_without_a_cdn(app_client: TestClient) -> None:
    page = app_client.get("/docs")
    assert page.status_code == 200
    assert "http" not in page.text.split("<body>")[1]
    assert app_client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
