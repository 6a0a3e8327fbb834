"""Printing barcode labels from the product list: PDF reply, CSRF, permission, bad input."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from reportlab.lib.units import mm

from comptoir.accounts import permissions
from comptoir.accounts.permissions import Permission, Role
from tests.factories import Store, csrf_of, make_product, make_user, sign_in_as


def test_product_list_offers_labels_without_inline_scripts(
    browser: TestClient, shop: Store
) -> None:
    product = make_product(shop, name="Teapot")
    page = browser.get("/products").text
    assert 'action="/products/labels"' in page
    assert f'name="product" value="{product.id}"' in page
    assert f'name="qty_{product.id}"' in page
    assert '<option value="11354" selected>' in page
    assert "<script>" not in page
    assert '<script type="module" src="/static/js/products.js">' in page
    assert browser.get("/static/js/products.js").status_code == 200


def test_labels_pdf_for_chosen_products_and_quantities(browser: TestClient, shop: Store) -> None:
    teapot = make_product(shop, name="Teapot", price="12.00", barcode="4006381333931")
    mug = make_product(shop, name="Mug", price="4.50", sku="MUG-7")
    make_product(shop, name="Not chosen")
    token = csrf_of(browser.get("/products").text)
    reply = browser.post(
        "/products/labels",
        data={
            "csrf": token,
            "size": "11352",
            "product": [str(teapot.id), str(mug.id)],
            f"qty_{teapot.id}": "2",
            f"qty_{mug.id}": "1",
            "qty_unchosen": "5",
        },
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"].startswith("inline")
    reader = PdfReader(io.BytesIO(reply.content))
    assert len(reader.pages) == 3
    assert float(reader.pages[0].mediabox.width) == pytest.approx(54 * mm, abs=0.01)
    texts = [page.extract_text() for page in reader.pages]
    assert "Teapot" in texts[0] and "4006381333931" in texts[0]
    assert "Mug" in texts[2] and "MUG-7" in texts[2]
    assert "€4.50" in texts[2]  # the store's currency and language (English here)


def test_labels_need_the_csrf_token(browser: TestClient, shop: Store) -> None:
    product = make_product(shop)
    form = {"size": "11354", "product": str(product.id), f"qty_{product.id}": "1"}
    assert browser.post("/products/labels", data=form).status_code == 403
    reply = browser.post("/products/labels", data={**form, "csrf": "forged"})
    assert reply.status_code == 403
    assert reply.headers["content-type"] != "application/pdf"


def test_labels_need_to_be_signed_in(app_client: TestClient, shop: Store) -> None:
    product = make_product(shop)
    reply = app_client.post(
        "/products/labels",
        data={"size": "11354", "product": str(product.id)},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login")


def test_labels_need_the_catalog_read_permission(
    app_client: TestClient, shop: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = make_product(shop)
    clerk = make_user(shop, role=Role.CASHIER)
    browser = sign_in_as(app_client, clerk.username)
    token = csrf_of(browser.get("/account").text)
    form = {"csrf": token, "size": "11354", "product": str(product.id), f"qty_{product.id}": "1"}
    assert browser.post("/products/labels", data=form).status_code == 200
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.CASHIER,
        permissions.ROLE_PERMISSIONS[Role.CASHIER] - {Permission.VIEW_CATALOG},
    )
    assert browser.post("/products/labels", data=form).status_code == 403


def test_unknown_product_is_not_found(browser: TestClient, shop: Store) -> None:
    token = csrf_of(browser.get("/products").text)
    missing = uuid.uuid4()
    reply = browser.post(
        "/products/labels",
        data={"csrf": token, "size": "11354", "product": str(missing), f"qty_{missing}": "1"},
    )
    assert reply.status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"size": "12345"}, "Choose a label size from the list."),
        ({"qty": "0"}, "Each quantity of labels must be at least 1."),
        ({"qty": "-3"}, "Each quantity of labels must be at least 1."),
        ({"qty": "1001"}, "At most 1000 labels can be printed at once."),
        ({"qty": "deux"}, "Enter a whole number of labels."),
        ({"product": "not-an-id"}, "Choose products from the list."),
        ({"product": None}, "Choose at least one product to print labels for."),
    ],
)
def test_bad_label_requests_show_the_list_with_an_error(
    browser: TestClient, shop: Store, changes: dict[str, str | None], message: str
) -> None:
    product = make_product(shop, name="Teapot")
    token = csrf_of(browser.get("/products").text)
    form: dict[str, str | None] = {
        "csrf": token,
        "size": "11354",
        "product": str(product.id),
        f"qty_{product.id}": changes.get("qty", "2"),
    }
    form.update({k: v for k, v in changes.items() if k != "qty"})
    reply = browser.post("/products/labels", data={k: v for k, v in form.items() if v is not None})
    assert reply.status_code == 422
    assert reply.headers["content-type"].startswith("text/html")
    assert message in reply.text
    assert "Teapot" in reply.text
    assert '<html lang="en">' in reply.text  # the message in the user's language


def test_a_refused_request_keeps_the_ticked_products_and_quantities(
    browser: TestClient, shop: Store
) -> None:
    product = make_product(shop, name="Teapot")
    token = csrf_of(browser.get("/products").text)
    reply = browser.post(
        "/products/labels",
        data={"csrf": token, "size": "11355", "product": str(product.id), f"qty_{product.id}": "0"},
    )
    assert reply.status_code == 422
    assert f'name="product" value="{product.id}" aria-label' in reply.text
    assert 'aria-label="Print labels for Teapot" checked>' in reply.text
    assert f'name="qty_{product.id}" value="0"' in reply.text
    assert '<option value="11355" selected>' in reply.text
