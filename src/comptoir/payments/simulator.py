"""The simulator's adapter: `PaymentProvider` over the simulator's HTTP API
(`simulator_server.py`). Standard library HTTP; short time-outs, since a register waits."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlencode

from comptoir.payments.provider import (
    PaymentRequest,
    PaymentResult,
    ProviderRefused,
    ProviderUnreachable,
    RefundResult,
    TerminalStatus,
    TerminalTotals,
)
from comptoir.payments.registry import ProviderConfig, register_provider

NAME = "simulator"
_STATUSES = {
    "in_progress": TerminalStatus.PENDING,
    "approved": TerminalStatus.APPROVED,
    "declined": TerminalStatus.DECLINED,
    "cancelled": TerminalStatus.CANCELLED,
    "timed_out": TerminalStatus.FAILED,
    "voided": TerminalStatus.VOIDED,
    "refunded": TerminalStatus.REFUNDED,
}


class SimulatorProvider:
    name = NAME

    def __init__(self, config: ProviderConfig, *, timeout: float = 5.0) -> None:
        if not config.address.startswith(("http://", "https://")):
            raise ProviderRefused("the simulator's address is an http:// or https:// URL")
        self._base = config.address.rstrip("/")
        self._timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self._base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                parsed = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:200]
            raise ProviderRefused(f"simulator answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise ProviderUnreachable(f"simulator unreachable: {exc}") from exc
        return parsed if isinstance(parsed, dict) else {}

    @staticmethod
    def _result(body: dict[str, Any]) -> PaymentResult:
        status = _STATUSES.get(str(body.get("status")))
        if status is None:
            raise ProviderRefused(f"unknown simulator status {body.get('status')!r}")
        return PaymentResult(status=status, reference=body.get("id"), message=body.get("message"))

    def start_payment(self, request: PaymentRequest) -> PaymentResult:
        body = {
            "idempotency_key": request.key,
            "amount": str(request.amount),
            "currency": request.currency,
            "terminal_id": request.terminal_id,
            "reference": request.reference,
        }
        return self._result(self._call("POST", "/v1/payments", body))

    def get_payment(self, key: str) -> PaymentResult:
        return self._result(self._call("GET", f"/v1/payments/{key}"))

    def wait_payment(self, key: str, *, timeout: float) -> PaymentResult:
        deadline = time.monotonic() + timeout
        while True:
            result = self.get_payment(key)
            if result.status != TerminalStatus.PENDING or time.monotonic() >= deadline:
                return result
            time.sleep(0.2)

    def cancel_payment(self, key: str) -> PaymentResult:
        return self._result(self._call("POST", f"/v1/payments/{key}/cancel", {}))

    def void_payment(self, key: str) -> PaymentResult:
        return self._result(self._call("POST", f"/v1/payments/{key}/void", {}))

    def refund_payment(self, key: str, *, refund_key: str, amount: Decimal) -> RefundResult:
        body = self._call(
            "POST",
            f"/v1/payments/{key}/refunds",
            {"idempotency_key": refund_key, "amount": str(amount)},
        )
        return RefundResult(refunded=True, reference=body.get("id"))

    def terminal_totals(
        self, *, terminal_id: str, start: datetime, end: datetime
    ) -> TerminalTotals:
        query = urlencode({"from": _iso(start), "to": _iso(end)})
        body = self._call("GET", f"/v1/terminals/{quote(terminal_id, safe='')}/totals?{query}")
        try:
            return TerminalTotals(
                approved=Decimal(str(body["approved"])),
                refunded=Decimal(str(body["refunded"])),
                count=int(body["count"]),
            )
        except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
            raise ProviderRefused(f"unreadable simulator totals: {body!r}"[:200]) from exc


def _iso(when: datetime) -> str:
    """An instant in UTC, ISO 8601 (Comptoir stores naive UTC datetimes)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


register_provider(NAME, label="Terminal simulator", factory=SimulatorProvider)
