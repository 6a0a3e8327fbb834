"""Sale throughput of POST /api/register_sales, end to end over HTTP, with a correctness audit.

    python bench/sale_throughput.py --backend sqlite|postgresql [--clients N]
        [--seconds S | --sales N] [--workers N] [--port P] [--embedded-worker]

It builds a fresh database (an SQLite file in a temporary directory, or a throw-away
PostgreSQL cluster with fsync on), runs `comptoir init --demo` and `comptoir token create`,
starts `comptoir serve` on 127.0.0.1, then N concurrent clients (asyncio tasks, each with its
own keep-alive HTTP/1.1 connection) post 3-line cash sales, each with its own UUID, paying
the exact total in cash. Each client is a register: next sale as soon as the last one is
answered. A transport error, 429 or 5xx is retried with the same id. A few percent of
sales are deliberately sent again with the same id, half after the first answer and half
concurrently with it, to exercise idempotency. Afterwards it audits the store through the
API: every acknowledged sale exists exactly once, nothing else was recorded, each sale holds
the lines that were sent, and every inventory level dropped by exactly the quantities sold.

It prints one JSON object and exits 1 when anything was lost, duplicated or mismatched
(or nothing was measured). Every sale is signed into the fiscal journal (issue 12): with
`--baseline FILE`, the JSON of the same command run on code without the journal, it also
reports what the journal adds per sale: the difference of the CPU per sale of the server and
the database processes (what the journal's work costs, whatever else runs on the machine),
the figure held to `--max-added-ms` (2 ms, issue 12's budget: exit 1 beyond it), and the
difference of the mean latency beside it (run at `--clients 1 --workers 1`, where a sale's
latency is its own work, not queueing; it moves with the machine's load).

    python bench/sale_throughput.py --backend sqlite|postgresql --journal-cost [--sales N]

measures the journal's addition without that noise: in one process, on a fresh demo store,
it records N 3-line cash sales through the sales service (no HTTP, which the journal does
not touch) in alternating blocks of 20 with the journal on and off (off: the one call that
journals a sale replaced by a no-op), so that the machine's drift falls on both alike; it
reports the difference of the mean wall time and CPU time per sale and exits 1 when the
wall time added is over `--max-added-ms`. Errors (non-2xx answers, transport failures)
are counted apart. Only 127.0.0.1 is ever contacted; the
server, the cluster and the temporary files are always removed. See bench/README.md for the
figures and how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
OWNER_EMAIL = "bench@example.com"
OWNER_PASSWORD = "bench-password-not-secret"
LINES_PER_SALE = 3
REQUEST_TIMEOUT_S = 30.0
SEND_ATTEMPTS = 3  # a transport error, 429 or 5xx is retried with the same id, like a register
SALES_PAGE_SIZE = 500
KEEP_ALIVE_REUSE_S = 3.0  # reopen connections idle longer than this (uvicorn drops them at 5)
CASH = 1  # X-Series payment type_id for cash
HARD_CAP_S = 900.0  # no run, whatever its arguments, sends sales for longer than this
AUDIT_TIMEOUT_S = 300.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- arguments -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Throughput and latency of POST /api/register_sales, with an audit.",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "--seconds", type=float, default=None, help="measure for this long (default 30)"
    )
    amount.add_argument("--sales", type=int, default=None, help="measure this many new sales")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (2)")
    parser.add_argument("--port", type=int, default=0, help="server port (a free one)")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of load before measuring (3)"
    )
    parser.add_argument(
        "--replay-rate",
        type=float,
        default=0.04,
        help="share of sales sent twice with the same id (0.04)",
    )
    parser.add_argument(
        "--embedded-worker",
        action="store_true",
        help="run the outbox dispatcher thread in the server (COMPTOIR_EMBEDDED_WORKER=true); "
        "off by default, as in production where `comptoir worker` runs apart",
    )
    parser.add_argument(
        "--client-check",
        type=float,
        default=2.0,
        help="seconds of GET /healthz at the same concurrency before the run, to show the "
        "client's own ceiling (0 to skip)",
    )
    parser.add_argument(
        "--http-client",
        choices=["raw", "httpx"],
        default="raw",
        help="raw: a lean keep-alive HTTP/1.1 client on asyncio streams (default); httpx: "
        "httpx.AsyncClient, which costs the shared cores about 10x more CPU per request",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="run the server under `py-spy record` and write a speedscope/flamegraph here "
        "(.json: speedscope, .txt: collapsed stacks, otherwise an SVG flame graph); needs "
        "py-spy in the virtualenv",
    )
    parser.add_argument(
        "--profile-mode",
        choices=["gil", "wall"],
        default="gil",
        help="gil: sample only the thread holding the GIL (where the Python CPU goes); wall: "
        "every thread, waiting ones included (where requests spend their time)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (server log, db)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="the JSON this bench printed for the same command on code without the fiscal "
        "journal: report the journal's addition per sale and fail beyond --max-added-ms",
    )
    parser.add_argument(
        "--journal-cost",
        action="store_true",
        help="measure the fiscal journal's cost per sale in-process, interleaving sales with "
        "the journal on and off (--sales, default 2000), instead of the HTTP run",
    )
    parser.add_argument(
        "--max-added-ms",
        type=float,
        default=2.0,
        help="the most CPU (server and database) the journal may add per sale against "
        "--baseline, in ms (2)",
    )
    args = parser.parse_args(argv)
    if args.seconds is None and args.sales is None:
        args.seconds = 30.0
    if args.clients < 1 or args.workers < 1:
        parser.error("--clients and --workers must be at least 1")
    if args.seconds is not None and not 0 < args.seconds <= HARD_CAP_S:
        parser.error(f"--seconds must be in (0, {HARD_CAP_S:g}]")
    if args.sales is not None and args.sales < 1:
        parser.error("--sales must be at least 1")
    if not 0 <= args.replay_rate <= 0.5:
        parser.error("--replay-rate must be between 0 and 0.5")
    if not 0 <= args.warmup <= 60 or not 0 <= args.client_check <= 30:
        parser.error("--warmup is at most 60 s and --client-check at most 30 s")
    return args


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def comptoir_command() -> list[str]:
    script = Path(sys.executable).with_name("comptoir")
    return [str(script)] if script.exists() else [sys.executable, "-m", "comptoir.cli"]


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [*comptoir_command(), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"comptoir {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        """SIGTERM the server's own process group (uvicorn and its workers), then SIGKILL."""
        if self.process.poll() is None:
            # py-spy writes its profile on SIGINT; uvicorn stops on either.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Workers left behind by a crashed supervisor share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(
    *,
    port: int,
    workers: int,
    env: dict[str, str],
    cwd: Path,
    profile: Path | None,
    profile_mode: str,
) -> Server:
    command = [
        *comptoir_command(),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if profile is not None:
        py_spy = Path(sys.executable).with_name("py-spy")
        if not py_spy.exists():
            raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
        fmt = {".json": "speedscope", ".txt": "raw"}.get(profile.suffix, "flamegraph")
        command = [
            str(py_spy),
            "record",
            "--subprocesses",
            "--nonblocking",
            *(["--gil"] if profile_mode == "gil" else ["--idle"]),
            "--rate",
            "200",
            "--format",
            fmt,
            "--output",
            str(profile.resolve()),
            "--",
            *command,
        ]
    log_path = cwd / "server.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(process=process, log_path=log_path)


def wait_healthy(server: Server, base_url: str, *, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{server.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/healthz").status_code == 200:
                    return
            time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer within {timeout_s:g} s:\n{server.log_tail()}")


# --- CPU accounting from /proc (Linux) -------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) for every visible process."""
    table: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        # fields[1] is ppid; fields[11], fields[12] are utime, stime (stat fields 14, 15).
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return table


def tree_cpu_seconds(root_pids: list[int]) -> float:
    """CPU seconds of the live processes in the trees under `root_pids`."""
    table = _proc_table()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _) in table.items():
        children[ppid].append(pid)
    seen: set[int] = set()
    stack = [p for p in root_pids if p in table]
    total = 0.0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += table[pid][1]
        stack.extend(children.get(pid, []))
    return total


# --- the load ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    id: str
    price_including_tax: Decimal


@dataclass(frozen=True)
class Setup:
    register_id: str
    outlet_id: str
    cash_id: str
    products: list[Product]


@dataclass
class Planned:
    """A sale as the client built it: what the store must hold afterwards."""

    lines: dict[str, int]
    total: Decimal


@dataclass
class Stats:
    planned: dict[str, Planned] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)  # sale id -> invoice number
    # (request start, request end, latency) of each new sale; latency None for the sales
    # sent twice at once, which count towards throughput but not towards latency
    sale_timings: list[tuple[float, float, float | None]] = field(default_factory=list)
    replay_latencies: list[float] = field(default_factory=list)
    replays: int = 0
    concurrent_replays: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    idempotency_violations: int = 0
    retries_found_recorded: int = 0
    total_mismatches: int = 0
    requests: int = 0
    issued: int = 0
    measured_issued: int = 0


def loads(content: bytes) -> Any:
    return json.loads(content, parse_float=Decimal)


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    reply = await client.get(path, params=params or None)
    if reply.status_code != 200:
        raise RuntimeError(f"GET {path} answered {reply.status_code}: {reply.text[:500]}")
    return loads(reply.content)


async def walk(
    client: httpx.AsyncClient, path: str, *, page_size: int, max_items: int
) -> list[dict[str, Any]]:
    """Every object of an X-Series list, paged by version with `after`; bounded."""
    items: list[dict[str, Any]] = []
    after = 0
    max_pages = max_items // page_size + 10
    for _ in range(max_pages):
        body = await get_json(client, path, after=after, page_size=page_size)
        page = body["data"]
        if not page:
            return items
        items.extend(page)
        newest = body["version"]["max"]
        if newest is None or int(newest) <= after:
            raise RuntimeError(f"{path}: paging did not advance past version {after}")
        after = int(newest)
    raise RuntimeError(f"{path}: more than {max_pages} pages, giving up")


async def fetch_setup(client: httpx.AsyncClient) -> Setup:
    retailer = (await get_json(client, "/api/2.0/retailer"))["data"]
    if retailer["tax_exclusive"]:
        raise RuntimeError("the benchmark expects the tax-inclusive demo store")
    registers = [r for r in (await get_json(client, "/api/2.0/registers"))["data"]]
    registers = [r for r in registers if r.get("deleted_at") is None]
    if not registers:
        raise RuntimeError("no register in the demo store")
    register = sorted(registers, key=lambda r: r["name"])[0]
    types = (await get_json(client, "/api/2.0/payment_types"))["data"]
    cash = [t for t in types if int(t["type_id"]) == CASH and t.get("deleted_at") is None]
    if not cash:
        raise RuntimeError("no cash payment type in the demo store")
    products = [
        Product(id=p["id"], price_including_tax=Decimal(str(p["price_including_tax"])))
        for p in await walk(client, "/api/2.0/products", page_size=1000, max_items=100_000)
        if p.get("deleted_at") is None
        and p.get("active", True)
        and p.get("has_inventory")
        and Decimal(str(p["price_including_tax"])) > 0
    ]
    if len(products) < LINES_PER_SALE:
        raise RuntimeError(
            f"need at least {LINES_PER_SALE} stocked products, found {len(products)}"
        )
    return Setup(
        register_id=register["id"],
        outlet_id=register["outlet_id"],
        cash_id=cash[0]["id"],
        products=sorted(products, key=lambda p: p.id),
    )


async def stock_levels(client: httpx.AsyncClient) -> dict[tuple[str, str], Decimal]:
    levels = await walk(client, "/api/2.0/inventory", page_size=1000, max_items=1_000_000)
    return {
        (lv["product_id"], lv["outlet_id"]): Decimal(str(lv["inventory_level"])) for lv in levels
    }


def build_sale(rng: random.Random, setup: Setup) -> tuple[str, dict[str, Any], Planned]:
    sale_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    chosen = rng.sample(setup.products, LINES_PER_SALE)
    lines = {p.id: rng.randint(1, 3) for p in chosen}
    total = sum((p.price_including_tax * lines[p.id] for p in chosen), Decimal(0))
    body = {
        "id": sale_id,
        "register_id": setup.register_id,
        "state": "closed",
        "register_sale_products": [{"product_id": p.id, "quantity": lines[p.id]} for p in chosen],
        "register_sale_payments": [
            {"retailer_payment_type_id": setup.cash_id, "amount": f"{total:.2f}"}
        ],
    }
    return sale_id, body, Planned(lines=lines, total=total)


# --- HTTP channels for the load: httpx, or a lean keep-alive HTTP/1.1 client -----------------

Answer = tuple[int, dict[str, str], bytes]  # status, headers (lower-case names), body


class TransportError(Exception):
    """No HTTP answer: connection refused or reset, timeout, malformed response."""


class HttpxChannel:
    """Requests through a shared httpx.AsyncClient (its pool keeps the connections alive)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def request(self, method: str, path: str, body: bytes | None = None) -> Answer:
        try:
            reply = await self._client.request(
                method,
                path,
                content=body,
                headers={"content-type": "application/json"} if body is not None else None,
            )
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return reply.status_code, dict(reply.headers), reply.content

    async def close(self) -> None:
        return None


class RawChannel:
    """One keep-alive HTTP/1.1 connection on asyncio streams, reopened after any failure.

    Measured at a quarter of httpx's CPU per sale request and a twentieth per /healthz, so
    that on a 2-core machine the cores go to the server under test, not to the client.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self._host = host
        self._port = port
        self._head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def request(self, method: str, path: str, body: bytes | None = None) -> Answer:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                return await self._exchange(method, path, body)
        except (OSError, EOFError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
            await self.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, method: str, path: str, body: bytes | None) -> Answer:
        if time.monotonic() - self._last_used > KEEP_ALIVE_REUSE_S:
            # uvicorn closes idle keep-alive connections after 5 s: don't race it.
            await self.close()
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._head
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode()
        writer.write(head + b"\r\n" + (body or b""))
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            content = await self._read_chunked(reader)
        else:
            raise ValueError("response without Content-Length or chunked encoding")
        if headers.get("connection", "").lower() == "close":
            await self.close()
        self._last_used = time.monotonic()
        return status, headers, content

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        for _ in range(100_000):
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        raise ValueError("too many chunks")

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


Channel = HttpxChannel | RawChannel


@dataclass
class Reply:
    sale: dict[str, Any]
    replayed: bool
    latency: float


async def send(channel: Channel, body: bytes, stats: Stats, deadline: float) -> Reply | None:
    """POST one sale, retrying transport errors, 429 and 5xx with the same id (bounded)."""
    started = time.perf_counter()
    for attempt in range(SEND_ATTEMPTS):
        stats.requests += 1
        try:
            status, headers, content = await channel.request("POST", "/api/register_sales", body)
        except TransportError as exc:
            stats.errors["transport"] += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(str(exc))
        else:
            if 200 <= status < 300:
                sale = loads(content)["register_sale"]
                replayed = headers.get("idempotent-replayed") == "true"
                return Reply(sale=sale, replayed=replayed, latency=time.perf_counter() - started)
            stats.errors[str(status)] += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"{status}: {content[:300].decode(errors='replace')}")
            if status != 429 and status < 500:
                return None
        if attempt + 1 < SEND_ATTEMPTS and time.perf_counter() < deadline:
            await asyncio.sleep(0.05 * 2**attempt)
    return None


