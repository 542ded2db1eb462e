"""Fixtures: real SQLite files, a real PostgreSQL and Redis on loopback, in-memory spans."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from relecloud import telemetry
from relecloud.app import create_app
from relecloud.config import DEV_ADMIN_PASSWORD, DEV_EMPLOYEE_PASSWORD, Settings
from relecloud.seed import seed
from relecloud.services import Services

_EXPORTER = InMemorySpanExporter()
telemetry.add_span_exporter(_EXPORTER)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def spans() -> InMemorySpanExporter:
    _EXPORTER.clear()
    return _EXPORTER


def build(url: str, *, concerts: int = 12, tickets: int = 10, **overrides: Any) -> Services:
    values: dict[str, Any] = {"heartbeat_s": 0, "retry_base_ms": 1, "breaker_open_s": 0.5}
    settings = Settings(database_url=url, **{**values, **overrides})
    services = Services.build(settings)
    services.db.migrate()
    seed(
        services.db,
        concerts=concerts,
        tickets_per_concert=tickets,
        admin_password=DEV_ADMIN_PASSWORD,
        employee_password=DEV_EMPLOYEE_PASSWORD,
    )
    return services


@pytest.fixture
def make_services(tmp_path: Path) -> Iterator[Callable[..., Services]]:
    made: list[Services] = []

    def factory(url: str | None = None, **kwargs: Any) -> Services:
        services = build(url or f"sqlite:///{tmp_path}/relecloud-{len(made)}.db", **kwargs)
        made.append(services)
        return services

    yield factory
    for services in made:
        services.db.dispose()


def login(client: TestClient, username: str, password: str) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(client: TestClient, page: str = "/concerts") -> str:
    html = client.get(page).text
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def bearer(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class App:
    """One app on a fresh SQLite file, with signed-in page clients and API tokens."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.app = create_app(services.settings, services)
        self.anon = TestClient(self.app)

    @cached_property
    def employee(self) -> TestClient:
        client = TestClient(self.app)
        login(client, "alice", DEV_EMPLOYEE_PASSWORD)
        return client

    @cached_property
    def admin(self) -> TestClient:
        client = TestClient(self.app)
        login(client, "admin", DEV_ADMIN_PASSWORD)
        return client

    @cached_property
    def employee_api(self) -> dict[str, str]:
        return bearer(self.anon, "alice", DEV_EMPLOYEE_PASSWORD)

    @cached_property
    def admin_api(self) -> dict[str, str]:
        return bearer(self.anon, "admin", DEV_ADMIN_PASSWORD)

    def close(self) -> None:
        self.anon.close()
        for name in ("employee", "admin"):
            if name in self.__dict__:
                self.__dict__[name].close()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path = tmp_path_factory.mktemp("shared") / "relecloud.db"
    services = build(f"sqlite:///{path}", concerts=30, tickets=50)
    app = App(services)
    yield app
    app.close()
    services.db.dispose()


@pytest.fixture
def fresh_app(make_services: Callable[..., Services]) -> Iterator[App]:
    app = App(make_services())
    yield app
    app.close()


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on loopback, run as the postgres user."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        pytest.fail(
            "PostgreSQL binaries are missing: run `make system-deps` (scripts/system-deps.sh)"
        )
    bindir = Path(initdb[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="relecloud-pg-"))
    shutil.chown(root, "postgres", "postgres")
    os.chmod(root, 0o700)
    data = root / "data"
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            *as_pg,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [
            *as_pg,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        _wait_port(port)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on loopback, no persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: run `make system-deps` (scripts/system-deps.sh)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def pg_database(postgres_url: str) -> str:
    """A fresh, empty database in the session's PostgreSQL server."""
    import uuid

    import psycopg

    name = "relecloud_" + uuid.uuid4().hex[:12]
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_url.rsplit("/", 1)[0] + "/" + name
