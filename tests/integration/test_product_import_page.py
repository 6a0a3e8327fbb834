"""Catalog > Import products: upload, background job, progress, errors, warnings, summary."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts.permissions import Role
from comptoir.catalog.transfer.service import CHECKING, IMPORTING, READING
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.io import jobs, read_table
from tests.factories import Store, csrf_of, make_user, sign_in_as
from tests.integration.product_files import counts, csv_bytes, products

GOOD = csv_bytes([["sku", "name", "retail_price", "inventory_Main"], ["P1", "Mug", "4.50", "3"]])
BAD = csv_bytes(
    [["sku", "name", "retail_price"], ["P1", "Mug", "4.50"], ["P2", "Bowl", "cinq"]],
    delimiter=";",
)
WARNED = csv_bytes([["sku", "name", "retail_price", "colour"], ["P1", "Mug", "4.50", "blue"]])


def upload(client: TestClient, data: bytes, name: str = "products.csv") -> uuid.UUID:
    """Upload through the form and wait for the background import to end."""
    token = csrf_of(client.get("/products/import").text)
    reply = client.post(
        "/products/import",
        data={"csrf": token},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    job_id = uuid.UUID(reply.headers["location"].rsplit("/", 1)[-1])
    jobs.wait(job_id, timeout=60)
    return job_id


def test_the_product_list_links_to_the_import_page_for_managers(
    browser: TestClient, shop: Store
) -> None:
    assert 'href="/products/import"' in browser.get("/products").text
    page = browser.get("/products/import").text
    assert 'enctype="multipart/form-data"' in page
    assert "<script>" not in page


def test_a_good_file_is_imported_in_the_background_and_summarised(
    browser: TestClient, shop: Store
) -> None:
    job_id = upload(browser, GOOD)
    progress = browser.get(f"/products/import/{job_id}/progress").json()
    assert progress == {
        "status": "imported",
        "phase": IMPORTING,
        "done": 2,
        "total": 2,
        "percent": 100,
        "finished": True,
    }
    page = browser.get(f"/products/import/{job_id}").text
    assert "products.csv is imported." in page
    assert '<td class="num" data-count="created">1</td>' in page
    assert "import_progress.js" not in page
    assert list(products(shop.db)) == ["P1"]


def test_a_file_with_errors_imports_nothing_and_offers_its_error_file(
    browser: TestClient, shop: Store
) -> None:
    job_id = upload(browser, BAD, name="catalogue.csv")
    page = browser.get(f"/products/import/{job_id}").text
    assert "Nothing was imported. Errors: 1." in page
    assert "cinq is not a number." in page
    assert f'href="/products/import/{job_id}/errors"' in page
    assert counts(shop.db) == (0, 0, 0)
    download = browser.get(f"/products/import/{job_id}/errors")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="catalogue-errors.csv"'
    )
    table = read_table(download.content)
    assert table.delimiter == ";"
    assert table.header == ["sku", "name", "retail_price", "errors"]
    assert table.rows[-1].cells[-1] == "retail_price: cinq is not a number."


def test_warnings_wait_for_the_user_to_continue_anyway(browser: TestClient, shop: Store) -> None:
    job_id = upload(browser, WARNED)
    page = browser.get(f"/products/import/{job_id}").text
    assert "Nothing is imported yet. Warnings: 1." in page
    assert "Unknown column; it was ignored." in page
    assert counts(shop.db) == (0, 0, 0)
    reply = browser.post(
        f"/products/import/{job_id}/continue",
        data={"csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    jobs.wait(job_id, timeout=60)
    assert "products.csv is imported." in browser.get(f"/products/import/{job_id}").text
    assert list(products(shop.db)) == ["P1"]
    # Once imported, it cannot be continued again.
    again = browser.post(f"/products/import/{job_id}/continue", data={"csrf": csrf_of(page)})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"file": ("empty.csv", b"  ", "text/csv")}, "The file is empty."),
        ({}, "Choose a CSV, XLSX or XLS file."),
    ],
)
def test_a_missing_or_empty_upload_is_refused_on_the_form(
    browser: TestClient, files: dict[str, tuple[str, bytes, str]], message: str
) -> None:
    token = csrf_of(browser.get("/products/import").text)
    reply = browser.post("/products/import", data={"csrf": token}, files=files or None)
    assert reply.status_code == 422
    assert message in reply.text


def test_an_upload_without_the_form_token_is_refused(browser: TestClient, shop: Store) -> None:
    reply = browser.post(
        "/products/import", data={"csrf": "forged"}, files={"file": ("p.csv", GOOD, "text/csv")}
    )
    assert reply.status_code == 403
    assert counts(shop.db) == (0, 0, 0)


@pytest.mark.parametrize("path", ["/products/import", f"/products/import/{uuid.uuid4()}/progress"])
def test_cashiers_cannot_import(app_client: TestClient, shop: Store, path: str) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    sign_in_as(app_client, cashier.username)
    assert app_client.get(path).status_code == 403
    assert 'href="/products/import"' not in app_client.get("/products").text


def test_managers_can_import(app_client: TestClient, shop: Store) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    sign_in_as(app_client, manager.username)
    upload(app_client, GOOD)
    assert list(products(shop.db)) == ["P1"]


def test_an_unknown_import_is_not_found(browser: TestClient) -> None:
    assert browser.get(f"/products/import/{uuid.uuid4()}").status_code == 404


def _job(db: Database) -> uuid.UUID:
    with db.write_sessions() as session, session.begin():
        return jobs.create_job(
            session, kind="products", filename="p.csv", content=b"x", user_id=None, locale="en"
        ).id


def test_progress_goes_to_the_job_row_except_while_sqlite_is_locked_by_the_import(
    db: Database,
) -> None:
    job_id = _job(db)
    recorder = jobs.Recorder(db, job_id, locked_phases=(CHECKING, IMPORTING))
    recorder(READING, 10, 40)
    with db.read_sessions() as session:
        job = session.get(jobs.ImportJob, job_id)
        assert job is not None
        assert (job.status, job.phase, job.done, job.total) == ("running", READING, 10, 40)
    recorder(IMPORTING, 5, 20)
    with db.read_sessions() as session:
        job = session.get(jobs.ImportJob, job_id)
        assert job is not None
        stored = (job.phase, job.done)
        live = jobs.progress_of(job)
    if db.dialect == "sqlite":
        assert stored == (READING, 10)  # the import holds SQLite's write lock meanwhile
    else:
        assert stored == (IMPORTING, 5)
    assert (live.phase, live.done, live.total, live.percent) == (IMPORTING, 5, 20, 25)


def test_a_job_left_running_by_a_stopped_process_shows_as_interrupted(db: Database) -> None:
    job_id = _job(db)
    with db.write_sessions() as session, session.begin():
        session.execute(
            update(jobs.ImportJob)
            .where(jobs.ImportJob.id == job_id)
            .values(status="running", updated_at=utcnow() - timedelta(hours=1))
        )
    with db.read_sessions() as session:
        job = session.get(jobs.ImportJob, job_id)
        assert job is not None
        assert jobs.progress_of(job).status == "interrupted"


def test_jobs_finished_a_month_ago_are_deleted_with_their_files(db: Database) -> None:
    old, recent, running = _job(db), _job(db), _job(db)
    with db.write_sessions() as session, session.begin():
        for job_id, days in ((old, 31), (recent, 29)):
            session.execute(
                update(jobs.ImportJob)
                .where(jobs.ImportJob.id == job_id)
                .values(status="imported", finished_at=utcnow() - timedelta(days=days))
            )
    new = _job(db)
    with db.read_sessions() as session:
        kept = set(session.scalars(select(jobs.ImportJob.id)))
    assert kept == {recent, running, new}


def test_a_broken_row_is_shown_by_its_line_with_the_file_to_mend_or_skipped_on_continuing(
    browser: TestClient, shop: Store
) -> None:
    data = (
        b"sku,name,description,retail_price\r\n"
        b'P1,Mug,"<p>Big\r\nmug</p>",5\r\n'
        b'P2,Bowl,"<p class="x">Deep, wide</p>",7\r\n'
    )
    job_id = upload(browser, data, name="export.csv")
    page = browser.get(f"/products/import/{job_id}").text
    assert "Nothing is imported yet. Warnings: 1." in page
    assert "Line 4 of the file: 5 cells where the header has 4." in page
    assert f'id="download-warnings" href="/products/import/{job_id}/errors"' in page
    download = browser.get(f"/products/import/{job_id}/errors")
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="export-errors.csv"'
    )
    broken = read_table(download.content).rows[-1].cells
    assert broken[:5] == ("P2", "Bowl", '<p class=x">Deep', ' wide</p>"', "7")
    reply = browser.post(
        f"/products/import/{job_id}/continue", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert reply.status_code == 303
    jobs.wait(job_id, timeout=60)
    assert "export.csv is imported." in browser.get(f"/products/import/{job_id}").text
    assert list(products(shop.db)) == ["P1"]
