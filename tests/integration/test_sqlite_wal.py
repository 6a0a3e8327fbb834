"""SQLite's write-ahead log stays bounded under concurrent sales and shrinks afterwards.

Before: 2,000 sales from 16 registers grew the `-wal` file to 317 MB (a 6 MB database) and
it was never truncated while the process ran, because every sale's lookups held a read
snapshot while the sale waited for the write lock (see core/wal.py).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from comptoir.catalog.models import Product
from comptoir.core.db import Database, open_database
from comptoir.customers import service as customers
from comptoir.migrate import upgrade_database
from comptoir.sales import service as sales
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    count_rows,
    fresh_database,
    ledger_of,
    make_product,
    make_sale,
    make_store,
    run_together,
    sale_input,
    stock_of,
)

ROOT = Path(__file__).resolve().parents[2]
WAL_BOUND_BYTES = 64 * 1024 * 1024
SALES = 2_000
REGISTERS = 16
CHECKPOINT_EVERY_S = 0.5


@pytest.fixture
def sqlite_shop(database_url: str, tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    """A store in its own SQLite file, with the server's periodic checkpoints on."""
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("the write-ahead log is SQLite's; PostgreSQL manages its own")
    with fresh_database(database_url, tmp_path) as url:
        upgrade_database(url)
        database = open_database(url, busy_timeout_ms=10_000, checkpoint_every_s=CHECKPOINT_EVERY_S)
        try:
            path = make_url(url).database
            assert path is not None
            yield make_store(database), Path(path + "-wal")
        finally:
            database.dispose()


def wal_size(wal: Path) -> int:
    return wal.stat().st_size if wal.exists() else 0


class WalSampler:
    """The largest size the log file reaches while the block runs, sampled every 10 ms."""

    def __init__(self, wal: Path) -> None:
        self.wal = wal
        self.largest = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.largest = max(self.largest, wal_size(self.wal))
            self.samples += 1

    def __enter__(self) -> WalSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def keep_reading(db: Database, stop: threading.Event) -> int:
    """What the back office does meanwhile: short reads, coming and going."""
    reads = 0
    while not stop.wait(0.005):
        with db.read_sessions() as session:
            session.scalar(select(func.count()).select_from(Sale))
            session.scalars(select(Sale).order_by(Sale.sale_date.desc()).limit(20)).all()
        reads += 1
    return reads


def test_the_write_ahead_log_stays_under_64_mb_during_2000_concurrent_sales_and_shrinks_after(
    sqlite_shop: tuple[Store, Path],
) -> None:
    shop, wal = sqlite_shop
    products = [make_product(shop, price="10.00", stock=100_000) for _ in range(6)]
    numbers = itertools.count()
    take = threading.Lock()

    def register() -> int:
        sold = 0
        while True:
            with take:
                n = next(numbers)
            if n >= SALES:
                return sold
            first, second = products[n % 6], products[(n + 1) % 6]
            wanted = sale_input(
                shop, [(first, 1), (second, 2)], total="30.00", sale_id=uuid.uuid4()
            )
            with shop.db.unit_of_work() as uow:
                sales.record_sale(
                    uow,
                    sale=wanted,
                    user_id=shop.owner.id,
                    find_customer=customers.get_customer,
                )
            sold += 1

    stop_reading = threading.Event()
    readers: list[int] = []
    reader_threads = [
        threading.Thread(target=lambda: readers.append(keep_reading(shop.db, stop_reading)))
        for _ in range(2)
    ]
    with WalSampler(wal) as sampler:
        for thread in reader_threads:
            thread.start()
        try:
            sold = run_together(REGISTERS, register)
        finally:
            stop_reading.set()
            for thread in reader_threads:
                thread.join()
        # After the load: the periodic TRUNCATE checkpoint empties the log.
        deadline = time.monotonic() + 20 * CHECKPOINT_EVERY_S
        while wal_size(wal) > 0 and time.monotonic() < deadline:
            time.sleep(CHECKPOINT_EVERY_S / 5)

    assert sum(sold) == SALES, sold
    assert count_rows(shop.db, Sale) == SALES
    assert all(reads > 0 for reads in readers)
    assert sampler.samples > 100
    assert 0 < sampler.largest < WAL_BOUND_BYTES, f"the log reached {sampler.largest:,} bytes"
    assert wal_size(wal) == 0
    for product in products:
        assert stock_of(shop, product) == ledger_of(shop, product)


