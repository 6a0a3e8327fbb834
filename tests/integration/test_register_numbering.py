"""A register's invoice sequence never goes back onto a number it has issued (every sale
would then be refused, the register stuck), from the service or Settings > Registers."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from comptoir.core.errors import InvalidInput
from comptoir.store import service as store
from comptoir.store.models import Register
from tests.factories import (
    Store,
    csrf_of,
    invoice_sequence_of,
    make_product,
    make_sale,
)


def register_of(shop: Store) -> Register:
    with shop.db.read_sessions() as session:
        return store.get_register(session, register_id=shop.register.id)


def fields(shop: Store, **changes: object) -> store.RegisterFields:
    values: dict[str, object] = {
        "name": "Till 1",
        "outlet_id": shop.outlet.id,
        "invoice_prefix": "T1-",
        **changes,
    }
    return store.RegisterFields(**values)  # type: ignore[arg-type]


def sell_twice(shop: Store) -> None:
    coffee = make_product(shop, price="3.00")
    for _ in range(2):
        make_sale(shop, [(coffee, 1)], total="3.00")


@pytest.mark.parametrize("sequence", [1, 2])
def test_a_sequence_the_register_has_issued_is_refused_and_nothing_changes(
    shop: Store, sequence: int
) -> None:
    sell_twice(shop)  # T1-1 and T1-2

    with shop.uow() as uow, pytest.raises(InvalidInput) as refused:
        store.update_register(
            uow,
            register_id=shop.register.id,
            fields=fields(shop, name="Renamed", invoice_sequence=sequence),
        )

    assert refused.value.message == store.SEQUENCE_ALREADY_USED
    assert refused.value.details == {"field": "invoice_sequence", "last_used": 2}
    register = register_of(shop)
    assert (register.name, register.invoice_sequence) == ("Till 1", 3)


def test_a_sequence_after_the_last_one_issued_is_taken_by_the_next_sale(shop: Store) -> None:
    sell_twice(shop)
    coffee = make_product(shop, price="3.00")

    with shop.uow() as uow:
        store.update_register(
            uow, register_id=shop.register.id, fields=fields(shop, invoice_sequence=100)
        )

    assert make_sale(shop, [(coffee, 1)], total="3.00").invoice_number == "T1-100"


def test_a_register_without_sales_may_start_anywhere(shop: Store) -> None:
    with shop.uow() as uow:
        store.update_register(
            uow, register_id=shop.register.id, fields=fields(shop, invoice_sequence=1)
        )
    assert invoice_sequence_of(shop.db, shop.register) == 1


def register_form(browser: TestClient, shop: Store) -> tuple[str, str]:
    page = browser.get(f"/settings/registers?edit={shop.register.id}")
    assert page.status_code == 200
    shown = re.search(r'name="invoice_sequence_shown" value="(\d+)"', page.text)
    assert shown, page.text
    return csrf_of(page.text), shown.group(1)


def post_register(browser: TestClient, shop: Store, **form: str) -> httpx.Response:
    data = {
        "name": "Till 1",
        "outlet_id": str(shop.outlet.id),
        "invoice_prefix": "T1-",
        **form,
    }
    return browser.post(
        f"/settings/registers?edit={shop.register.id}", data=data, follow_redirects=False
    )


def test_the_page_shows_the_error_next_to_the_sequence_and_the_register_keeps_selling(
    browser: TestClient, shop: Store
) -> None:
    sell_twice(shop)
    csrf, shown = register_form(browser, shop)
    page = browser.get(f"/settings/registers?edit={shop.register.id}")
    assert "Last number issued: 2." in page.text

    reply = post_register(
        browser, shop, csrf=csrf, invoice_sequence="2", invoice_sequence_shown=shown
    )

    assert reply.status_code == 422
    assert '<p class="error" id="e-invoice_sequence">This register has already issued' in reply.text
    assert invoice_sequence_of(shop.db, shop.register) == 3
    coffee = make_product(shop, price="3.00")
    assert make_sale(shop, [(coffee, 1)], total="3.00").invoice_number == "T1-3"


def test_a_form_saved_while_sales_went_on_keeps_their_numbers(
    browser: TestClient, shop: Store
) -> None:
    csrf, shown = register_form(browser, shop)  # shows 1
    sell_twice(shop)  # meanwhile, T1-1 and T1-2

    reply = post_register(
        browser,
        shop,
        csrf=csrf,
        name="Front till",
        invoice_sequence=shown,
        invoice_sequence_shown=shown,
    )

    assert reply.status_code == 303
    register = register_of(shop)
    assert (register.name, register.invoice_sequence) == ("Front till", 3)
