"""Receipt templates, printers and the receipt page: who may configure what (setup:write, on
the pages and in the API alike), what a bad value does (422, nothing changed), what the
browser receipt shows and when it prints itself."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from comptoir.accounts.permissions import Role
from comptoir.printing import config
from comptoir.printing.jobs import PRINT_RECEIPT_TOPIC, RECEIPT_EMAIL_TOPIC
from comptoir.store import service as store
from tests.factories import (
    Store,
    csrf_of,
    make_customer,
    make_product,
    make_sale,
    make_user,
    sign_in_as,
    token_headers,
)
from tests.integration.printing_support import attach_printer, free_port, messages_of


def png(width: int = 40, height: int = 20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "black").save(buffer, format="PNG")
    return buffer.getvalue()


def template_form(page: str, **values: str) -> dict[str, str]:
    form = {
        "csrf": csrf_of(page),
        "paper_width": "80",
        "header": "",
        "footer": "",
        "company_name": "",
        "address": "",
        "siret": "",
        "vat_number": "",
        "return_policy": "",
    }
    return {**form, **values}


def test_an_admin_sets_the_outlets_receipt_and_the_receipt_shows_it(
    browser: TestClient, shop: Store
) -> None:
    page = browser.get("/settings/receipts").text
    form = template_form(
        page,
        paper_width="58",
        header="Open every day",
        footer="See you soon",
        company_name="Comptoir SAS",
        address="1 rue de la Paix\n75002 Paris",
        siret="732 829 320 00074",
        vat_number="fr44732829320",
        return_policy="Returns within 30 days with this receipt.",
        email_receipts="on",
    )
    reply = browser.post(
        f"/settings/receipts?outlet={shop.outlet.id}",
        data=form,
        files={"logo": ("logo.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    with shop.db.read_sessions() as session:
        template = config.get_template(session, outlet_id=shop.outlet.id)
        assert template is not None
        assert (template.siret, template.vat_number) == ("73282932000074", "FR44732829320")
        assert template.logo_type == "image/png" and template.paper_width == 58
        assert store.get_retailer(session).email_receipts is True
    mug = make_product(shop, name="Mug", price="9.00")
    sale = make_sale(shop, [(mug, 1)], total="9.00")
    receipt = browser.get(f"/sales/{sale.id}/receipt").text
    assert 'class="receipt receipt-58"' in receipt
    for text in ("Open every day", "See you soon", "Comptoir SAS", "SIRET 73282932000074"):
        assert text in receipt
    assert "FR44732829320" in receipt and "Returns within 30 days" in receipt
    assert 'data-testid="receipt-logo" ' in receipt or 'data-testid="receipt-logo">' in receipt
    assert 'src="data:image/png;base64,' in receipt


def test_a_bad_siret_or_logo_is_refused_and_nothing_changes(
    browser: TestClient, shop: Store
) -> None:
    page = browser.get("/settings/receipts").text
    reply = browser.post(
        "/settings/receipts", data=template_form(page, siret="123", header="New header")
    )
    assert reply.status_code == 422 and "14 digits" in reply.text
    reply = browser.post(
        "/settings/receipts",
        data=template_form(page, header="New header"),
        files={"logo": ("logo.png", b"<svg>not a png</svg>", "image/png")},
    )
    assert reply.status_code == 422 and "PNG or JPEG" in reply.text
    big = browser.post(
        "/settings/receipts",
        data=template_form(page),
        files={"logo": ("logo.png", png(2000, 10), "image/png")},
    )
    assert big.status_code == 422
    with shop.db.read_sessions() as session:
        assert config.get_template(session, outlet_id=shop.outlet.id) is None


def test_a_cashier_sees_the_receipt_settings_but_cannot_change_them(
    app_client: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    sign_in_as(app_client, cashier.username)
    page = app_client.get("/settings/receipts")
    assert page.status_code == 200 and 'id="save-receipts"' not in page.text
    reply = app_client.post("/settings/receipts", data=template_form(page.text, header="Hacked"))
    assert reply.status_code == 403
    printer_page = app_client.get(f"/settings/registers/{shop.register.id}/printer")
    assert printer_page.status_code == 200
    reply = app_client.post(
        f"/settings/registers/{shop.register.id}/printer",
        data={"csrf": csrf_of(printer_page.text), "kind": "epson_escpos", "host": "10.0.0.9"},
    )
    assert reply.status_code == 403
    with shop.db.read_sessions() as session:
        assert config.get_template(session, outlet_id=shop.outlet.id) is None
        assert config.get_printer(session, register_id=shop.register.id) is None


def test_an_admin_configures_the_registers_printer_and_bad_values_change_nothing(
    browser: TestClient, shop: Store
) -> None:
    url = f"/settings/registers/{shop.register.id}/printer"
    page = browser.get(url).text
    form = {"csrf": csrf_of(page), "kind": "star_line", "host": "192.168.1.50", "port": "9100"}
    bad = browser.post(url, data={**form, "port": "70000"})
    assert bad.status_code == 422
    bad = browser.post(url, data={**form, "host": "printer; rm -rf"})
    assert bad.status_code == 422
    with shop.db.read_sessions() as session:
        assert config.get_printer(session, register_id=shop.register.id) is None
    saved = browser.post(url, data={**form, "enabled": "on"}, follow_redirects=False)
    assert saved.status_code == 303
    with shop.db.read_sessions() as session:
        printer = config.get_printer(session, register_id=shop.register.id)
        assert printer is not None and (printer.kind, printer.host) == ("star_line", "192.168.1.50")
    page = browser.get(url).text
    browser.post(url, data={"csrf": csrf_of(page), "remove": "1"})
    with shop.db.read_sessions() as session:
        assert config.get_printer(session, register_id=shop.register.id) is None


def test_the_api_shows_the_printer_state_to_a_cashier_and_lets_only_admins_configure(
    app_client: TestClient, shop: Store
) -> None:
    cashier = token_headers(shop, make_user(shop, role=Role.CASHIER))
    admin = token_headers(shop, shop.owner)
    path = f"/api/2.0/registers/{shop.register.id}/printer"
    state = app_client.get(path, headers=cashier)
    assert state.status_code == 200 and state.json()["data"]["status"] == "none"
    body = {"kind": "epson_escpos", "host": "10.0.0.9"}
    assert app_client.put(path, json=body, headers=cashier).status_code == 403
    assert app_client.put(path, json={**body, "kind": "zebra"}, headers=admin).status_code == 422
    reply = app_client.put(path, json=body, headers=admin)
    assert reply.status_code == 200 and reply.json()["data"]["status"] == "ready"
    assert reply.json()["data"]["kind"] == "epson_escpos"
    assert app_client.delete(path, headers=cashier).status_code == 403
    assert app_client.delete(path, headers=admin).status_code == 204
    assert app_client.get(path, headers=cashier).json()["data"]["configured"] is False


def test_the_receipt_prints_itself_only_when_the_register_prints_without_a_network_printer(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, name="Mug", price="9.00")
    sale = make_sale(shop, [(mug, 1)], total="9.00")
    page = browser.get(f"/sales/{sale.id}/receipt").text
    assert 'data-autoprint="1"' in page and 'id="print-network"' not in page
    attach_printer(shop, port=free_port())
    page = browser.get(f"/sales/{sale.id}/receipt").text
    assert 'data-autoprint="1"' not in page and 'id="print-network"' in page
    attach_printer(shop, port=free_port(), enabled=False)
    with shop.uow() as uow:
        store.get_register(uow.session, register_id=shop.register.id).print_receipt = False
        uow.commit()
    page = browser.get(f"/sales/{sale.id}/receipt").text
    assert 'data-autoprint="1"' not in page


def test_a_receipt_is_emailed_to_an_address_typed_at_the_till(api: TestClient, shop: Store) -> None:
    mug = make_product(shop, name="Mug", price="9.00")
    sale = make_sale(shop, [(mug, 1)], total="9.00")
    path = f"/api/2.0/sales/{sale.id}/actions/email_receipt"
    bad = api.put(path, json={"email": "not an address"})
    assert bad.status_code == 422
    assert api.put(path, json={}).status_code == 422  # no customer, no address: refused
    assert messages_of(shop.db, RECEIPT_EMAIL_TOPIC) == []
    reply = api.put(path, json={"email": "walk-in@example.com"})
    assert reply.status_code == 202
    (queued,) = messages_of(shop.db, RECEIPT_EMAIL_TOPIC)
    assert queued.payload["email"] == "walk-in@example.com"
    ada = make_customer(shop, first_name="Ada", email="ada@example.com")
    theirs = make_sale(shop, [(mug, 1)], total="9.00", customer_id=ada.id)
    assert api.put(f"/api/2.0/sales/{theirs.id}/actions/email_receipt", json={}).status_code == 202
    assert messages_of(shop.db, RECEIPT_EMAIL_TOPIC)[-1].payload["email"] == "ada@example.com"


def test_a_reprint_goes_to_the_registers_printer_or_is_refused_without_one(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, name="Mug", price="9.00")
    sale = make_sale(shop, [(mug, 1)], total="9.00")
    path = f"/api/2.0/sales/{sale.id}/actions/print_receipt"
    refused = api.put(path)
    assert refused.status_code == 409
    assert refused.json()["details"] == {"register_id": str(shop.register.id)}
    attach_printer(shop, port=free_port())
    assert api.put(path).status_code == 202
    (job,) = messages_of(shop.db, PRINT_RECEIPT_TOPIC)
    assert job.payload["reprint"] is True and job.payload["sale_id"] == str(sale.id)
