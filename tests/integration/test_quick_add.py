"""Quick add from the sell screen: who may, what it creates, CSRF, bad input changes
nothing, and the same quick add sent twice creates one product."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts import permissions
from comptoir.accounts.permissions import Permission, Role
from comptoir.catalog import products
from comptoir.catalog.models import Product
from comptoir.store.models import Retailer
from tests.factories import (
    Store,
    count_rows,
    decimal_json,
    make_family,
    make_product,
    make_user,
    sign_in,
    sign_in_as,
)

CSRF_META = 'name="csrf-token" content="'


def csrf_header(browser: TestClient) -> dict[str, str]:
    page = browser.get("/sell").text
    start = page.index(CSRF_META) + len(CSRF_META)
    return {"X-CSRF-Token": page[start : page.index('"', start)]}


@pytest.fixture
def cashier(app_client: TestClient, shop: Store) -> TestClient:
    clerk = make_user(shop, role=Role.CASHIER)
    return sign_in_as(app_client, clerk.username)


def quick_add(browser: TestClient, **body: Any) -> Any:
    body.setdefault("client_id", str(uuid.uuid4()))
    return browser.post("/sell/quick_add", json=body, headers=csrf_header(browser))


def sku_sequence(shop: Store) -> int:
    with shop.db.read_sessions() as session:
        value = session.scalar(select(Retailer.sku_sequence_value))
        assert value is not None
        return value


def test_a_cashier_quick_adds_a_product_that_is_sellable_and_searchable_at_once(
    cashier: TestClient, shop: Store
) -> None:
    reply = quick_add(cashier, name="Carte postale Lyon", price="2.50", barcode="3760000000123")
    assert reply.status_code == 201, reply.text
    product = decimal_json(reply)["data"]
    assert product["name"] == "Carte postale Lyon"
    assert product["price_including_tax"] == Decimal("2.5")  # the store is tax-inclusive
    assert product["tax_id"] == str(shop.standard_tax.id)  # the store's default
    assert product["product_codes"] == [{"type": "EAN", "code": "3760000000123"}]
    assert product["sku"].isdigit()  # generated
    for typed in ("carte lyon", "3760000000123", product["sku"]):
        found = cashier.get("/api/2.0/search", params={"type": "products", "q": typed}).json()
        assert [p["id"] for p in found["data"]] == [product["id"]], typed
    # And it sells: the sale records it.
    sale = cashier.post(
        "/api/register_sales",
        json={
            "register_id": str(shop.register.id),
            "state": "closed",
            "register_sale_products": [{"product_id": product["id"], "quantity": 1}],
            "register_sale_payments": [
                {"retailer_payment_type_id": str(shop.cash.id), "amount": "2.50"}
            ],
        },
        headers=csrf_header(cashier),
    )
    assert sale.status_code in (200, 201), sale.text


@pytest.mark.parametrize(
    ("code", "kind", "field"),
    [("3760000000123", "EAN", "barcode"), ("BOX-12", "CUSTOM", "barcode"), ("PC-LY", None, "sku")],
)
def test_a_scanned_code_is_an_ean_barcode_and_anything_else_a_custom_code_or_the_sku(
    cashier: TestClient, shop: Store, code: str, kind: str | None, field: str
) -> None:
    product = quick_add(cashier, name="Carte", price="1", **{field: code}).json()["data"]
    if kind is None:
        assert product["sku"] == code and product["product_codes"] == []
    else:
        assert product["product_codes"] == [{"type": kind, "code": code}]


def test_the_same_quick_add_sent_again_returns_the_first_product(
    cashier: TestClient, shop: Store
) -> None:
    client_id = str(uuid.uuid4())
    first = quick_add(cashier, client_id=client_id, name="Magnet", price="4")
    again = quick_add(cashier, client_id=client_id, name="Magnet", price="4")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"] == client_id
    assert count_rows(shop.db, Product) == 1
    other = quick_add(cashier, name="Magnet", price="4")  # a new quick add: a new product
    assert other.status_code == 201 and other.json()["data"]["id"] != first.json()["data"]["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "price": "3"},
        {"name": "   ", "price": "3"},
        {"name": "Magnet", "price": "-1"},
        {"name": "Magnet", "price": "trois"},
        {"name": "Magnet", "price": "1.123456"},
        {"name": "Magnet"},
        {"name": "Magnet", "price": "3", "sku": "TAKEN"},
        {"name": "Magnet", "price": "3", "barcode": "3760000000017"},
        {"name": "M" * 256, "price": "3"},
        {"name": "Magnet", "price": "3", "client_id": "not-a-uuid"},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    cashier: TestClient, shop: Store, body: dict[str, Any]
) -> None:
    make_product(shop, name="Existing", sku="TAKEN", barcode="3760000000017")
    before = count_rows(shop.db, Product)
    sequence = sku_sequence(shop)
    reply = quick_add(cashier, **body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]
    assert count_rows(shop.db, Product) == before
    assert sku_sequence(shop) == sequence


def test_a_refused_quick_add_can_be_sent_again_corrected_with_the_same_id(
    cashier: TestClient, shop: Store
) -> None:
    client_id = str(uuid.uuid4())
    assert quick_add(cashier, client_id=client_id, name="", price="3").status_code == 422
    assert quick_add(cashier, client_id=client_id, name="Magnet", price="3").status_code == 201


@pytest.mark.parametrize("token", [None, "forged"])
def test_quick_add_needs_the_csrf_header(
    cashier: TestClient, shop: Store, token: str | None
) -> None:
    headers = {"X-CSRF-Token": token} if token else {}
    body = {"client_id": str(uuid.uuid4()), "name": "Magnet", "price": "3"}
    reply = cashier.post("/sell/quick_add", json=body, headers=headers)
    assert reply.status_code == 403
    assert count_rows(shop.db, Product) == 0


def test_quick_add_needs_its_permission_and_the_sell_screen_offers_it_only_then(
    cashier: TestClient, shop: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert 'id="quick-add-open"' in cashier.get("/sell").text
    headers = csrf_header(cashier)
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.CASHIER,
        permissions.ROLE_PERMISSIONS[Role.CASHIER] - {Permission.QUICK_ADD_PRODUCT},
    )
    body = {"client_id": str(uuid.uuid4()), "name": "Magnet", "price": "3"}
    assert cashier.post("/sell/quick_add", json=body, headers=headers).status_code == 403
    assert count_rows(shop.db, Product) == 0
    page = cashier.get("/sell").text
    assert 'id="quick-add-open"' not in page and 'id="quick-add-dialog"' not in page


def test_quick_add_needs_to_be_signed_in(app_client: TestClient, shop: Store) -> None:
    body = {"client_id": str(uuid.uuid4()), "name": "Magnet", "price": "3"}
    reply = app_client.post("/sell/quick_add", json=body, follow_redirects=False)
    assert reply.status_code in (303, 401)
    assert count_rows(shop.db, Product) == 0


def test_the_owner_may_quick_add_too(app_client: TestClient, shop: Store) -> None:
    assert sign_in(app_client).status_code == 303
    assert quick_add(app_client, name="Magnet", price="3").status_code == 201


def test_an_id_already_used_by_another_product_is_a_conflict_and_changes_nothing(
    cashier: TestClient, shop: Store
) -> None:
    family = make_family(
        shop, name="Pull", variants=[products.NewVariant(values=[v]) for v in ("S", "M")]
    )
    reply = quick_add(cashier, client_id=str(family[1].id), name="Magnet", price="3")
    assert reply.status_code == 409
    assert count_rows(shop.db, Product) == 2