def check_reply(reply: Reply, sale_id: str, planned: Planned, stats: Stats) -> None:
    sale = reply.sale
    totals = sale.get("totals", {})
    gross = Decimal(str(sale["total_price"])) + Decimal(str(sale["total_tax"]))
    if (
        sale["id"] != sale_id
        or gross != planned.total
        or Decimal(str(totals.get("total_to_pay", "NaN"))) != 0
    ):
        stats.total_mismatches += 1


async def client_loop(
    index: int,
    channels: tuple[Channel, Channel],
    setup: Setup,
    stats: Stats,
    args: argparse.Namespace,
    clock: dict[str, float],
) -> None:
    """One register: a sale, its answer, the next sale (a closed loop, no think time)."""
    rng = random.Random(args.seed * 1_000_003 + index)
    main, spare = channels
    while True:
        now = time.perf_counter()
        if now >= clock["stop_issuing"]:
            return
        measured = now >= clock["measure_from"]
        if args.sales is not None and measured and stats.measured_issued >= args.sales:
            return
        stats.issued += 1
        stats.measured_issued += measured
        sale_id, payload, planned = build_sale(rng, setup)
        body = json.dumps(payload).encode()
        stats.planned[sale_id] = planned
        draw = rng.random()
        if draw < args.replay_rate / 2:
            # The same sale twice at once: one must create it, the other find it.
            stats.replays += 1
            stats.concurrent_replays += 1
            start = time.perf_counter()
            pair = await asyncio.gather(
                send(main, body, stats, clock["hard_stop"]),
                send(spare, body, stats, clock["hard_stop"]),
            )
            answered = [r for r in pair if r is not None]
            for reply in answered:
                check_reply(reply, sale_id, planned, stats)
            numbers = {r.sale["invoice_number"] for r in answered}
            created = [r for r in answered if not r.replayed]
            if len(numbers) > 1 or len(created) > 1:
                stats.idempotency_violations += 1
            if answered:
                stats.acknowledged[sale_id] = answered[0].sale["invoice_number"]
                stats.sale_timings.append((start, time.perf_counter(), None))
            continue
        start = time.perf_counter()
        reply = await send(main, body, stats, clock["hard_stop"])
        if reply is None:
            continue
        check_reply(reply, sale_id, planned, stats)
        if reply.replayed:  # a retry found the sale recorded by an attempt whose answer was lost
            stats.retries_found_recorded += 1
        stats.acknowledged[sale_id] = reply.sale["invoice_number"]
        stats.sale_timings.append((start, time.perf_counter(), reply.latency))
        if draw < args.replay_rate:
            # The same sale again after its answer: the first result, nothing changed.
            stats.replays += 1
            again = await send(main, body, stats, clock["hard_stop"])
            if again is not None:
                stats.replay_latencies.append(again.latency)
                check_reply(again, sale_id, planned, stats)
                if (
                    not again.replayed
                    or again.sale["invoice_number"] != reply.sale["invoice_number"]
                ):
                    stats.idempotency_violations += 1


