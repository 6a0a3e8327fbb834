"""`comptoir import products` and `comptoir export products`, the real command in a
subprocess, against a fresh demo store (outlet "Paris Marais", taxes "TVA 20 %"...)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from comptoir.catalog.models import Product
from comptoir.core.db import Database, open_database
from comptoir.io import read_table
from tests.factories import CLI_EMAIL as EMAIL
from tests.factories import CLI_PASSWORD as PASSWORD
from tests.factories import InitialisedStore, fresh_database
from tests.factories import run_comptoir as comptoir
from tests.integration.product_files import csv_bytes, xlsx_bytes

HEADER = ["handle", "sku", "name", "retail_price", "tax", "inventory_Paris_Marais"]


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InitialisedStore]:
    cwd = tmp_path_factory.mktemp("cli-import")
    with fresh_database(database_url, cwd) as url:
        init = comptoir(
            url, cwd, "init", "--owner-email", EMAIL, "--owner-password", PASSWORD, "--demo"
        )
        assert init.returncode == 0, init.stderr
        yield InitialisedStore(url=url, cwd=cwd, runs=[init])


@pytest.fixture
def store_db(demo: InitialisedStore) -> Iterator[Database]:
    database = open_database(demo.url)
    yield database
    database.dispose()


def product_count(database: Database) -> int:
    with database.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(Product)) or 0


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def import_file(demo: InitialisedStore, file: Path, *options: str) -> tuple[int, str, str]:
    """Run `comptoir import products FILE`: (exit code, standard output, messages), rich's
    line wrapping of the messages undone."""
    run = comptoir(demo.url, demo.cwd, "import", "products", str(file), *options)
    return run.returncode, run.stdout.strip(), " ".join(run.stderr.split())


def test_an_import_exits_0_with_a_summary(
    demo: InitialisedStore, store_db: Database, tmp_path: Path
) -> None:
    before = product_count(store_db)
    file = write(
        tmp_path,
        "new.csv",
        csv_bytes(
            [
                HEADER,
                ["cli-mug", "CLI-MUG", "Mug", "9.50", "TVA 20 %", "4"],
                ["cli-bol", "CLI-BOL", "Bol", "7", "", ""],
            ]
        ),
    )
    code, output, messages = import_file(demo, file)
    assert code == 0, messages
    assert output.startswith("2 row(s): 2 product(s) created (2 new handle(s)), 0 updated")
    assert product_count(store_db) == before + 2


def test_an_import_with_errors_exits_1_imports_nothing_and_prints_the_error_file(
    demo: InitialisedStore, store_db: Database, tmp_path: Path
) -> None:
    before = product_count(store_db)
    file = write(
        tmp_path,
        "broken.xlsx",
        xlsx_bytes(
            [HEADER, ["cli-a", "CLI-A", "A", 1, "", 2], ["cli-b", "CLI-B", "B", "douze", "", 1]]
        ),
    )
    code, output, messages = import_file(demo, file)
    assert code == 1
    assert "row 3, column retail_price: douze is not a number." in messages
    assert output == str(tmp_path / "broken-errors.xlsx")  # the path alone, for scripts
    errors = read_table((tmp_path / "broken-errors.xlsx").read_bytes())
    assert errors.header == [*HEADER, "errors"]
    # (an empty last cell is not kept)
    assert {r.number: r.cells[len(HEADER) :] for r in errors.rows} == {
        2: (),
        3: ("retail_price: douze is not a number.",),
    }
    assert product_count(store_db) == before


def test_an_import_with_warnings_exits_2_unless_told_to_continue(
    demo: InitialisedStore, store_db: Database, tmp_path: Path
) -> None:
    before = product_count(store_db)
    file = write(
        tmp_path,
        "warn.csv",
        csv_bytes([[*HEADER, "colour"], ["cli-w", "CLI-W", "W", "1", "", "", "red"]]),
    )
    code, output, messages = import_file(demo, file)
    assert code == 2
    assert "warning: column colour: Unknown column; it was ignored." in messages
    assert product_count(store_db) == before
    # The file with its warnings, to fix instead of continuing: its path alone, last.
    assert output == str(tmp_path / "warn-errors.csv")
    errors = read_table((tmp_path / "warn-errors.csv").read_bytes())
    assert errors.rows[0].cells[-1] == "[file] colour: (warning) Unknown column; it was ignored."
    code, _output, messages = import_file(demo, file, "--continue-on-warnings")
    assert code == 0, messages
    assert product_count(store_db) == before + 1


def test_every_error_is_printed_up_to_50_then_how_many_more_and_the_file_last(
    demo: InitialisedStore, tmp_path: Path
) -> None:
    rows = [HEADER, *([f"cli-{n}", f"CLI-{n}", "X", "douze", "", ""] for n in range(60))]
    file = write(tmp_path, "many.csv", csv_bytes(rows))
    run = comptoir(demo.url, demo.cwd, "import", "products", str(file))
    assert run.returncode == 1
    printed = run.stderr.replace("\n", " ")
    assert printed.count("error: row") == 50
    assert "row 51, column retail_price: douze is not a number." in " ".join(printed.split())
    assert "row 52," not in printed
    assert "... and 10 more error(s)" in " ".join(printed.split())
    assert run.stdout.strip().splitlines()[-1] == str(tmp_path / "many-errors.csv")


def test_an_unreadable_file_exits_1_with_its_reason(demo: InitialisedStore, tmp_path: Path) -> None:
    file = write(tmp_path, "fake.xlsx", b"handle,sku\r\na,b\r\n")
    code, _output, messages = import_file(demo, file)
    assert code == 1
    assert "is not a valid Excel .xlsx workbook" in messages


@pytest.mark.parametrize("name", ["catalog.csv", "catalog.xlsx"])
def test_an_export_imported_again_changes_nothing(
    demo: InitialisedStore, tmp_path: Path, name: str
) -> None:
    exported = tmp_path / name
    run = comptoir(demo.url, demo.cwd, "export", "products", str(exported))
    assert run.returncode == 0, run.stderr
    table = read_table(exported.read_bytes(), filename=name)
    assert table.header[:3] == ["id", "handle", "sku"]
    assert "inventory_Paris_Marais" in table.header
    assert len(table.rows) >= 36  # the demo's products
    code, output, messages = import_file(demo, exported)
    assert code == 0, messages
    expected = f"{len(table.rows)} row(s): 0 product(s) created (0 new handle(s)), 0 updated"
    assert output.startswith(expected)
