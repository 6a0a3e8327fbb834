"""Verifying the fiscal journal: 1,000,000 signed entries in <= 60 s, memory flat.

    python bench/fiscal_verify.py --backend sqlite|postgresql [--sizes 100000,1000000]
        [--chains 4] [--workers 0]

For each size it migrates a fresh database and bulk-inserts that many correctly signed and
chained entries (`--chains` register chains of sales with totals by rate, payments and
tickets, a daily closing every 500 entries and a monthly one every 30 days, all with
the right totals; signed by one process per chain, inserted with the project's bulk path),
then runs `comptoir.fiscal.verify_database.verify_database` in a fresh process and reports its time
and the peak resident memory of that process and of its worker processes
(`getrusage` maxrss). The memory must not grow with the journal: the largest size's peak
must stay within 1.5 times the smallest's (+ 20 MB). Prints the figures as JSON and exits 1
when a goal is missed (time <= 60 s for 1,000,000 entries; flat memory; journal intact).
Before and after, it measures the floor under the goal on this machine at that moment: one
ECDSA P-256 verification, and a million of them spread over the cores with nothing else.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchlib import analyze, database_bench_parser, throwaway_database
from cryptography.hazmat.primitives import serialization
from sqlalchemy import insert
from sqlalchemy.orm import Session

from comptoir.core.bulk import executemany
from comptoir.core.db import make_engine
from comptoir.fiscal.canonical import canonical_json
from comptoir.fiscal.keys import ALGORITHM, SigningKey, key_id_of
from comptoir.fiscal.models import FiscalChain, FiscalEntry, FiscalKey, register_chain
from comptoir.fiscal.totals import PeriodTotals, Totals, money_text
from comptoir.fiscal.verify import COLUMNS, message_of
from comptoir.migrate import upgrade_database

GOAL_S = 60.0
GOAL_SIZE = 1_000_000
PER_DAY = 500
DAYS_PER_MONTH = 30
CHUNK = 10_000
CASH = "00000000-0000-4000-8000-00000000ca54"
CARD = "00000000-0000-4000-8000-00000000ca4d"


def _sale(index: int) -> dict[str, Any]:
    high = Decimal(100 + index % 900) / 100
    low = Decimal(50 + index % 300) / 100
    rows = []
    for rate, incl in (("20.00", high), ("5.50", low)):
        excl = (incl / (1 + Decimal(rate) / 100)).quantize(Decimal("0.01"))
        rows.append(
            {"rate": rate, "incl": money_text(incl), "excl": money_text(excl),
             "tax": money_text(incl - excl)}
        )  # fmt: skip
    rows.sort(key=lambda row: row["rate"])
    totals = Totals()
    totals.add_payload({"by_rate": rows})
    for row in rows:
        totals.incl += Decimal(row["incl"])
        totals.excl += Decimal(row["excl"])
        totals.tax += Decimal(row["tax"])
    sign = -1 if index % 50 == 0 else 1
    payload_totals = totals.to_payload()
    if sign < 0:
        payload_totals = _negate(payload_totals)
    amount = payload_totals["incl"]
    return {
        "schema": 1,
        "sale_id": str(uuid.UUID(int=index)),
        "totals": payload_totals,
        "payments": [{"payment_type_id": CASH if index % 3 else CARD,
                      "kind": "CASH" if index % 3 else "CREDIT_CARD", "amount": amount}],
        "ticket": True,
    }  # fmt: skip


def _negate(totals: dict[str, Any]) -> dict[str, Any]:
    def neg(text: str) -> str:
        return money_text(-Decimal(text))

    return {
        "incl": neg(totals["incl"]),
        "excl": neg(totals["excl"]),
        "tax": neg(totals["tax"]),
        "by_rate": [
            {"rate": r["rate"], "incl": neg(r["incl"]), "excl": neg(r["excl"]),
             "tax": neg(r["tax"])}
            for r in totals["by_rate"]
        ],
    }  # fmt: skip


def _closing(level: str, period: str, sums: PeriodTotals, perpetual: Totals,
             absolute: Decimal) -> dict[str, Any]:  # fmt: skip
    return {
        "schema": 1,
        "level": level,
        "period": period,
        "totals": sums.totals.to_payload(),
        "payments": sums.payments.to_payload(),
        "tickets": sums.tickets,
        "perpetual": perpetual.to_payload(),
        "perpetual_absolute": {"incl": money_text(absolute)},
    }


def _write_chain(url: str, pem: bytes, register_index: int, size: int) -> tuple[str, int, str]:
    """In a worker: one register chain of `size` signed entries, inserted a chunk at a time."""
    private = serialization.load_pem_private_key(pem, password=None)
    key = SigningKey(key_id=key_id_of(private.public_key()), private_key=private)  # type: ignore[arg-type]
    register_id = uuid.UUID(int=register_index + 1)
    chain = register_chain(register_id)
    engine = make_engine(url, immediate=True, busy_timeout_ms=600_000)
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    # The same 500 sales every day (their payloads and their day's sums computed once):
    # generating is then mostly signing.
    pool = [_sale(index) for index in range(PER_DAY)]
    texts = [canonical_json(payload) for payload in pool]
    one_day = PeriodTotals()
    for payload in pool:
        one_day.add_entry(payload)
    day = one_day
    month = PeriodTotals()
    perpetual = Totals()
    absolute = Decimal(0)
    previous: str | None = None
    day_index = 0
    sales_today = 0
    month_due = False
    rows: list[dict[str, Any]] = []
    for sequence in range(1, size + 1):
        period = None
        text = ""
        if sales_today == PER_DAY:
            if month_due:
                month_due = False
                kind, level = "closing.monthly", "monthly"
                period = f"M{day_index // DAYS_PER_MONTH:05d}"
                text = canonical_json(_closing(level, period, month, perpetual, absolute))
                month = PeriodTotals()
                day_index += 1
                sales_today = 0
            else:
                kind, level = "closing.daily", "daily"
                period = f"D{day_index:05d}"
                perpetual.add(day.totals)
                absolute += day.absolute_incl
                payload = _closing(level, period, day, perpetual, absolute)
                text = canonical_json(payload)
                month.add_closing(payload)
                month.absolute_incl += day.absolute_incl
                if day_index % DAYS_PER_MONTH != DAYS_PER_MONTH - 1:
                    day_index += 1
                    sales_today = 0
                else:
                    sales_today = PER_DAY  # the monthly closing comes next
                    month_due = True
        else:
            kind = "return" if sales_today % 50 == 0 else "sale"
            text = texts[sales_today]
            sales_today += 1
        recorded_at = start + timedelta(days=day_index, seconds=sales_today * 60)
        row = {
            "id": uuid.uuid4(),
            "chain": chain,
            "sequence": sequence,
            "kind": kind,
            "recorded_at": recorded_at,
            "register_id": register_id,
            "subject_id": None,
            "period": period,
            "payload": text,
            "previous_signature": previous,
            "key_id": key.key_id,
            "algorithm": ALGORITHM,
        }
        unsigned = (*(row[name] for name in COLUMNS[:9]), None, key.key_id, ALGORITHM)
        row["signature"] = key.sign(message_of(unsigned))
        previous = row["signature"]
        rows.append(row)
        if len(rows) == CHUNK:
            _insert(engine, rows)
            rows = []
    _insert(engine, rows)
    engine.dispose()
    return chain, size, previous or ""


def _insert(engine: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with Session(engine) as session, session.begin():
        executemany(session, FiscalEntry.__table__, rows)  # type: ignore[arg-type]


def generate(url: str, size: int, chains: int, workers: int) -> float:
    from cryptography.hazmat.primitives.asymmetric import ec

    started = time.perf_counter()
    private = ec.generate_private_key(ec.SECP256R1())
    key = SigningKey(key_id=key_id_of(private.public_key()), private_key=private)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    sizes = [size // chains + (1 if index < size % chains else 0) for index in range(chains)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        heads = list(pool.map(_write_chain, [url] * chains, [pem] * chains, range(chains), sizes))
    engine = make_engine(url, immediate=True)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(FiscalKey).values(key_id=key.key_id, algorithm=ALGORITHM,
                                     public_key=key.public_pem(),
                                     created_at=datetime(2024, 1, 1, tzinfo=UTC))
        )  # fmt: skip
        for chain, last, signature in heads:
            session.execute(
                insert(FiscalChain).values(id=chain, register_id=uuid.UUID(chain[9:]),
                                           last_sequence=last, last_signature=signature)
            )  # fmt: skip
    analyze(engine)
    engine.dispose()
    return time.perf_counter() - started


def verify_in_this_process(url: str, workers: int) -> dict[str, Any]:
    from comptoir.fiscal.verify_database import verify_database

    engine = make_engine(url, statement_reads=True)
    started = time.perf_counter()
    with engine.connect() as connection:
        report = verify_database(connection, url=url, workers=workers)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": round(elapsed, 2),
        "entries": report.entries,
        "intact": report.intact,
        "problem": str(report.problem) if report.problem else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_worker_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def signature_floor(workers: int, *, checks: int = 4000) -> dict[str, float]:
    """The floor under the goal, measured in this run: one ECDSA P-256 verification with
    `cryptography` (this machine's speed now), and what a million cost on `workers` cores
    with no other work at all."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public, algorithm, message = private.public_key(), ec.ECDSA(hashes.SHA256()), b"x" * 600
    signature = private.sign(message, algorithm)
    started = time.perf_counter()
    for _ in range(checks):
        public.verify(signature, message, algorithm)
    each = (time.perf_counter() - started) / checks
    return {
        "ecdsa_verify_us": round(each * 1e6, 1),
        "signatures_alone_s_per_million": round(each * GOAL_SIZE / workers, 1),
    }


def main() -> int:
    parser = database_bench_parser(__doc__, seed=0)
    parser.add_argument("--sizes", default=f"100000,{GOAL_SIZE}")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--verify-only", help=argparse_suppress())
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    if args.verify_only:
        print(json.dumps(verify_in_this_process(args.verify_only, workers)))
        return 0
    results: list[dict[str, Any]] = []
    floor_before = signature_floor(workers)
    for size in (int(text) for text in args.sizes.split(",")):
        with throwaway_database(args.backend, prefix="comptoir-fiscal-bench-") as url:
            upgrade_database(url)
            generated = generate(url, size, args.chains, workers)
            completed = subprocess.run(
                [sys.executable, __file__, "--backend", args.backend, "--workers",
                 str(workers), "--verify-only", url],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            figures = json.loads(completed.stdout.strip().splitlines()[-1])
            results.append({"size": size, "generate_s": round(generated, 1), **figures})
    peaks = [max(r["peak_rss_mb"], r["peak_worker_rss_mb"]) for r in results]
    flat = max(peaks) <= min(peaks) * 1.5 + 20
    timed = all(
        r["seconds"] <= GOAL_S * r["size"] / GOAL_SIZE for r in results if r["size"] >= GOAL_SIZE
    )
    intact = all(r["intact"] and r["entries"] == r["size"] for r in results)
    print(json.dumps({
        "benchmark": "fiscal_verify", "backend": args.backend, "workers": workers,
        "chains": args.chains, "python": platform.python_version(), "results": results,
        "goal_s_per_million": GOAL_S, "floor_before": floor_before,
        "floor_after": signature_floor(workers), "time_met": timed, "memory_flat": flat,
        "intact": intact,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }, indent=2))  # fmt: skip
    return 0 if (timed and flat and intact) else 1


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())
