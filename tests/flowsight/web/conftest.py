"""Fixtures: the dashboard in process (TestClient), as a real `flowsight serve` process,
and Debian's Chromium driven by Playwright for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from flowsight.telemetry import open_store
from flowsight.web import DashboardConfig, create_app
from tests.flowsight.conftest import EXAMPLE, ROOT
from tests.flowsight.report.traffic import NOW, NOW_TEXT, build_store

TOKEN = "test-token-0123456789abcdef"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FLOWSIGHT = str(Path(sys.executable).with_name("flowsight"))


@pytest.fixture(scope="session")
def relecloud_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("relecloud-traffic"))


@pytest.fixture
def store_copy(relecloud_store: Path, tmp_path: Path) -> Path:
    """A private copy of the generated store, for tests that add telemetry."""
    return Path(shutil.copytree(relecloud_store, tmp_path / "store"))


def make_client(store: Path, host: str = "127.0.0.1", token: str | None = None) -> TestClient:
    config = DashboardConfig(EXAMPLE, open_store(store), host=host, token=token, now=NOW)
    return TestClient(create_app(config), base_url="http://127.0.0.1")


@pytest.fixture
def client(relecloud_store: Path) -> TestClient:
    return make_client(relecloud_store)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    store: Path
    process: subprocess.Popen[bytes]


def start_server(
    store: Path,
    *extra: str,
    host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Server:
    port = free_port()
    command = [
        FLOWSIGHT,
        "serve",
        str(EXAMPLE),
        "--db",
        str(store),
        "--host",
        host,
        "--port",
        str(port),
        "--now",
        NOW_TEXT,
        "--refresh",
        "0",
        *extra,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"flowsight serve exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            httpx.get(f"{url}/overview.json", headers=headers, timeout=5)
            return Server(url, store, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("flowsight serve did not start within 30 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def server(store_copy: Path) -> Iterator[Server]:
    running = start_server(store_copy)
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium; a missing browser fails the test, it never skips it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/system-deps.sh` (installs Debian's chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watched:
    page: Page
    errors: list[str]


def open_page(browser: Browser, url: str, width: int = 1280, charts: bool = True) -> Watched:
    """A page at `url` recording console errors; with `charts`, once the charts are drawn."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    if charts:
        page.wait_for_selector("div.chart[data-range]")
    return Watched(page, errors)
