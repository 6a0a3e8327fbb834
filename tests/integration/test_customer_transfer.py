"""Customer spreadsheets: export, import (all or nothing), errors, warnings, round trip, CLI."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from comptoir.core.db import Database
from comptoir.customers import groups, transfer
from comptoir.customers.models import Customer, CustomerGroup, MarketingConsent
from comptoir.io import read_table, write_csv, write_error_file
from tests.factories import Store, make_customer, make_product, make_sale

COMPTOIR = Path(sys.executable).with_name("comptoir")


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def validate(shop: Store, data: bytes, filename: str = "customers.csv") -> Any:
    table = read_table(data, filename=filename)
    with shop.db.read_sessions() as session:
        return table, transfer.validate_customers(session, table)


def run_import(shop: Store, data: bytes, filename: str = "customers.csv") -> Any:
    _table, result = validate(shop, data, filename)
    assert result.ok, result.errors
    with shop.uow() as uow:
        return transfer.import_customers(uow, result=result, user_id=shop.owner.id)


def customers(shop: Store) -> list[Customer]:
    with shop.db.read_sessions() as session:
        return list(session.scalars(select(Customer).order_by(Customer.customer_code)))


def export_bytes(shop: Store) -> bytes:
    with shop.db.read_sessions() as session:
        return write_csv(transfer.EXPORT_COLUMNS, transfer.export_rows(session))


HEADER = ["customer_code", "first_name", "last_name", "email", "customer_group_name", "sex"]


def test_an_import_creates_customers_and_the_groups_the_file_names(shop: Store) -> None:
    outcome = run_import(
        shop,
        csv_bytes(
            [
                HEADER,
                ["CARD-1", "Léa", "Martin", "lea@example.fr", "VIP", "f"],
                ["", "Hugo", "Bernard", "", "", "M"],
            ]
        ),
    )
    assert (outcome.created, outcome.updated, outcome.groups_created) == (2, 0, 1)
    by_name = {c.first_name: c for c in customers(shop)}
    assert by_name["Léa"].customer_code == "CARD-1" and by_name["Léa"].gender == "F"
    assert by_name["Hugo"].customer_code.startswith("C-")
    with shop.db.read_sessions() as session:
        vip = groups.find_group(session, name="vip")
        assert vip is not None and by_name["Léa"].customer_group_id == vip.id
        assert by_name["Hugo"].customer_group_id == groups.default_group(session).id


def test_a_row_with_an_existing_code_updates_that_customer(shop: Store) -> None:
    existing = make_customer(shop, first_name="Léa", last_name="Martin", customer_code="CARD-1")
    outcome = run_import(shop, csv_bytes([["customer_code", "last_name"], ["CARD-1", "Dubois"]]))
    assert (outcome.created, outcome.updated) == (0, 1)
    (only,) = customers(shop)
    assert (only.id, only.first_name, only.last_name) == (existing.id, "Léa", "Dubois")


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        ([HEADER, ["A", "Léa", "M", "not-an-email", "", ""]], ("email", 2)),
        ([HEADER, ["A", "Léa", "M", "", "", "Z"]], ("sex", 2)),
        (
            [HEADER, ["A", "Léa", "", "", "", ""], ["A", "Hugo", "", "", "", ""]],
            ("customer_code", 3),
        ),
        ([["first_name", "year_to_date"], ["Léa", "120"]], ("year_to_date", 2)),
        ([["first_name", "loyalty_points"], ["Léa", "3"]], ("loyalty_points", 2)),
        ([["first_name", "on_account_limit"], ["Léa", "-4"]], ("on_account_limit", 2)),
        ([["first_name", "physical_country_id"], ["Léa", "France"]], ("physical_country_id", 2)),
        ([["first_name", "do_not_email"], ["Léa", "peut-être"]], ("do_not_email", 2)),
    ],
)
def test_errors_name_their_row_and_column_and_nothing_is_imported(
    shop: Store, rows: list[list[str]], where: tuple[str, int | None]
) -> None:
    table, result = validate(shop, csv_bytes(rows))
    assert not result.ok
    column, row = where
    assert any(e.column == column and (row is None or e.row == row) for e in result.errors), (
        result.errors
    )
    content, extension = write_error_file(table, result)
    assert extension == "csv" and b"errors" in content.splitlines()[0]
    with pytest.raises(Exception, match="errors"), shop.uow() as uow:
        transfer.import_customers(uow, result=result, user_id=None)
    assert customers(shop) == []


def test_an_unreadable_birth_date_or_missing_names_only_warn(shop: Store) -> None:
    data = csv_bytes(
        [
            ["first_name", "last_name", "email", "date_of_birth"],
            ["Léa", "Martin", "", "le 3 mai"],
            ["", "", "anon@example.fr", "1990-05-03"],
        ]
    )
    _table, result = validate(shop, data)
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [(2, "date_of_birth"), (3, None)]
    run_import(shop, data)
    by_email = {c.email: c for c in customers(shop)}
    assert by_email[None].date_of_birth is None
    assert by_email["anon@example.fr"].date_of_birth == date(1990, 5, 3)


def test_windows_1252_with_semicolons_and_xlsx_are_read(shop: Store, tmp_path: Path) -> None:
    run_import(
        shop,
        csv_bytes(
            [["first_name", "last_name"], ["Zoé", "Lefèvre"]], encoding="cp1252", delimiter=";"
        ),
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["first_name", "date_of_birth"])
    sheet.append(["Noé", date(2001, 2, 3)])
    path = tmp_path / "c.xlsx"
    workbook.save(path)
    run_import(shop, path.read_bytes(), "c.xlsx")
    names = {c.first_name: c for c in customers(shop)}
    assert names["Zoé"].last_name == "Lefèvre"
    assert names["Noé"].date_of_birth == date(2001, 2, 3)


def test_export_then_import_changes_nothing(shop: Store) -> None:
    make_customer(
        shop,
        first_name="Léa",
        last_name="Martin",
        email="lea@example.fr",
        date_of_birth="1985-04-23",
        gender="F",
        on_account_limit="150.5",
        do_not_email=True,
        physical_city="Lyon",
        note="=1+1 is not a formula",
    )
    make_customer(shop, first_name="Hugo", company_name="ACME")
    product = make_product(shop, price="10.00")
    lea = customers(shop)[0]
    make_sale(shop, [(product, 1)], total="10.00", customer_id=lea.id)
    first = export_bytes(shop)
    assert b"'=1+1" in first  # neutralised against formula injection
    outcome = run_import(shop, first)
    assert (outcome.created, outcome.updated) == (0, 2)
    assert export_bytes(shop) == first
    # The year to date (10) travels with the file; changing it is refused.
    changed = first.replace(b",10,0,0,0", b",99,0,0,0")
    assert changed != first
    _table, result = validate(shop, changed)
    assert [e.column for e in result.errors] == ["year_to_date"]


def test_an_exported_file_builds_the_same_customers_in_another_store(
    shop: Store, db: Database
) -> None:
    make_customer(shop, first_name="Léa", email="lea@example.fr", customer_code="CARD-7")
    exported = export_bytes(shop)
    with shop.uow() as uow:
        uow.session.execute(MarketingConsent.__table__.delete())
        uow.session.execute(Customer.__table__.delete())
        uow.commit()
    run_import(shop, exported)
    assert [(c.customer_code, c.email) for c in customers(shop)] == [("CARD-7", "lea@example.fr")]


def comptoir(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPTOIR_DATABASE_URL": url}
    return subprocess.run(
        [str(COMPTOIR), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_the_cli_imports_exports_and_gives_the_error_file_path(shop: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["first_name", "email"], ["Léa", "lea@example.fr"]]))
    done = comptoir(shop.db.url, tmp_path, "import", "customers", str(good))
    assert done.returncode == 0, done.stderr
    assert "1 customer(s) created" in done.stdout

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["first_name", "email"], ["Hugo", "nope"]]))
    failed = comptoir(shop.db.url, tmp_path, "import", "customers", str(bad))
    assert failed.returncode == 1
    error_file = Path(failed.stdout.strip().splitlines()[-1])
    assert error_file.exists() and b"errors" in error_file.read_bytes().splitlines()[0]

    warned = tmp_path / "warned.csv"
    warned.write_bytes(csv_bytes([["first_name", "date_of_birth"], ["Zoé", "someday"]]))
    assert comptoir(shop.db.url, tmp_path, "import", "customers", str(warned)).returncode == 2
    assert len(customers(shop)) == 1
    continued = comptoir(
        shop.db.url, tmp_path, "import", "customers", str(warned), "--continue-on-warnings"
    )
    assert continued.returncode == 0, continued.stderr

    out = tmp_path / "out.xlsx"
    exported = comptoir(shop.db.url, tmp_path, "export", "customers", str(out))
    assert exported.returncode == 0, exported.stderr
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == transfer.EXPORT_COLUMNS
    assert {r[1] for r in rows[1:]} == {"Léa", "Zoé"}


def test_a_file_that_is_not_a_spreadsheet_is_refused(shop: Store, tmp_path: Path) -> None:
    fake = tmp_path / "customers.xlsx"
    fake.write_bytes(b"this is not a zip")
    failed = comptoir(shop.db.url, tmp_path, "import", "customers", str(fake))
    assert failed.returncode == 1
    assert "error" in failed.stderr.lower()
    with shop.db.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(CustomerGroup)) == 1