async def client_check(channels: list[Channel], seconds: float) -> dict[str, Any]:
    """GET /healthz flat out at the same concurrency: the client's ceiling on this machine
    (a lower bound: the server shares the cores), and the client's CPU per request."""
    stop = time.perf_counter() + seconds
    done = 0

    async def one(channel: Channel) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            status, _, _ = await channel.request("GET", "/healthz")
            if status != 200:
                raise RuntimeError(f"/healthz answered {status}")
            done += 1

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in channels))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return {
        "healthz_requests_per_s": round(done / elapsed, 1),
        "cpu_ms_per_healthz_request": round(1000 * cpu / max(done, 1), 3),
    }


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def latency_summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": None, "p95": None, "p99": None, "max": None}  # type: ignore[dict-item]
    return {
        "mean": round(1000 * sum(ordered) / len(ordered), 3),
        "p50": round(1000 * percentile(ordered, 50), 2),
        "p95": round(1000 * percentile(ordered, 95), 2),
        "p99": round(1000 * percentile(ordered, 99), 2),
        "max": round(1000 * ordered[-1], 2),
    }


async def audit(
    client: httpx.AsyncClient,
    setup: Setup,
    stats: Stats,
    before: dict[tuple[str, str], Decimal],
    demo_sales: set[str],
) -> dict[str, Any]:
    """Walk every sale and every level through the API and compare with what was sent."""
    listed = await walk(
        client,
        "/api/2.0/sales",
        page_size=SALES_PAGE_SIZE,
        max_items=2 * len(stats.planned) + 10_000,
    )
    listed = [s for s in listed if s["id"] not in demo_sales]
    times = Counter(s["id"] for s in listed)
    invoices = Counter((s["register_id"], s["invoice_number"]) for s in listed)
    acknowledged = set(stats.acknowledged)
    lost = sorted(acknowledged - times.keys())
    duplicated = sorted(i for i, n in times.items() if n > 1)
    unexpected = sorted(i for i in times if i not in stats.planned)
    unacknowledged = sorted(i for i in times if i in stats.planned and i not in acknowledged)
    content_mismatches = 0
    for sale in listed:
        planned = stats.planned.get(sale["id"])
        if planned is None:
            continue
        quantities: Counter[str] = Counter()
        for line in sale["line_items"]:
            quantities[line["product_id"]] += Decimal(str(line["quantity"]))
        gross = Decimal(str(sale["total_price_incl"]))
        if dict(quantities) != {k: Decimal(v) for k, v in planned.lines.items()} or (
            gross != planned.total
        ):
            content_mismatches += 1
        if stats.acknowledged.get(sale["id"], sale["invoice_number"]) != sale["invoice_number"]:
            content_mismatches += 1

    # Stock: each level must have dropped by the quantities of the sales the store holds.
    sold: Counter[tuple[str, str]] = Counter()
    for sale_id in times:
        planned = stats.planned.get(sale_id)
        if planned is not None:
            for product_id, quantity in planned.lines.items():
                sold[(product_id, setup.outlet_id)] += quantity
    after = await stock_levels(client)
    mismatched = [
        key
        for key in sorted(set(before) | set(after) | set(sold))
        if before.get(key, Decimal(0)) - after.get(key, Decimal(0)) != sold.get(key, 0)
    ]
    return {
        "sales_listed": len(listed),
        "distinct_sales_listed": len(times),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "duplicate_invoice_numbers": sum(1 for n in invoices.values() if n > 1),
        "unexpected": len(unexpected),
        "unacknowledged_but_recorded": len(unacknowledged),
        "content_mismatches": content_mismatches,
        "stock_mismatches": len(mismatched),
        "examples": {
            "lost": lost[:3],
            "duplicated": duplicated[:3],
            "unexpected": unexpected[:3],
            "stock": [list(k) for k in mismatched[:3]],
        },
    }


