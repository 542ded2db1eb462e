"""`relecloud migrate | seed | serve` as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import _wait_port, free_port


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relecloud", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_seed_then_serve_on_loopback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RELECLOUD_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "RELECLOUD_ADMIN_PASSWORD": "a-very-secret-admin-pw",
        "RELECLOUD_HEARTBEAT_S": "0.2",
    }
    assert _run(["migrate"], env).returncode == 0
    seeded = _run(["seed", "--concerts", "20", "--tickets", "3"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "created 20 concerts and 3 users" in seeded.stderr
    assert "a-very-secret-admin-pw" not in seeded.stderr + seeded.stdout
    again = _run(["seed", "--concerts", "20"], env)
    assert "created 0 concerts and 0 users" in again.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "relecloud", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_port(port)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/healthz").json() == {"status": "ok"}
        assert httpx.get(base + "/api/concerts/upcoming").json()["total"] == 20
        token = httpx.post(
            base + "/api/auth/token",
            json={"username": "admin", "password": "a-very-secret-admin-pw"},
        )
        assert token.status_code == 200
        time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=20)
    assert "a-very-secret-admin-pw" not in stderr
    assert '"logger": "relecloud.access"' in stderr and '"trace_id"' in stderr


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "RELECLOUD_DATABASE_URL": "mysql://nope", "RELECLOUD_CACHE": "maybe"}
    result = _run(["migrate"], env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: RELECLOUD_CACHE='maybe': use on or off"
