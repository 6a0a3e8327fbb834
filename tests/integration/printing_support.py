"""A receipt printer on loopback: a real TCP listener that answers like a network printer on
port 9100 (it reads a job up to the status request DLE EOT 1 and answers one status byte),
keeps every job's bytes, and can be told to die in the middle of a job."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from comptoir.core.db import Database
from comptoir.core.outbox import Dispatcher, OutboxMessage, subscribers
from comptoir.printing import config
from comptoir.printing.handlers import install_handlers
from comptoir.printing.transport import STATUS_REQUEST
from tests.factories import Store

ONLINE = b"\x12"  # Epson's status byte: online, drawer closed, fixed bits 1 and 4


class FakePrinter:
    """Listens on 127.0.0.1:`port` (0: any free port). `die_mid_job`: the next job's first
    bytes are read, then the connection and the listener close without an answer."""

    def __init__(self, port: int = 0, *, die_mid_job: bool = False, answer: bool = True) -> None:
        self._server = socket.create_server(("127.0.0.1", port))
        self._server.settimeout(0.05)  # closing a socket does not wake a blocked accept()
        self._stopped = threading.Event()
        self.port: int = self._server.getsockname()[1]
        self.die_mid_job = die_mid_job
        self.answer = answer
        self.jobs: list[bytes] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            self.connections += 1
            with client:
                client.settimeout(5)
                if self.die_mid_job:
                    client.recv(16)
                    self._server.close()
                    return
                self._take_job(client)

    def _take_job(self, client: socket.socket) -> None:
        data = b""
        try:
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    break
                data += chunk
                if self.answer and data.endswith(STATUS_REQUEST):
                    self.jobs.append(data)  # before answering: the sender then moves on
                    client.sendall(ONLINE)
                    return
        except OSError:
            pass
        self.jobs.append(data)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._server.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def attach_printer(
    shop: Store, *, port: int, kind: str = "epson_escpos", enabled: bool = True
) -> None:
    with shop.uow() as uow:
        config.configure_printer(
            uow,
            register_id=shop.register.id,
            fields=config.PrinterFields(kind=kind, host="127.0.0.1", port=port, enabled=enabled),
        )


def dispatcher(db: Database) -> Callable[[], int]:
    install_handlers(db)
    outbox = Dispatcher(db, subscribers())
    return outbox.dispatch_pending


def messages_of(db: Database, topic: str) -> list[OutboxMessage]:
    with db.read_sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.topic == topic)
        return list(session.scalars(query.order_by(OutboxMessage.created_at)))


def text_of(job: bytes) -> str:
    """The job's bytes read in the code page it selects (ESC t 19: code page 858)."""
    assert b"\x1bt\x13" in job, "the job selects code page 858 before its text"
    return job.decode("cp858")


def payload_of(message: OutboxMessage) -> dict[str, Any]:
    return dict(message.payload)
