"""A manager creates a product with variants through the variant editor, sees its variants
and edits one; a cashier quick adds an unknown item during a sale and takes the payment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's "Café en grains Éthiopie", 8,90 €
UNKNOWN_BARCODE = ean13("200000004242")


def test_manager_creates_a_product_with_variants_in_the_variant_editor(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/products")
    page.click("#new-product")
    expect(page).to_have_url(re.compile(r"/products/new$"))
    page.check('input[name="kind"][value="variants"]')
    expect(page.locator("#variant-editor")).to_be_visible()
    expect(page.locator("#f-sku")).to_be_hidden()  # each variant has its own
    page.fill("#f-name", "Tablier de cuisine")
    page.fill("#f-price", "24,90")
    page.fill("#f-attribute_1", "Taille")  # a new attribute, created with the product
    page.fill("#f-attribute_values_1", "S, M, L")
    page.fill("#f-attribute_2", "Coloris")
    page.fill("#f-attribute_values_2", "Lin, Bleu")
    page.click("#make-variants")
    rows = page.locator("#variant-grid tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("S / Lin")
    # L / Bleu is not made: its row is removed.
    rows.filter(has_text="L / Bleu").locator("button.remove-row").click()
    expect(rows).to_have_count(5)
    first = rows.first
    first.locator('input[name$="_sku"]').fill("TAB-S-LIN")
    first.locator('input[name$="_barcode"]').fill(ean13("376999000001"))
    first.locator('input[name*="_stock_"]').first.fill("3")
    rows.nth(1).locator('input[name$="_price"]').fill("26")
    page.click("#save-product")

    expect(page).to_have_url(re.compile(r"/products/[0-9a-f-]+\?created=1$"))
    expect(page.locator("#created")).to_be_visible()
    family = page.locator("#family tbody tr")
    expect(family).to_have_count(5)
    expect(page.locator('#family tr[data-sku="TAB-S-LIN"]')).to_contain_text(
        "Taille: S · Coloris: Lin"
    )
    expect(family.nth(1)).to_contain_text(re.compile(r"26,00\s?€"))
    expect(page.locator("#family")).not_to_contain_text("Bleu · Taille: L")

    # The first variant is edited on the same form: its own price and a new value.
    page.click("#edit-product")
    expect(page).to_have_url(re.compile(r"/products/[0-9a-f-]+/edit$"))
    expect(page.locator("#f-variant_value_1")).to_have_value("S")
    page.fill("#f-price", "27,50")
    page.fill("#f-variant_value_2", "Lin lavé")
    page.click("#save-product")
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#product-name")).to_have_text("Tablier de cuisine / S / Lin lavé")
    expect(page.locator("#product-price")).to_contain_text(re.compile(r"27,50\s?€"))

    # The list shows the family with its variants under it.
    page.goto(f"{live_server.url}/products?q=tablier")
    expect(page.locator("tr.family-head")).to_contain_text("Tablier de cuisine")
    expect(page.locator("tr.variant")).to_have_count(5)
    expect(page.locator('tr[data-sku="TAB-S-LIN"] td.stock').first).to_have_text("3")


def test_cashier_quick_adds_an_unknown_item_during_a_sale_and_takes_the_payment(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    search = page.locator("#search")
    search.fill(COFFEE_BARCODE)
    search.press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)

    # A scanned barcode the catalog does not know: nothing found, Enter offers quick add.
    search.fill(UNKNOWN_BARCODE)
    search.press("Enter")
    expect(page.locator("#quick-add-offer")).to_be_visible()
    search.press("Enter")
    dialog = page.locator("#quick-add-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#quick-add-barcode")).to_have_value(UNKNOWN_BARCODE)
    page.fill("#quick-add-name", "Bougie parfumée figue")
    page.fill("#quick-add-price", "12,50")
    page.click("#quick-add-confirm")
    expect(dialog).to_be_hidden()
    lines = page.locator("#cart-lines tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(1)).to_contain_text("Bougie parfumée figue")
    expect(page.get_by_test_id("sale-total")).to_have_text(re.compile(r"21,40\s?€"))

    page.click("#pay")
    page.fill("#tendered", "30")
    expect(page.get_by_test_id("change-due")).to_have_text(re.compile(r"8,60\s?€"))
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.locator(".receipt")).to_contain_text("Bougie parfumée figue")
    expect(page.get_by_test_id("receipt-total")).to_have_text(re.compile(r"21,40\s?€"))

    # The new product is found at once, by its name and by its barcode, from the + button.
    page.goto(f"{live_server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.locator("#search").fill("bougie figue")
    expect(page.locator("#results [role=option]").first).to_contain_text("Bougie parfumée figue")
    page.locator("#search").fill(UNKNOWN_BARCODE)
    page.locator("#search").press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    page.click("#quick-add-open")
    expect(page.locator("#quick-add-dialog")).to_be_visible()
    page.click("#quick-add-cancel")
    expect(page.locator("#quick-add-dialog")).to_be_hidden()
