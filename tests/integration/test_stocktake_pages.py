"""The stock count pages: a partial count created, counted by scanning, reviewed and
applied; a cashier counts but cannot review or apply; counts imported from a file."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Brand, Product
from comptoir.inventory.consignments.common import lines_of
from comptoir.inventory.consignments.models import Consignment, ConsignmentStatus
from tests.factories import Store, csrf_of, make_product, make_user, sign_in_as, stock_of


def _brand(shop: Store, *products: Product) -> uuid.UUID:
    with shop.uow() as uow:
        brand = Brand(name="Acme")
        uow.session.add(brand)
        uow.session.flush()
        ids = [p.id for p in products]
        uow.session.execute(update(Product).where(Product.id.in_(ids)).values(brand_id=brand.id))
        uow.commit()
        return brand.id


def _new_count(browser: TestClient, shop: Store, brand: uuid.UUID) -> uuid.UUID:
    page = browser.get("/stock-control/counts/new")
    assert page.status_code == 200
    reply = browser.post(
        "/stock-control/counts/new",
        data={
            "csrf": csrf_of(page.text),
            "name": "Acme shelf",
            "outlet_id": str(shop.outlet.id),
            "scope": "partial",
            "brand_ids": [str(brand)],
            "start_now": "on",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return uuid.UUID(reply.headers["location"].rsplit("/", 1)[1])


def _scan(client: TestClient, count_id: uuid.UUID, code: str, quantity: str = "") -> int:
    page = client.get(f"/stock-control/counts/{count_id}/scan")
    assert page.status_code == 200
    reply = client.post(
        f"/stock-control/counts/{count_id}/scan",
        data={
            "csrf": csrf_of(page.text),
            "code": code,
            "quantity": quantity,
            "batch": str(uuid.uuid4()),
        },
        follow_redirects=False,
    )
    return reply.status_code


def test_a_partial_count_is_created_counted_reviewed_and_applied(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=5, barcode="3760000000011", sku="MUG-1")
    bowl = make_product(shop, stock=2, sku="BOWL-1")
    make_product(shop, stock=9, sku="OTHER-1")
    count_id = _new_count(browser, shop, _brand(shop, mug, bowl))
    for _ in range(3):
        assert _scan(browser, count_id, "3760000000011") == 303
    assert _scan(browser, count_id, "MUG-1", "1") == 303
    assert _scan(browser, count_id, "BOWL-1", "2") == 303
    scan = browser.get(f"/stock-control/counts/{count_id}/scan")
    assert "2 of 2 products counted" in scan.text
    review = browser.get(f"/stock-control/counts/{count_id}/review")
    assert review.status_code == 200
    assert 'id="total-count-loss">-1' in review.text
    reply = browser.post(
        f"/stock-control/counts/{count_id}/apply",
        data={"csrf": csrf_of(review.text), "uncounted": "keep"},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert (stock_of(shop, mug), stock_of(shop, bowl)) == (Decimal(4), Decimal(2))
    again = browser.post(
        f"/stock-control/counts/{count_id}/apply",
        data={"csrf": csrf_of(review.text), "uncounted": "keep"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert stock_of(shop, mug) == Decimal(4)


def test_an_unknown_code_or_a_bad_quantity_is_shown_and_changes_nothing(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=5, sku="MUG-1")
    count_id = _new_count(browser, shop, _brand(shop, mug))
    assert _scan(browser, count_id, "NOPE") == 422
    assert _scan(browser, count_id, "MUG-1", "-2") == 422
    assert _scan(browser, count_id, "MUG-1", "abc") == 422
    with shop.db.read_sessions() as session:
        assert lines_of(session, count_id)[mug.id].received is None


def test_a_cashier_counts_but_cannot_review_or_apply(
    app_client: TestClient, browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=5, sku="MUG-1")
    count_id = _new_count(browser, shop, _brand(shop, mug))
    review = browser.get(f"/stock-control/counts/{count_id}/review")
    csrf_owner = csrf_of(review.text)
    browser.post("/logout", data={"csrf": csrf_owner})
    cashier = make_user(shop, role=Role.CASHIER)
    client = sign_in_as(app_client, cashier.username)
    counts = client.get("/stock-control/counts")
    assert counts.status_code == 200
    # The top bar leads a cashier to the counts, not to the stock control they cannot see.
    assert 'id="nav-stock-counts"' in counts.text
    assert 'id="nav-stock-control"' not in counts.text
    assert client.get("/stock-control").status_code == 403
    assert _scan(client, count_id, "MUG-1", "3") == 303
    page = client.get(f"/stock-control/counts/{count_id}")
    assert page.status_code == 200
    assert client.get(f"/stock-control/counts/{count_id}/review").status_code == 403
    assert client.get("/stock-control/counts/new").status_code == 403
    refused = client.post(
        f"/stock-control/counts/{count_id}/apply",
        data={"csrf": csrf_of(page.text), "uncounted": "zero"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert stock_of(shop, mug) == Decimal(5)
    with shop.db.read_sessions() as session:
        consignment = session.get(Consignment, count_id)
        assert consignment is not None
        assert consignment.status == ConsignmentStatus.STOCKTAKE_IN_PROGRESS.value
        assert lines_of(session, count_id)[mug.id].received == Decimal(3)


def _upload(client: TestClient, count_id: uuid.UUID, content: bytes) -> str:
    page = client.get(f"/stock-control/counts/{count_id}/import")
    reply = client.post(
        f"/stock-control/counts/{count_id}/import",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("counts.csv", io.BytesIO(content), "text/csv")},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return str(reply.headers["location"])


def test_counts_import_with_an_errors_file_then_continue_anyway(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=5, sku="MUG-1", barcode="3760000000011")
    bowl = make_product(shop, stock=5, sku="BOWL-1")
    count_id = _new_count(browser, shop, _brand(shop, mug, bowl))
    location = _upload(
        browser,
        count_id,
        b"sku,barcode,quantity\nMUG-1,,2\n,3760000000011,1\nNOPE,,4\nBOWL-1,,-1\n",
    )
    outcome = browser.get(location)
    assert 'id="import-refused"' in outcome.text
    errors = browser.get(f"{location}/errors")
    assert errors.status_code == 200
    assert "No product has this SKU or barcode." in errors.text
    with shop.db.read_sessions() as session:
        assert lines_of(session, count_id)[mug.id].received is None
    for _ in range(2):  # a second click counts nothing more
        browser.post(f"{location}/continue", data={"csrf": csrf_of(outcome.text)})
    assert 'id="import-done"' in browser.get(location).text
    with shop.db.read_sessions() as session:
        lines = lines_of(session, count_id)
    assert (lines[mug.id].received, lines[bowl.id].received) == (Decimal(3), None)


def test_a_right_file_is_counted_at_once(browser: TestClient, shop: Store) -> None:
    mug = make_product(shop, stock=5, sku="MUG-1")
    count_id = _new_count(browser, shop, _brand(shop, mug))
    location = _upload(browser, count_id, b"sku;quantity\nMUG-1;4,5\n")
    assert 'id="import-done"' in browser.get(location).text
    with shop.db.read_sessions() as session:
        assert lines_of(session, count_id)[mug.id].received == Decimal("4.5")
        assert session.scalars(select(Consignment.id)).all() == [count_id]


def test_a_hand_picked_count_takes_an_xlsx_file_of_barcodes(
    browser: TestClient, shop: Store
) -> None:
    import openpyxl

    mug = make_product(shop, stock=5, sku="MUG-1", barcode="3760000000011")
    make_product(shop, stock=5, sku="BOWL-1")
    page = browser.get("/stock-control/counts/new")
    reply = browser.post(
        "/stock-control/counts/new",
        data={
            "csrf": csrf_of(page.text),
            "name": "Mugs",
            "outlet_id": str(shop.outlet.id),
            "scope": "partial",
            "products": "3760000000011\n",
            "start_now": "on",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    count_id = uuid.UUID(reply.headers["location"].rsplit("/", 1)[1])
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["barcode", "quantity"])
    sheet.append(["3760000000011", 6])
    content = io.BytesIO()
    book.save(content)
    page = browser.get(f"/stock-control/counts/{count_id}/import")
    uploaded = browser.post(
        f"/stock-control/counts/{count_id}/import",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("counts.xlsx", io.BytesIO(content.getvalue()), "application/octet-stream")},
    )
    assert 'id="import-done"' in uploaded.text
    with shop.db.read_sessions() as session:
        lines = lines_of(session, count_id)
    assert set(lines) == {mug.id}
    assert lines[mug.id].received == Decimal(6)


def test_a_partial_count_without_a_choice_is_refused(browser: TestClient, shop: Store) -> None:
    page = browser.get("/stock-control/counts/new")
    reply = browser.post(
        "/stock-control/counts/new",
        data={
            "csrf": csrf_of(page.text),
            "name": "Nothing",
            "outlet_id": str(shop.outlet.id),
            "scope": "partial",
        },
    )
    assert reply.status_code == 422
    assert 'id="count-error"' in reply.text
    with shop.db.read_sessions() as session:
        assert session.scalars(select(Consignment.id)).all() == []
