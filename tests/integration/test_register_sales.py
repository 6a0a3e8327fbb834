"""POST /api/register_sales (X-Series 0.9): pricing, numbering, stock, payments, idempotency."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.outbox import OutboxMessage
from comptoir.customers import service as customers
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from comptoir.sales import service as sales
from comptoir.sales.models import Sale
from comptoir.store import service as store
from tests.factories import (
    Store,
    count_rows,
    decimal_json,
    invoice_sequence_of,
    ledger_of,
    make_customer,
    make_product,
    make_register,
    make_store,
    make_token,
    run_together,
    sale_input,
    sale_payload,
    snapshot,
    stock_of,
)

SALES = "/api/register_sales"


def sell(api: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    reply = api.post(SALES, json=body)
    assert reply.status_code == 200, reply.text
    sale: dict[str, Any] = decimal_json(reply)["register_sale"]
    return sale


@pytest.fixture
def exclusive_shop(db: Database) -> Store:
    return make_store(db, tax_exclusive=True)


@pytest.fixture
def exclusive_api(app_client: TestClient, exclusive_shop: Store) -> TestClient:
    app_client.headers["Authorization"] = f"Bearer {make_token(exclusive_shop)}"
    return app_client


# The reply --------------------------------------------------------------------------------


def test_a_closed_sale_replies_with_its_lines_payments_taxes_and_totals(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, name="Coffee", price="8.90", tax=shop.reduced_tax)
    mug = make_product(shop, name="Mug", price="14.00", supply_price="5.50")
    reply = api.post(SALES, json=sale_payload(shop, [(coffee, 2), (mug, 1)], total="31.80"))

    assert reply.status_code == 200, reply.text
    body = decimal_json(reply)
    assert list(body) == ["register_sale"]
    sale = body["register_sale"]
    assert uuid.UUID(sale["id"])
    assert sale["register_id"] == str(shop.register.id)
    assert sale["user_id"] == str(shop.owner.id)
    assert (sale["state"], sale["status"]) == ("closed", "CLOSED")
    # 2 x 8.90 = 17.80 incl. 0.93 of 5.5% VAT; 14.00 incl. 2.33 of 20% VAT.
    assert sale["totals"] == {
        "total_tax": Decimal("3.26"),
        "total_price": Decimal("28.54"),
        "total_payment": Decimal("31.80"),
        "total_to_pay": 0,
    }
    assert (sale["total_price"], sale["total_tax"]) == (Decimal("28.54"), Decimal("3.26"))
    assert sale["total_cost"] == Decimal("15.50")  # 2 x 5.00 + 5.50

    first, second = sale["register_sale_products"]
    assert (first["product_id"], first["name"], first["sku"]) == (
        str(coffee.id),
        "Coffee",
        coffee.sku,
    )
    assert (first["sequence"], second["sequence"]) == (0, 1)
    assert first["quantity"] == 2
    assert first["price"] == Decimal("8.43602")  # unit price excluding tax, 5 places
    assert first["tax"] == Decimal("0.46398")
    assert (first["price_total"], first["tax_total"]) == (Decimal("16.87"), Decimal("0.93"))
    assert (first["tax_id"], first["tax_name"]) == (str(shop.reduced_tax.id), "VAT 5.5%")
    assert first["tax_rate"] == Decimal("0.055")
    assert (second["price_total"], second["tax_total"]) == (Decimal("11.67"), Decimal("2.33"))

    (payment,) = sale["register_sale_payments"]
    assert payment["retailer_payment_type_id"] == str(shop.cash.id)
    assert (payment["name"], payment["payment_type_id"], payment["amount"]) == (
        "Cash",
        1,
        Decimal("31.80"),
    )
    assert {t["name"]: t["tax"] for t in sale["taxes"]} == {
        "VAT 5.5%": Decimal("0.93"),
        "VAT 20%": Decimal("2.33"),
    }


def test_invoice_numbers_come_from_the_register_prefix_and_sequence_and_increase(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    other = make_register(shop, name="Till 2", prefix="B-", suffix="/24", sequence=100)

    numbers = [sell(api, sale_payload(shop, [(coffee, 1)], total="8.90"))["invoice_number"]]
    numbers.append(sell(api, sale_payload(shop, [(coffee, 1)], total="8.90"))["invoice_number"])
    on_other = sale_payload(shop, [(coffee, 1)], total="8.90") | {"register_id": str(other.id)}
    numbers.append(sell(api, on_other)["invoice_number"])
    numbers.append(sell(api, sale_payload(shop, [(coffee, 1)], total="8.90"))["invoice_number"])

    assert numbers == ["T1-1", "T1-2", "B-100/24", "T1-3"]
    register = decimal_json(api.get(f"/api/2.0/registers/{shop.register.id}"))["data"]
    assert register["invoice_sequence"] == 4  # the number the next sale takes
    assert invoice_sequence_of(shop.db, other) == 101


def test_a_sale_line_is_a_snapshot_that_later_catalog_changes_do_not_alter(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, name="Coffee", price="8.90", sku="COF-1", supply_price="4.10")
    sale_id = sell(api, sale_payload(shop, [(coffee, 2)], total="17.80"))["id"]
    before = api.get(f"/api/2.0/sales/{sale_id}").json()

    with shop.uow() as uow:
        product = uow.session.get(Product, coffee.id)
        assert product is not None
        product.name = "Decaf"
        product.sku = "DEC-9"
        product.price_including_tax = Decimal("11.00")
        product.price_excluding_tax = Decimal("9.16667")
        product.supply_price = Decimal("6.00")
        product.tax_id = shop.reduced_tax.id
        uow.commit()
    with shop.uow() as uow:
        store.update_tax(
            uow,
            tax_id=shop.standard_tax.id,
            name="VAT 21%",
            rates=[store.RateFields(name="VAT 21%", rate=Decimal("0.21"))],
        )

    after = api.get(f"/api/2.0/sales/{sale_id}").json()
    assert after == before
    (item,) = after["data"]["line_items"]
    assert (item["name"], item["sku"], item["price_total"], item["tax_total"]) == (
        "Coffee",
        "COF-1",
        14.83,
        2.97,
    )
    assert item["cost"] == 4.1
    assert after["data"]["taxes"][0]["name"] == "VAT 20%"


def test_tax_is_extracted_from_shelf_prices_in_a_tax_inclusive_store(
    api: TestClient, shop: Store
) -> None:
    # 3 x 0.97 = 2.91 paid; tax 2.91 / 6 = 0.485 rounds half up to 0.49.
    sweet = make_product(shop, price="0.97")
    sale = sell(api, sale_payload(shop, [(sweet, 3)], total="2.91"))
    (line,) = sale["register_sale_products"]
    assert (line["price_total"], line["tax_total"]) == (Decimal("2.42"), Decimal("0.49"))
    assert sale["totals"]["total_price"] + sale["totals"]["total_tax"] == Decimal("2.91")


def test_tax_is_added_on_top_of_prices_in_a_tax_exclusive_store(
    exclusive_api: TestClient, exclusive_shop: Store
) -> None:
    shop = exclusive_shop
    pen = make_product(shop, price="10.00")  # 20% on top
    jam = make_product(shop, price="0.99", tax=shop.reduced_tax)  # 5.5% on top
    sale = sell(exclusive_api, sale_payload(shop, [(pen, 3), (jam, 7)], total="43.31"))

    pen_line, jam_line = sale["register_sale_products"]
    assert (pen_line["price"], pen_line["tax"]) == (10, 2)
    assert (pen_line["price_total"], pen_line["tax_total"]) == (30, 6)
    # 7 x 0.99 = 6.93 net; 6.93 x 5.5% = 0.38115 -> 0.38.
    assert (jam_line["price_total"], jam_line["tax_total"]) == (Decimal("6.93"), Decimal("0.38"))
    assert sale["totals"] == {
        "total_price": Decimal("36.93"),
        "total_tax": Decimal("6.38"),
        "total_payment": Decimal("43.31"),
        "total_to_pay": 0,
    }


def test_a_payment_that_does_not_cover_a_tax_exclusive_total_is_refused(
    exclusive_api: TestClient, exclusive_shop: Store
) -> None:
    pen = make_product(exclusive_shop, price="10.00")
    # The shelf shows 10.00; the customer owes 12.00 with tax.
    reply = exclusive_api.post(SALES, json=sale_payload(exclusive_shop, [(pen, 1)], total="10.00"))
    assert reply.status_code == 422
    assert reply.json()["details"]["total"] == "12.00"
    assert count_rows(exclusive_shop.db, Sale) == 0


def test_a_price_and_tax_sent_by_the_register_are_what_the_customer_pays(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", tax=shop.reduced_tax)
    body = sale_payload(shop, [(coffee, 2)], total="16.00")
    # X-Series registers send the unit price excluding tax and the unit tax (a discount here).
    body["register_sale_products"][0] |= {"price": "7.58294", "tax": "0.41706"}
    sale = sell(api, body)
    (line,) = sale["register_sale_products"]
    assert line["price"] == Decimal("7.58294")
    assert line["price_total"] + line["tax_total"] == Decimal("16.00")


def test_a_sale_date_without_offset_is_taken_as_utc(api: TestClient, shop: Store) -> None:
    # An hour ago, so sent as a sale the register recorded offline (older is refused).
    coffee = make_product(shop, price="8.90")
    utc = (utcnow() - timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    paris = utc + timedelta(hours=2)
    for sent in (f"{utc:%Y-%m-%d %H:%M:%S}", utc.isoformat(), f"{paris.isoformat()}+02:00"):
        body = sale_payload(shop, [(coffee, 1)], total="8.90")
        body |= {"sale_date": sent, "recorded_offline": True}
        sale_id = sell(api, body)["id"]
        stored = api.get(f"/api/2.0/sales/{sale_id}").json()["data"]["sale_date"]
        assert stored == f"{utc.isoformat()}+00:00"


def test_a_sale_is_recorded_for_a_live_customer_and_refused_for_a_deleted_one(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90")
    regular = make_customer(shop, first_name="Léa")
    body = sale_payload(shop, [(coffee, 1)], total="8.90") | {"customer_id": str(regular.id)}
    assert sell(api, body)["customer_id"] == str(regular.id)
    with shop.uow() as uow:
        customers.delete_customer(uow, customer_id=regular.id)
    before = snapshot(shop)
    refused = api.post(SALES, json=body | {"id": str(uuid.uuid4())})
    assert refused.status_code == 422
    assert refused.json() == {"error": "unknown customer", "details": {"field": "customer_id"}}
    assert snapshot(shop) == before


# Payments ---------------------------------------------------------------------------------


def test_cash_overpayment_records_the_change_as_a_negative_cash_payment(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90")
    sale = sell(api, sale_payload(shop, [(coffee, 1)], payments=[(shop.cash, "10.00")]))
    payments = [(p["name"], p["amount"]) for p in sale["register_sale_payments"]]
    assert payments == [("Cash", 10), ("Cash (change)", Decimal("-1.10"))]
    assert sale["totals"]["total_payment"] == Decimal("8.90")
    assert sale["totals"]["total_to_pay"] == 0


def test_change_for_a_split_card_and_cash_payment_comes_out_of_the_cash(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90")
    sale = sell(
        api,
        sale_payload(shop, [(coffee, 2)], payments=[(shop.card, "10.00"), (shop.cash, "10.00")]),
    )
    payments = [
        (p["retailer_payment_type_id"], p["amount"]) for p in sale["register_sale_payments"]
    ]
    assert payments == [
        (str(shop.card.id), 10),
        (str(shop.cash.id), 10),
        (str(shop.cash.id), Decimal("-2.20")),
    ]
    assert sum(amount for _, amount in payments) == Decimal("17.80")


def test_every_recorded_sale_has_payments_summing_to_its_total(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90")
    tea = make_product(shop, price="7.35", tax=shop.reduced_tax)
    sell(api, sale_payload(shop, [(coffee, 3), (tea, 1)], payments=[(shop.cash, "50.00")]))
    sell(api, sale_payload(shop, [(tea, "0.5")], payments=[(shop.card, "3.68")]))
    with shop.db.read_sessions() as session:
        for sale in session.scalars(select(Sale)):
            assert sum(p.amount for p in sale.payments) == sale.total_price_incl
            assert sale.total_payment == sale.total_price_incl
            assert sale.total_price + sale.total_tax == sale.total_price_incl


# Stock ------------------------------------------------------------------------------------


def test_a_sale_moves_stock_only_for_products_that_track_inventory(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    gift_wrap = make_product(shop, price="2.00", stock=0, has_inventory=False)
    sale = sell(api, sale_payload(shop, [(coffee, 2), (gift_wrap, 1)], total="19.80"))

    assert stock_of(shop, coffee) == 8
    assert stock_of(shop, gift_wrap) is None
    with shop.db.read_sessions() as session:
        moved = session.execute(
            select(InventoryMovement.product_id, InventoryMovement.quantity).where(
                InventoryMovement.source_id == uuid.UUID(sale["id"])
            )
        ).all()
    assert moved == [(coffee.id, Decimal(-2))]


def test_the_stock_level_always_equals_the_sum_of_its_ledger(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    cheese = make_product(shop, price="24.90", stock="3.5", tax=shop.reduced_tax)
    sell(api, sale_payload(shop, [(coffee, 1), (cheese, "0.375")], total="18.24"))
    sell(api, sale_payload(shop, [(coffee, 4), (coffee, 1)], total="44.50"))
    sell(api, sale_payload(shop, [(cheese, "4")], total="99.60"))  # stock may go negative

    assert stock_of(shop, coffee) == ledger_of(shop, coffee) == 4
    assert stock_of(shop, cheese) == ledger_of(shop, cheese) == Decimal("-0.875")


# Idempotency ------------------------------------------------------------------------------


def test_a_sale_sent_again_with_the_same_id_returns_the_first_and_changes_nothing(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    sale_id = uuid.uuid4()
    body = sale_payload(shop, [(coffee, 1)], total="8.90", sale_id=sale_id)

    first = api.post(SALES, json=body)
    after_first = snapshot(shop)
    second = api.post(SALES, json=body)
    # Even a replay whose content differs is answered with the sale first recorded.
    changed = sale_payload(shop, [(coffee, 3)], total="26.70", sale_id=sale_id)
    third = api.post(SALES, json=changed)

    assert first.status_code == second.status_code == third.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == third.headers["Idempotent-Replayed"] == "true"
    assert first.json() == second.json() == third.json()
    assert first.json()["register_sale"]["id"] == str(sale_id)
    assert snapshot(shop) == after_first
    assert after_first.sales == 1
    assert after_first.outbox == 1
    assert stock_of(shop, coffee) == 9


def test_a_sale_refused_once_can_be_sent_again_with_the_same_id(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    sale_id = uuid.uuid4()
    short = sale_payload(shop, [(coffee, 1)], total="5.00", sale_id=sale_id)
    assert api.post(SALES, json=short).status_code == 422
    fixed = sale_payload(shop, [(coffee, 1)], total="8.90", sale_id=sale_id)
    reply = api.post(SALES, json=fixed)
    assert reply.status_code == 200
    assert "Idempotent-Replayed" not in reply.headers
    assert stock_of(shop, coffee) == 9


def test_concurrent_copies_of_a_sale_record_it_once_and_move_stock_once(shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    sale_id = uuid.uuid4()
    wanted = sale_input(shop, [(coffee, 1)], total="8.90", sale_id=sale_id)

    def record() -> tuple[uuid.UUID, bool]:
        with shop.db.unit_of_work() as uow:
            sale, created = sales.record_sale(
                uow, sale=wanted, user_id=shop.owner.id, find_customer=customers.get_customer
            )
            return sale.id, created

    results = run_together(8, record)

    assert all(isinstance(r, tuple) for r in results), results
    assert {sale for sale, _ in results} == {sale_id}
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert count_rows(shop.db, Sale) == 1
    assert count_rows(shop.db, OutboxMessage) == 1
    assert stock_of(shop, coffee) == ledger_of(shop, coffee) == 9
    assert invoice_sequence_of(shop.db, shop.register) == 2


def test_concurrent_copies_posted_to_the_api_all_get_the_one_sale(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    body = sale_payload(shop, [(coffee, 2)], total="17.80", sale_id=uuid.uuid4())

    replies = run_together(8, lambda: api.post(SALES, json=body))

    assert [r.status_code for r in replies] == [200] * 8, replies
    assert len({r.text for r in replies}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in replies) == 1
    assert count_rows(shop.db, Sale) == 1
    assert stock_of(shop, coffee) == 8


def test_concurrent_different_sales_each_take_their_own_invoice_number(shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=100)

    def record() -> str:
        wanted = sale_input(shop, [(coffee, 1)], total="8.90", sale_id=uuid.uuid4())
        with shop.db.unit_of_work() as uow:
            sale, _ = sales.record_sale(
                uow, sale=wanted, user_id=shop.owner.id, find_customer=customers.get_customer
            )
            return sale.invoice_number

    numbers = run_together(6, record)

    assert sorted(numbers) == [f"T1-{n}" for n in range(1, 7)], numbers
    assert stock_of(shop, coffee) == ledger_of(shop, coffee) == 94


# Refused requests -------------------------------------------------------------------------


def _set_line(**fields: Any) -> Callable[[dict[str, Any], Store], None]:
    def change(body: dict[str, Any], _shop: Store) -> None:
        body["register_sale_products"][0].update(fields)

    return change


def _set_payment(**fields: Any) -> Callable[[dict[str, Any], Store], None]:
    def change(body: dict[str, Any], _shop: Store) -> None:
        body["register_sale_payments"][0].update(fields)

    return change


def _set(**fields: Any) -> Callable[[dict[str, Any], Store], None]:
    def change(body: dict[str, Any], _shop: Store) -> None:
        body.update(fields)

    return change


def _pay(*payments: tuple[str, str]) -> Callable[[dict[str, Any], Store], None]:
    def change(body: dict[str, Any], shop: Store) -> None:
        kinds = {"cash": shop.cash, "card": shop.card}
        body["register_sale_payments"] = [
            {"retailer_payment_type_id": str(kinds[kind].id), "amount": amount}
            for kind, amount in payments
        ]

    return change


def _drop(key: str) -> Callable[[dict[str, Any], Store], None]:
    def change(body: dict[str, Any], _shop: Store) -> None:
        del body[key]

    return change


UNKNOWN = "3b2d7a1e-0000-4000-8000-000000000000"

# (what is wrong, how the 8.90 coffee sale is spoiled, where the error body must point)
BAD_SALES: list[tuple[str, Callable[[dict[str, Any], Store], None], str]] = [
    ("unknown product", _set_line(product_id=UNKNOWN), UNKNOWN),
    ("unknown register", _set(register_id=UNKNOWN), UNKNOWN),
    ("unknown payment type", _set_payment(retailer_payment_type_id=UNKNOWN), UNKNOWN),
    ("unknown user", _set(user_id=UNKNOWN), UNKNOWN),
    ("unknown customer", _set(customer_id=UNKNOWN), "customer_id"),
    ("unknown tax", _set_line(tax_id=UNKNOWN), UNKNOWN),
    ("payments below the total", _pay(("cash", "8.89")), '"missing": "0.01"'),
    ("no payment", _pay(), '"missing": "8.90"'),
    ("card overpayment", _pay(("card", "10.00")), '"excess": "1.10"'),
    ("change above the cash", _pay(("card", "9.00"), ("cash", "1.00")), '"excess": "1.10"'),
    ("zero payment", _pay(("cash", "8.90"), ("card", "0")), "register_sale_payments[1].amount"),
    ("negative payment", _pay(("cash", "-8.90")), "register_sale_payments[0].amount"),
    ("sub-cent payment", _pay(("cash", "8.905")), "register_sale_payments[0].amount"),
    ("zero quantity", _set_line(quantity="0"), "register_sale_products[0].quantity"),
    ("negative quantity", _set_line(quantity="-1"), "register_sale_products[0].quantity"),
    ("quantity abc", _set_line(quantity="abc"), "register_sale_products.0.quantity"),
    ("quantity 1,5", _set_line(quantity="1,5"), "register_sale_products.0.quantity"),
    ("quantity NaN", _set_line(quantity="NaN"), "register_sale_products.0.quantity"),
    ("quantity Infinity", _set_line(quantity="Infinity"), "register_sale_products.0.quantity"),
    ("quantity 1e400", _set_line(quantity="1e400"), "register_sale_products.0.quantity"),
    ("quantity 6 decimals", _set_line(quantity="1.000001"), "register_sale_products.0.quantity"),
    ("quantity huge", _set_line(quantity="123456789012345"), "register_sale_products.0.quantity"),
    ("quantity empty", _set_line(quantity=""), "register_sale_products.0.quantity"),
    ("quantity boolean", _set_line(quantity=True), "register_sale_products.0.quantity"),
    ("negative price", _set_line(price="-1"), "register_sale_products[0].price"),
    ("price abc", _set_line(price="abc"), "register_sale_products.0.price"),
    ("amount abc", _set_payment(amount="abc"), "register_sale_payments.0.amount"),
    ("amount 1e400", _set_payment(amount="1e400"), "register_sale_payments.0.amount"),
    ("amount huge", _set_payment(amount="99999999999999"), "register_sale_payments.0.amount"),
    ("no lines", _set(register_sale_products=[]), "register_sale_products"),
    ("lines missing", _drop("register_sale_products"), "register_sale_products"),
    ("register missing", _drop("register_id"), "register_id"),
    ("register not a UUID", _set(register_id="till-1"), "register_id"),
    # A parked sale (SAVED) is recorded, but takes no payments.
    ("parked sale with payments", _set(state="parked"), "register_sale_payments"),
    ("saved status with payments", _set(status="SAVED", state=None), "register_sale_payments"),
    ("layby without customer", _set(status="LAYBY", state=None), "customer_id"),
    ("voided new sale", _set(status="VOIDED", state=None), "status"),
    ("unknown state", _set(state="open"), "state"),
    ("no state", _set(state=None), "state"),
    ("date out of range", _set(sale_date="9999-12-31T23:00:00-05:00"), "sale_date"),
    ("date garbage", _set(sale_date="yesterday"), "sale_date"),
    ("NUL in the note", _set(note="paid\x00"), "note"),
    ("NUL in the source id", _set(source_id="\x00"), "source_id"),
    ("NUL in a line note", _set_line(note="gift\x00wrap"), "register_sale_products.0.note"),
]


@pytest.mark.parametrize(("case", "spoil", "pointer"), BAD_SALES, ids=[c[0] for c in BAD_SALES])
def test_a_refused_sale_gets_a_clear_4xx_and_changes_nothing(
    api: TestClient,
    shop: Store,
    case: str,
    spoil: Callable[[dict[str, Any], Store], None],
    pointer: str,
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    body = sale_payload(shop, [(coffee, 1)], total="8.90", sale_id=uuid.uuid4())
    spoil(body, shop)
    before = snapshot(shop)

    reply = api.post(SALES, json=body)

    assert 400 <= reply.status_code < 500, reply.text
    error = reply.json()
    assert set(error) == {"error", "details"}
    assert isinstance(error["error"], str) and error["error"]
    assert pointer in json.dumps(error["details"]), error
    assert snapshot(shop) == before
    assert before.sales == 0 and before.invoice_sequence == 1


RAW_BODIES = [
    ("invalid JSON", '{"register_id": '),
    ("not an object", "[1, 2]"),
    ("quantity NaN literal", "NaN"),
    ("quantity Infinity literal", "Infinity"),
    ("quantity 1e400 literal", "1e400"),
]


@pytest.mark.parametrize(("case", "raw"), RAW_BODIES, ids=[c[0] for c in RAW_BODIES])
def test_a_body_that_is_not_a_valid_sale_document_gets_a_422_and_changes_nothing(
    api: TestClient, shop: Store, case: str, raw: str
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    if raw in ("NaN", "Infinity", "1e400"):
        body = sale_payload(shop, [(coffee, 1)], total="8.90")
        text = json.dumps(body).replace('"quantity": "1"', f'"quantity": {raw}')
        assert raw in text
    else:
        text = raw
    before = snapshot(shop)

    reply = api.post(SALES, content=text, headers={"Content-Type": "application/json"})

    assert reply.status_code == 422, reply.text
    assert set(reply.json()) == {"error", "details"}
    assert reply.json()["details"]["problems"]
    assert snapshot(shop) == before


def test_a_refused_sale_leaves_the_levels_and_ledger_as_they_were(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    tea = make_product(shop, price="7.80", stock=5)
    # The second line is fine; the first product is unknown once the coffee is deleted.
    with shop.uow() as uow:
        product = uow.session.get(Product, coffee.id)
        assert product is not None
        product.deleted_at = product.created_at
        uow.commit()
    reply = api.post(SALES, json=sale_payload(shop, [(coffee, 1), (tea, 1)], total="16.70"))
    assert reply.status_code == 422
    assert reply.json()["details"]["product_ids"] == [str(coffee.id)]
    with shop.db.read_sessions() as session:
        levels = dict(
            session.execute(select(InventoryLevel.product_id, InventoryLevel.count)).all()
        )
    assert levels == {coffee.id: 10, tea.id: 5}
    assert ledger_of(shop, tea) == 5