async def run_load(
    base_url: str,
    token: str,
    args: argparse.Namespace,
    server_pids: list[int],
    database_pids: list[int],
) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=2 * args.clients, max_keepalive_connections=2 * args.clients
    )
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        limits=limits,
        timeout=REQUEST_TIMEOUT_S,
    ) as client:
        setup = await fetch_setup(client)
        before = await stock_levels(client)
        # The demo store's own sales (parked, layby, ...) are there before the run.
        demo_sales = {
            s["id"]
            for s in await walk(
                client, "/api/2.0/sales", page_size=SALES_PAGE_SIZE, max_items=10_000
            )
        }
        port = int(base_url.rsplit(":", 1)[1])

        def channel() -> Channel:
            if args.http_client == "raw":
                return RawChannel(HOST, port, token)
            return HttpxChannel(client)

        pairs = [(channel(), channel()) for _ in range(args.clients)]
        check = (
            await client_check([main for main, _ in pairs], args.client_check)
            if args.client_check > 0
            else None
        )
        log(
            f"{len(setup.products)} products; {args.clients} clients ({args.http_client}), "
            f"{args.workers} workers; warm-up {args.warmup:g} s, then "
            + (f"{args.seconds:g} s" if args.seconds is not None else f"{args.sales} sales")
        )

        t0 = time.perf_counter()
        measure_from = t0 + args.warmup
        stop_issuing = measure_from + (args.seconds if args.seconds is not None else HARD_CAP_S)
        clock = {
            "measure_from": measure_from,
            "stop_issuing": stop_issuing,
            "hard_stop": stop_issuing + REQUEST_TIMEOUT_S,
        }
        stats = Stats()
        tasks = [
            asyncio.create_task(client_loop(i, pairs[i], setup, stats, args, clock))
            for i in range(args.clients)
        ]

        # CPU of client, server and database over the measured window only.
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu_from = (
            time.process_time(),
            tree_cpu_seconds(server_pids),
            tree_cpu_seconds(database_pids),
            time.perf_counter(),
        )
        _, pending = await asyncio.wait(
            tasks, timeout=max(1.0, clock["hard_stop"] + REQUEST_TIMEOUT_S - time.perf_counter())
        )
        cpu_to = (
            time.process_time(),
            tree_cpu_seconds(server_pids),
            tree_cpu_seconds(database_pids),
            time.perf_counter(),
        )
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for pair in pairs:
            for c in pair:
                await c.close()
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if pending:
            stats.errors["client_cancelled_at_hard_stop"] += len(pending)

        measured = [t for t in stats.sale_timings if t[0] >= measure_from]
        if measured:
            duration = max(end for _, end, _ in measured) - measure_from
        else:
            duration = cpu_to[3] - measure_from
        log(f"{len(measured)} sales measured in {duration:.1f} s; auditing")
        checked = await asyncio.wait_for(
            audit(client, setup, stats, before, demo_sales), AUDIT_TIMEOUT_S
        )

    window = max(cpu_to[3] - cpu_from[3], 1e-9)
    requests = max(stats.requests, 1)
    return {
        "sales": len(measured),
        "duration_s": round(duration, 2),
        "sales_per_s": round(len(measured) / duration, 1) if duration > 0 else 0.0,
        "latency_ms": latency_summary([lat for _, _, lat in measured if lat is not None]),
        "replay_latency_ms": latency_summary(stats.replay_latencies),
        "errors": sum(stats.errors.values()),
        "errors_by_kind": dict(stats.errors),
        "retries_found_recorded": stats.retries_found_recorded,
        "error_samples": stats.error_samples,
        "replays": stats.replays,
        "concurrent_replays": stats.concurrent_replays,
        "idempotency_violations": stats.idempotency_violations,
        "total_mismatches": stats.total_mismatches,
        "sales_recorded": checked["distinct_sales_listed"],
        "acknowledged": len(stats.acknowledged),
        "lost": checked["lost"],
        "duplicated": checked["duplicated"],
        "duplicate_invoice_numbers": checked["duplicate_invoice_numbers"],
        "unexpected": checked["unexpected"],
        "unacknowledged_but_recorded": checked["unacknowledged_but_recorded"],
        "content_mismatches": checked["content_mismatches"],
        "stock_mismatches": checked["stock_mismatches"],
        "examples": checked["examples"],
        "server_cpu_ms_per_sale": round(
            1000 * (cpu_to[1] - cpu_from[1]) / max(len(measured), 1), 3
        ),
        "database_cpu_ms_per_sale": (
            round(1000 * (cpu_to[2] - cpu_from[2]) / max(len(measured), 1), 3)
            if database_pids
            else 0.0
        ),
        "cpu_cores_used": {
            "client": round((cpu_to[0] - cpu_from[0]) / window, 2),
            "server": round((cpu_to[1] - cpu_from[1]) / window, 2),
            "database": round((cpu_to[2] - cpu_from[2]) / window, 2) if database_pids else None,
        },
        "client": {
            "http": args.http_client,
            "cpu_ms_per_request": round(1000 * (cpu_to[0] - cpu_from[0]) / requests, 3),
            **(check or {}),
        },
    }


