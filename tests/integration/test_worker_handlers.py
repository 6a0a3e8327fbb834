"""`comptoir worker` delivers every topic the web app's embedded worker delivers: each is
started in a fresh interpreter (no handler module imported beforehand by the tests), and
the topics its dispatcher was given are compared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from comptoir.accounts.reset import RESET_EMAIL_TOPIC
from comptoir.payments.refunds import REFUND_TOPIC
from comptoir.printing.jobs import DRAWER_KICK_TOPIC, PRINT_RECEIPT_TOPIC, RECEIPT_EMAIL_TOPIC
from comptoir.registers.service import CLOSURE_EMAIL_TOPIC
from comptoir.sales.quotes import QUOTE_EMAIL_TOPIC

# The standalone worker: its dispatcher prints its topics instead of running.
WORKER = """
import json
import os
from comptoir.core import outbox

def report(self, stop, *, poll_seconds=5.0):
    print("TOPICS " + json.dumps(sorted(self._handlers)))

outbox.Dispatcher.run = report
from comptoir.cli import app
app(["worker"], standalone_mode=False)
"""

# The web app: its embedded worker prints its dispatcher's topics instead of starting.
EMBEDDED = """
import json
import os
from comptoir.core import outbox

def report(self):
    print("TOPICS " + json.dumps(sorted(self._dispatcher._handlers)))

outbox.EmbeddedWorker.start = report
outbox.EmbeddedWorker.stop = lambda self: None
from fastapi.testclient import TestClient
from comptoir.app import create_app
with TestClient(create_app()):
    pass
"""


def topics_of(script: str, tmp_path: Path) -> set[str]:
    env = {
        "COMPTOIR_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
        "PATH": os.environ.get("PATH", ""),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("TOPICS ")]
    assert done.returncode == 0 and lines, done.stdout + done.stderr
    return set(json.loads(lines[-1].removeprefix("TOPICS ")))


def test_the_standalone_worker_delivers_every_topic_the_embedded_worker_does(
    tmp_path: Path,
) -> None:
    worker = topics_of(WORKER, tmp_path)
    embedded = topics_of(EMBEDDED, tmp_path)

    assert worker == embedded
    assert {
        CLOSURE_EMAIL_TOPIC,
        QUOTE_EMAIL_TOPIC,
        PRINT_RECEIPT_TOPIC,
        REFUND_TOPIC,
        DRAWER_KICK_TOPIC,
        RECEIPT_EMAIL_TOPIC,
        RESET_EMAIL_TOPIC,
    } <= worker
