"""The demo's real processes: flowsight's OTLP receiver and the Relecloud app.

Both run as child processes on free loopback ports, exactly as an operator
would start them (`flowsight collect`, `relecloud seed` and `relecloud serve`),
and are stopped with SIGTERM so Relecloud flushes its last spans to the
receiver before the receiver itself stops.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from flowsight.errors import DemoFailed

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes]

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, wait, then SIGKILL only if it would not stop."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.handle.close()


def spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Child:
    handle = open(log, "ab")  # noqa: SIM115 - closed by Child.stop
    process = subprocess.Popen(
        [sys.executable, "-m", *args], stdout=handle, stderr=subprocess.STDOUT, env=env
    )
    return Child(name, process, log, handle)


def wait_until_up(child: Child, url: str, timeout: float = 60.0) -> None:
    """Poll `url` until it answers 200; DemoFailed with the log's tail otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    tail = child.log.read_text(errors="replace")[-1500:]
    raise DemoFailed(f"{child.name} did not come up at {url}", hint=f"its log ends with:\n{tail}")


def wait_for_port(child: Child, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.process.poll() is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.1)
    tail = child.log.read_text(errors="replace")[-1500:]
    raise DemoFailed(f"{child.name} is not listening on port {port}", hint=f"log:\n{tail}")


def relecloud_env(database: Path, otlp_port: int, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELECLOUD_")}
    env.update(
        {
            "RELECLOUD_DATABASE_URL": f"sqlite:///{database}",
            "RELECLOUD_OTLP_ENDPOINT": f"http://{LOOPBACK}:{otlp_port}",
            **extra,
        }
    )
    return env


def seed_relecloud(env: dict[str, str], concerts: int, log: Path) -> None:
    """`relecloud seed`: migrations, the concerts and the three demo users."""
    with open(log, "ab") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "relecloud", "seed", "--concerts", str(concerts)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise DemoFailed("relecloud seed failed", hint=f"log:\n{tail}")
