"""A manager imports a product file with one error, downloads the error file, fixes it and
imports it (issue 4, point 9)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

FILE = (
    "sku,name,retail_price,tax,inventory_Paris_Marais\r\n"
    "E2E-CARAFE,Carafe émaillée,24.50,TVA 20 %,6\r\n"
    "E2E-BOL,Bol à café,douze,TVA 20 %,4\r\n"
).encode()


def test_manager_fixes_an_import_from_its_error_file_and_imports_it(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    sign_in(page, live_server, "/products")
    page.click("#import-products")
    expect(page).to_have_url(re.compile(r"/products/import$"))
    page.set_input_files(
        "#import-file", {"name": "produits.csv", "mimeType": "text/csv", "buffer": FILE}
    )
    page.click("#import-form button[type=submit]")

    # The job page shows a progress bar, then reloads itself with the outcome.
    refused = page.locator("#import-refused")
    expect(refused).to_be_visible(timeout=30_000)
    expect(refused).to_contain_text("Erreurs : 1")
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    expect(page.locator("#import-errors tbody tr td").nth(0)).to_have_text("3")
    expect(page.locator("#import-errors tbody tr td").nth(1)).to_have_text("retail_price")

    with page.expect_download() as download_info:
        page.click("#download-errors")
    download = download_info.value
    assert download.suggested_filename == "produits-errors.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert rows[0][-1] == "errors"
    assert rows[2][-1] == "retail_price: douze n’est pas un nombre."

    # The shop fixes the price and deletes the error column, then uploads the file again.
    fixed_rows = [row[:-1] for row in rows]
    fixed_rows[2][2] = "12"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(fixed_rows)
    fixed = tmp_path / "produits.csv"
    fixed.write_text(buffer.getvalue(), encoding="utf-8")
    page.set_input_files("#import-file", str(fixed))
    page.click("#import-form button[type=submit]")

    expect(page.locator("#import-done")).to_be_visible(timeout=30_000)
    expect(page.locator('#import-summary [data-count="created"]')).to_have_text("2")

    page.goto(f"{live_server.url}/products?q=E2E")
    expect(page.locator('#products tr[data-sku="E2E-CARAFE"]')).to_contain_text("Carafe émaillée")
    expect(page.locator('#products tr[data-sku="E2E-BOL"]')).to_contain_text("Bol à café")
    expect(
        page.locator('#products tr[data-sku="E2E-BOL"] td.stock[data-outlet="Paris Marais"]')
    ).to_have_text("4")
