"""The stock control list: each tab offers to create its own kind of consignment."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("tab", "button", "target"),
    [
        ("orders", "new-order", "/stock-control/orders/new"),
        ("transfers", "new-transfer", "/stock-control/transfers/new"),
        ("returns", "new-return", "/stock-control/returns/new"),
        ("counts", "new-count", "/stock-control/counts/new"),
    ],
)
def test_each_tab_offers_its_new_consignment_and_the_page_opens(
    browser: TestClient, tab: str, button: str, target: str
) -> None:
    page = browser.get(f"/stock-control?tab={tab}")
    assert page.status_code == 200
    assert f'href="{target}" id="{button}"' in page.text
    assert browser.get(target).status_code == 200
