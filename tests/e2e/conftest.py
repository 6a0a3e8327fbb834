"""A live server on a fresh demo store, and Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OWNER = ("owner@example.com", "e2e-password")
BIN = Path(sys.executable).parent


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]


def sign_in(
    page: Any,
    server: LiveServer,
    next_path: str | None = None,
    *,
    username: str = OWNER[0],
    password: str = OWNER[1],
) -> None:
    """Sign in through the page; with `next_path`, start there and expect to land on it."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}{next_path or '/login'}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    if next_path is not None:
        expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited before it was ready")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting server; bounded by the deadline
    raise RuntimeError("the server did not become ready in time")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    # `comptoir init` makes the fiscal signing key there; the server signs every sale with it.
    env = dict(
        os.environ,
        COMPTOIR_DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}",
        COMPTOIR_FISCAL_KEY_DIR=str(tmp_path / "fiscal"),
        COMPTOIR_FISCAL_ARCHIVE_DIR=str(tmp_path / "fiscal-archives"),
    )
    subprocess.run(
        [
            BIN / "comptoir",
            "init",
            "--owner-email",
            OWNER[0],
            "--owner-password",
            OWNER[1],
            "--demo",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        [BIN / "comptoir", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield LiveServer(url=url, env=env)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("CI=true but Chromium is not installed")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
