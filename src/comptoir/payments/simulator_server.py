"""The terminal simulator: its own process (`comptoir terminal-simulator --port P`) answering
HTTP like a cloud terminal API, for tests and demos. Standard library only.

    POST /v1/payments                  {"idempotency_key", "amount", "currency", "terminal_id",
                                        "reference", "scenario"?}  -> 201 (200: same key again)
    GET  /v1/payments/{key}            the payment now
    POST /v1/payments/{key}/cancel     the terminal stops waiting (an approved one stays so)
    POST /v1/payments/{key}/void       reverses an approved payment
    POST /v1/payments/{key}/refunds    {"idempotency_key", "amount"} -> 201 (200: same key)
    GET  /v1/ledger                    every charge and refund, to count them
    GET  /v1/terminals/{id}/totals?from=T&to=T
                                       the terminal's approved and refunded totals between two
                                       ISO 8601 instants (a closure's reconciliation)
    PUT  /v1/scenario                  {"scenario", "delay"?}: the scenario of the next payments

Scenarios: `approve`, `decline`, `timeout` (waits `timeout` seconds, then fails),
`customer_cancels` (the customer presses Cancel after `delay` seconds), `approve_delayed`
(approved after `delay` seconds), `connection_lost` (approved, then the connection is dropped
before the answer: a retry with the same key finds the payment approved). The scenario is the
run's (`--scenario`), replaced by `PUT /v1/scenario`, and a payment may name its own.
Amounts are decimal strings; the ledger counts a charge when a payment is approved. Totals
count a payment approved in the window (unless voided since) and every refund made in it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SCENARIOS = (
    "approve",
    "decline",
    "timeout",
    "customer_cancels",
    "approve_delayed",
    "connection_lost",
)


class SimConflict(Exception):
    """409: the key was used for another amount, or nothing is left to refund."""


class SimNotFound(Exception):
    """404: no payment has this key."""


@dataclass(kw_only=True)
class SimPayment:
    key: str
    amount: Decimal
    currency: str
    terminal_id: str
    scenario: str
    delay: float
    timeout: float
    started: float
    reference: str = field(default_factory=lambda: f"sim_{uuid.uuid4().hex[:16]}")
    status: str = "in_progress"
    refunds: dict[str, Decimal] = field(default_factory=dict)
    # Wall-clock times (seconds since the epoch), for the terminal's totals.
    started_at: float = field(default_factory=time.time)
    approved_at: float | None = None
    refunded_at: dict[str, float] = field(default_factory=dict)

    def settle(self, now: float, ledger: list[dict[str, Any]]) -> None:
        """Move the payment on as time passes (the terminal's side of the story)."""
        if self.status != "in_progress":
            return
        waited = now - self.started
        outcome = None
        if self.scenario in ("approve", "connection_lost"):
            outcome = "approved"
        elif self.scenario == "decline":
            outcome = "declined"
        elif self.scenario == "approve_delayed" and waited >= self.delay:
            outcome = "approved"
        elif self.scenario == "customer_cancels" and waited >= self.delay:
            outcome = "cancelled"
        elif self.scenario == "timeout" and waited >= self.timeout:
            outcome = "timed_out"
        if outcome is None:
            return
        self.status = outcome
        if outcome == "approved":
            delayed = self.scenario == "approve_delayed"
            self.approved_at = self.started_at + (self.delay if delayed else 0.0)
            ledger.append({"kind": "charge", "payment": self.key, "amount": str(self.amount)})

    def as_json(self) -> dict[str, Any]:
        refunded = sum(self.refunds.values(), Decimal(0))
        return {
            "id": self.reference,
            "idempotency_key": self.key,
            "status": self.status,
            "amount": str(self.amount),
            "currency": self.currency,
            "terminal_id": self.terminal_id,
            "refunded": str(refunded),
            "message": {"declined": "Do not honour", "timed_out": "No card presented"}.get(
                self.status
            ),
        }


class Simulator:
    """The simulator's state: payments by key and its ledger, behind one lock."""

    def __init__(self, *, scenario: str, delay: float, timeout: float) -> None:
        self.scenario, self.delay, self.timeout = scenario, delay, timeout
        self.payments: dict[str, SimPayment] = {}
        self.ledger: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def create(self, body: dict[str, Any]) -> tuple[int, SimPayment]:
        key = str(body.get("idempotency_key") or "")
        amount = _amount(body.get("amount"))
        if not key or amount is None or amount <= 0:
            raise ValueError("idempotency_key and a positive amount are required")
        with self.lock:
            existing = self.payments.get(key)
            if existing is not None:
                if existing.amount != amount:
                    raise SimConflict("this idempotency key was used for another amount")
                existing.settle(time.monotonic(), self.ledger)
                return 200, existing
            scenario = str(body.get("scenario") or self.scenario)
            if scenario not in SCENARIOS:
                raise ValueError(f"unknown scenario {scenario}")
            payment = SimPayment(
                key=key,
                amount=amount,
                currency=str(body.get("currency") or "EUR"),
                terminal_id=str(body.get("terminal_id") or ""),
                scenario=scenario,
                delay=self.delay,
                timeout=self.timeout,
                started=time.monotonic(),
            )
            self.payments[key] = payment
            payment.settle(payment.started, self.ledger)
            return 201, payment

    def get(self, key: str) -> SimPayment | None:
        with self.lock:
            payment = self.payments.get(key)
            if payment is not None:
                payment.settle(time.monotonic(), self.ledger)
            return payment

    def cancel(self, key: str) -> SimPayment | None:
        with self.lock:
            payment = self.payments.get(key)
            if payment is None:
                return None
            payment.settle(time.monotonic(), self.ledger)
            if payment.status == "in_progress":
                payment.status = "cancelled"
            return payment

    def void(self, key: str) -> SimPayment | None:
        with self.lock:
            payment = self.payments.get(key)
            if payment is None:
                return None
            payment.settle(time.monotonic(), self.ledger)
            if payment.status == "in_progress":
                payment.status = "cancelled"
            elif payment.status == "approved" and not payment.refunds:
                payment.status = "voided"
                self.ledger.append({"kind": "void", "payment": key, "amount": str(payment.amount)})
            return payment

    def refund(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refund_key = str(body.get("idempotency_key") or "")
        amount = _amount(body.get("amount"))
        with self.lock:
            payment = self.payments.get(key)
            if payment is None:
                raise SimNotFound("unknown payment")
            if not refund_key or amount is None or amount <= 0:
                raise ValueError("idempotency_key and a positive amount are required")
            if refund_key in payment.refunds:
                return 200, _refund_json(refund_key, payment.refunds[refund_key])
            refunded = sum(payment.refunds.values(), Decimal(0))
            if payment.status not in ("approved", "refunded") or refunded + amount > payment.amount:
                raise SimConflict("nothing left to refund on this payment")
            payment.refunds[refund_key] = amount
            payment.refunded_at[refund_key] = time.time()
            if refunded + amount == payment.amount:
                payment.status = "refunded"
            self.ledger.append(
                {"kind": "refund", "payment": key, "refund": refund_key, "amount": str(amount)}
            )
            return 201, _refund_json(refund_key, amount)

    def totals(self, terminal_id: str, *, start: float, end: float) -> dict[str, Any]:
        """What the terminal took and gave back between `start` and `end` (epoch seconds):
        payments approved then (a voided one took nothing), refunds made then."""
        approved, refunded, count = Decimal(0), Decimal(0), 0
        with self.lock:
            now = time.monotonic()
            for payment in self.payments.values():
                if payment.terminal_id != terminal_id:
                    continue
                payment.settle(now, self.ledger)
                at = payment.approved_at
                if at is not None and start <= at <= end and payment.status != "voided":
                    approved += payment.amount
                    count += 1
                for key, amount in payment.refunds.items():
                    if start <= payment.refunded_at[key] <= end:
                        refunded += amount
        return {
            "terminal_id": terminal_id,
            "approved": str(approved),
            "refunded": str(refunded),
            "count": count,
        }

    def set_scenario(self, body: dict[str, Any]) -> None:
        scenario = str(body.get("scenario") or "")
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario}")
        with self.lock:
            self.scenario = scenario
            if body.get("delay") is not None:
                self.delay = float(body["delay"])
            if body.get("timeout") is not None:
                self.timeout = float(body["timeout"])


def _refund_json(key: str, amount: Decimal) -> dict[str, Any]:
    return {"id": f"sim_ref_{key[:24]}", "idempotency_key": key, "amount": str(amount)}


def _instant(query: dict[str, list[str]], name: str) -> float:
    """An ISO 8601 instant from the query string (UTC when it names no offset)."""
    values = query.get(name)
    if not values:
        raise ValueError(f"{name} is required (an ISO 8601 instant)")
    when = datetime.fromisoformat(values[0])
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


class Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        parsed = json.loads(self.rfile.read(length) or b"{}")
        return parsed if isinstance(parsed, dict) else {}

    def _payment_or_404(self, payment: SimPayment | None) -> None:
        if payment is None:
            self._send(404, {"error": "unknown payment"})
        else:
            self._send(200, payment.as_json())

    def do_GET(self) -> None:
        sim = self.server.simulator
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v1", "terminals"] and parts[3] == "totals":
            query = parse_qs(url.query)
            try:
                start, end = _instant(query, "from"), _instant(query, "to")
            except ValueError as exc:
                self._send(422, {"error": str(exc)})
                return
            self._send(200, sim.totals(parts[2], start=start, end=end))
        elif parts == ["v1", "ledger"]:
            with sim.lock:
                self._send(200, {"entries": list(sim.ledger)})
        elif len(parts) == 3 and parts[:2] == ["v1", "payments"]:
            self._payment_or_404(sim.get(parts[2]))
        else:
            self._send(404, {"error": "not found"})

    def do_PUT(self) -> None:
        if self.path.strip("/") != "v1/scenario":
            self._send(404, {"error": "not found"})
            return
        try:
            self.server.simulator.set_scenario(self._body())
        except (ValueError, json.JSONDecodeError) as exc:
            self._send(422, {"error": str(exc)})
            return
        self._send(200, {"scenario": self.server.simulator.scenario})

    def do_POST(self) -> None:
        sim = self.server.simulator
        parts = self.path.strip("/").split("/")
        try:
            body = self._body()
            if parts == ["v1", "payments"]:
                status, payment = sim.create(body)
                if payment.scenario == "connection_lost" and status == 201:
                    # Approved and charged, but the answer never reaches the register.
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self._send(status, payment.as_json())
            elif len(parts) == 4 and parts[:2] == ["v1", "payments"] and parts[3] == "cancel":
                self._payment_or_404(sim.cancel(parts[2]))
            elif len(parts) == 4 and parts[:2] == ["v1", "payments"] and parts[3] == "void":
                self._payment_or_404(sim.void(parts[2]))
            elif len(parts) == 4 and parts[:2] == ["v1", "payments"] and parts[3] == "refunds":
                self._send(*sim.refund(parts[2], body))
            else:
                self._send(404, {"error": "not found"})
        except (ValueError, json.JSONDecodeError) as exc:
            self._send(422, {"error": str(exc)})
        except SimNotFound as exc:
            self._send(404, {"error": str(exc)})
        except SimConflict as exc:
            self._send(409, {"error": str(exc)})


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        super().__init__(address, Handler)
        self.simulator = simulator


def serve_simulator(
    *, host: str, port: int, scenario: str = "approve", delay: float = 2.0, timeout: float = 30.0
) -> None:
    """Serve until interrupted."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario}; one of {', '.join(SCENARIOS)}")
    server = SimulatorServer(
        (host, port), Simulator(scenario=scenario, delay=delay, timeout=timeout)
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