def test_a_read_session_sees_what_was_committed_between_two_of_its_statements(
    shop: Store,
) -> None:
    # A reader that kept its first snapshot would pin the SQLite log (and see stale data).
    coffee = make_product(shop, price="3.00")
    with shop.db.read_sessions() as session:
        before = session.scalar(select(func.count()).select_from(Sale))
        make_sale(shop, [(coffee, 1)], total="3.00")
        after = session.scalar(select(func.count()).select_from(Sale))
        product = session.get(Product, coffee.id)

    assert (before, after) == (0, 1)
    assert product is not None


# Run in its own process: RLIMIT_FSIZE (a write past it fails with EFBIG, as on a full
# disk) holds for the whole process.
FULL_DISK = """
import json, resource, signal, sys, uuid
from pathlib import Path
from fastapi.testclient import TestClient
from sqlalchemy import select
from comptoir.app import create_app
from comptoir.migrate import upgrade_database
from comptoir.sales.models import Sale
from tests.factories import app_settings, make_product, make_store, make_token, sale_payload

directory = Path(sys.argv[1])
url = f"sqlite:///{directory / 'full.db'}"
upgrade_database(url)
app = create_app(app_settings(url, sqlite_checkpoint_seconds=0.2))
shop = make_store(app.state.database)
coffee = make_product(shop, price="3.00", stock=1000)
replies, acknowledged = [], set()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)

with TestClient(app) as client:
    client.headers["Authorization"] = f"Bearer {make_token(shop)}"

    def sell(sale_id):
        body = sale_payload(shop, [(coffee, 1)], total="3.00", sale_id=sale_id)
        reply = client.post("/api/register_sales", json=body)
        replies.append([reply.status_code, reply.headers.get("Retry-After")])
        if reply.status_code == 200:
            acknowledged.add(str(sale_id))
        return reply.status_code

    before = [sell(uuid.uuid4()) for _ in range(3)]
    files = [directory / name for name in ("full.db", "full.db-wal")]
    full = max(f.stat().st_size for f in files if f.exists())
    resource.setrlimit(resource.RLIMIT_FSIZE, (full, hard))  # the disk is full
    refused = None
    for _ in range(200):
        sale_id = uuid.uuid4()
        if sell(sale_id) != 200:
            refused = sale_id
            break
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space is freed
    retried = sell(refused) if refused else None
    after = [sell(uuid.uuid4()) for _ in range(3)]

with app.state.database.read_sessions() as session:
    recorded = [str(i) for i in session.scalars(select(Sale.id))]
print(json.dumps({
    "before": before, "refused": replies[len(before):-4], "retried": retried, "after": after,
    "recorded": sorted(recorded), "acknowledged": sorted(acknowledged),
}))
"""


def test_a_full_disk_answers_503_and_the_server_recovers_losing_and_doubling_nothing(
    database_url: str, tmp_path: Path
) -> None:
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("the file-size limit stands in for a full disk under SQLite's files")
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["before"] == [200, 200, 200]
    *accepted, last = result["refused"]
    assert all(reply == [200, None] for reply in accepted)
    assert last == [503, "1"]  # the disk filled up: retry shortly
    assert result["retried"] == 200  # the same sale, once there is room again
    assert result["after"] == [200, 200, 200]  # without a restart
    assert result["recorded"] == result["acknowledged"]  # none lost, none twice