# --- main ----------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def postmaster_pid(data_dir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    return None


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` that stops the server


JOURNAL_BLOCK = 20  # sales per block, alternating the journal on and off


def journal_cost(url: str, *, sales: int, max_added_ms: float) -> dict[str, Any]:
    """The fiscal journal's cost per sale, in this process, on a fresh demo store at `url`:
    blocks of sales with the journal on and off, alternating (see the module doc)."""
    from sqlalchemy import select

    from comptoir.accounts import service as accounts
    from comptoir.catalog.models import Product
    from comptoir.core.db import open_database
    from comptoir.customers import service as customers
    from comptoir.fiscal import records
    from comptoir.fiscal.journal import attach_signing_key
    from comptoir.fiscal.keys import create_signing_key
    from comptoir.migrate import upgrade_database
    from comptoir.sales import recording
    from comptoir.sales import service as sales_service
    from comptoir.setup import ensure_retailer, seed_demo_store
    from comptoir.store.models import PaymentKind, PaymentType, Register

    upgrade_database(url)
    db = open_database(url)
    attach_signing_key(db, create_signing_key(Path(tempfile.mkdtemp()) / "fiscal"))
    try:
        with db.unit_of_work() as uow:
            ensure_retailer(uow)
        with db.unit_of_work() as uow:
            owner = accounts.ensure_owner(uow, email=OWNER_EMAIL, password=OWNER_PASSWORD).id
        with db.unit_of_work() as uow:
            seed_demo_store(uow)
            uow.commit()
        with db.read_sessions() as session:
            till = session.scalars(select(Register).where(Register.name == "Caisse 1")).one()
            cash = session.scalars(
                select(PaymentType).where(PaymentType.type_id == PaymentKind.CASH)
            ).first()
            assert cash is not None
            products = list(
                session.scalars(
                    select(Product.id)
                    .where(Product.deleted_at.is_(None), Product.price_including_tax > 0)
                    .order_by(Product.sku)
                    .limit(LINES_PER_SALE)
                )
            )
            till_id, cash_id = till.id, cash.id

        def sell() -> None:
            wanted = sales_service.SaleInput(
                register_id=till_id,
                lines=[
                    sales_service.LineInput(product_id=p, quantity=Decimal(1)) for p in products
                ],
                payments=[
                    sales_service.PaymentInput(payment_type_id=cash_id, amount=Decimal(1000))
                ],
            )
            with db.unit_of_work() as uow:
                sales_service.record_sale(
                    uow, sale=wanted, user_id=owner, find_customer=customers.get_customer
                )

        journaled = records.record_sale
        modes = {"on": journaled, "off": lambda session, **_: None}
        walls = {"on": 0.0, "off": 0.0}
        cpus = {"on": 0.0, "off": 0.0}
        counted = {"on": 0, "off": 0}
        for _ in range(2 * JOURNAL_BLOCK):  # warm-up, journal on (the chain's day opens)
            sell()
        try:
            for block in range(max(2, math.ceil(sales / JOURNAL_BLOCK))):
                mode = "on" if block % 2 == 0 else "off"
                recording.fiscal.record_sale = modes[mode]  # type: ignore[assignment]
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(JOURNAL_BLOCK):
                    sell()
                walls[mode] += time.perf_counter() - wall
                cpus[mode] += time.process_time() - cpu
                counted[mode] += JOURNAL_BLOCK
        finally:
            recording.fiscal.record_sale = journaled  # type: ignore[assignment]
    finally:
        db.dispose()

    def per_sale(mode: str, index: int) -> float:
        return 1000 * (walls, cpus)[index][mode] / counted[mode]

    added_wall = per_sale("on", 0) - per_sale("off", 0)
    return {
        "measured_as": "in one process, sales through the sales service in alternating "
        f"blocks of {JOURNAL_BLOCK} with the journal on and off; mean per sale",
        "sales_per_mode": counted["on"],
        "wall_ms_per_sale": {
            "on": round(per_sale("on", 0), 3),
            "off": round(per_sale("off", 0), 3),
        },
        "cpu_ms_per_sale": {"on": round(per_sale("on", 1), 3), "off": round(per_sale("off", 1), 3)},
        "added_wall_ms_per_sale": round(added_wall, 3),
        "added_cpu_ms_per_sale": round(per_sale("on", 1) - per_sale("off", 1), 3),
        "max_added_ms": max_added_ms,
        "ok": added_wall <= max_added_ms,
    }


def journal_cost_main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    cluster = None
    result: dict[str, Any] = {
        "backend": args.backend,
        "command": shlex.join(["python", "bench/sale_throughput.py", *sys.argv[1:]]),
        "machine": {"cpu_count": os.cpu_count(), "cpu_model": cpu_model()},
    }
    try:
        if args.backend == "sqlite":
            url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            from comptoir.testing import pgcluster

            cluster = pgcluster.start(durable=True)
            url = cluster.create_database("comptoir_bench")
        result["fiscal_journal"] = journal_cost(
            url, sales=args.sales or 2000, max_added_ms=args.max_added_ms
        )
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["fiscal_journal"]["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.journal_cost:
        return journal_cost_main(args)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        import uvloop
    except ImportError:
        uvloop = None  # type: ignore[assignment]

    workdir = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    cluster = None
    server: Server | None = None
    result: dict[str, Any] = {
        "backend": args.backend,
        "workers": args.workers,
        "clients": args.clients,
        "command": shlex.join(["python", "bench/sale_throughput.py", *(argv or sys.argv[1:])]),
    }
    machine = {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "client_event_loop": "uvloop" if uvloop is not None else "asyncio",
    }
    ok = False
    try:
        if args.backend == "sqlite":
            url = f"sqlite:///{workdir / 'bench.db'}"
            database_pids: list[int] = []
        else:
            from comptoir.testing import pgcluster

            if not pgcluster.available():
                raise RuntimeError("initdb/pg_ctl not on PATH: cannot run the PostgreSQL bench")
            log("starting a PostgreSQL cluster (durable: fsync on)")
            cluster = pgcluster.start(durable=True)
            url = cluster.create_database("comptoir_bench")
            pid = postmaster_pid(cluster.data)
            database_pids = [pid] if pid else []
        env = {
            **os.environ,
            "COMPTOIR_DATABASE_URL": url,
            # `comptoir init` makes the fiscal signing key here; the server signs with it.
            "COMPTOIR_FISCAL_KEY_DIR": str(workdir / "fiscal"),
            "COMPTOIR_EMBEDDED_WORKER": "true" if args.embedded_worker else "false",
        }
        log(f"comptoir init --demo on {args.backend}")
        run_cli(
            [
                "init",
                "--owner-email",
                OWNER_EMAIL,
                "--owner-password",
                OWNER_PASSWORD,
                "--demo",
            ],
            env,
            workdir,
        )
        token = (
            run_cli(["token", "create", "--user", OWNER_EMAIL, "--name", "bench"], env, workdir)
            .strip()
            .splitlines()[-1]
            .strip()
        )
        port = args.port or free_port()
        base_url = f"http://{HOST}:{port}"
        server = start_server(
            port=port,
            workers=args.workers,
            env=env,
            cwd=workdir,
            profile=args.profile,
            profile_mode=args.profile_mode,
        )
        wait_healthy(server, base_url)
        log(f"server ready at {base_url}")

        runner = uvloop.run if uvloop is not None else asyncio.run
        figures = runner(run_load(base_url, token, args, [server.process.pid], database_pids))
        ok = not (
            figures["lost"]
            or figures["duplicated"]
            or figures["duplicate_invoice_numbers"]
            or figures["unexpected"]
            or figures["stock_mismatches"]
            or figures["content_mismatches"]
            or figures["idempotency_violations"]
            or figures["total_mismatches"]
            or figures["sales_recorded"] != figures["acknowledged"]
            or figures["sales"] == 0
        )
        result.update(figures)
    except Exception as exc:
        log("".join(traceback.format_exception(exc)))
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if server is not None:
            server.stop()
            if not ok:
                tail = server.log_tail()
                if tail:
                    log(f"server log tail:\n{tail}")
        if cluster is not None:
            cluster.stop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result.update(embedded_worker=args.embedded_worker, ok=ok, machine=machine)
    if ok and args.baseline is not None:
        added = journal_addition(result, json.loads(args.baseline.read_text()))
        result["fiscal_journal"] = added
        ok = added["added_cpu_ms_per_sale"] <= args.max_added_ms
        result["ok"] = ok
    print(json.dumps(result, indent=2, default=str))
    return 0 if ok else 1


def server_cpu_ms_per_sale(figures: dict[str, Any]) -> float:
    """The server's CPU per measured sale; from the CPU cores used over the run's duration
    for a JSON printed before this figure existed."""
    if "server_cpu_ms_per_sale" in figures:
        return float(figures["server_cpu_ms_per_sale"])
    cores = float(figures["cpu_cores_used"]["server"])
    return 1000 * cores * float(figures["duration_s"]) / max(int(figures["sales"]), 1)


def cpu_ms_per_sale(figures: dict[str, Any]) -> float:
    """The server's and the database's CPU per measured sale."""
    return server_cpu_ms_per_sale(figures) + float(figures.get("database_cpu_ms_per_sale") or 0)


def journal_addition(result: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """What the fiscal journal adds per sale: this run against `baseline`, the same command
    on code without the journal. The CPU per sale (server and database) is the figure held
    to the budget; the mean latency's difference is given beside it."""
    same = ("backend", "clients", "workers")
    if any(result.get(k) != baseline.get(k) for k in same):
        raise SystemExit(f"--baseline was run with other {'/'.join(same)}: not comparable")
    mean, base_mean = result["latency_ms"]["mean"], baseline["latency_ms"]["mean"]
    return {
        "measured_as": "CPU per sale of the server and database processes over the measured "
        "window, this run minus --baseline (same backend, clients, workers); the mean "
        "latency's difference beside it",
        "baseline_cpu_ms_per_sale": round(cpu_ms_per_sale(baseline), 3),
        "cpu_ms_per_sale": round(cpu_ms_per_sale(result), 3),
        "added_cpu_ms_per_sale": round(cpu_ms_per_sale(result) - cpu_ms_per_sale(baseline), 3),
        "baseline_mean_latency_ms": base_mean,
        "mean_latency_ms": mean,
        "added_mean_latency_ms": round(mean - base_mean, 3),
    }


if __name__ == "__main__":
    sys.exit(main())
