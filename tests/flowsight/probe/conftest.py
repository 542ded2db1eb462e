"""A real Relecloud on loopback for the probe and load tests (no mocks)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from flowsight.demo import DEMO_CREDENTIALS, processes
from flowsight.load import load_workload
from flowsight.model import Workload

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "relecloud" / "workload.yaml"


@dataclass
class LiveApp:
    base_url: str
    workload: Workload
    credentials: dict[str, tuple[str, str]]

    def admin(self) -> dict[str, str]:
        user, password = self.credentials["Administrator"]
        token = httpx.post(
            f"{self.base_url}/api/auth/token", json={"username": user, "password": password}
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    def inject(self, fault: dict[str, object]) -> None:
        httpx.post(f"{self.base_url}/api/admin/faults", json=fault, headers=self.admin())

    def clear_faults(self) -> None:
        httpx.delete(f"{self.base_url}/api/admin/faults", headers=self.admin())


@pytest.fixture(scope="session")
def relecloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """Relecloud seeded with 60 concerts, served by uvicorn on a free loopback port."""
    folder = tmp_path_factory.mktemp("relecloud")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELECLOUD_")}
    env.update(
        {"RELECLOUD_DATABASE_URL": f"sqlite:///{folder / 'app.db'}", "RELECLOUD_HEARTBEAT_S": "0"}
    )
    processes.seed_relecloud(env, 60, folder / "app.log")
    port = processes.free_port()
    child = processes.spawn(
        "relecloud",
        ["relecloud", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        folder / "app.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        processes.wait_until_up(child, base + "/healthz")
        yield LiveApp(base, load_workload(EXAMPLE).workload, dict(DEMO_CREDENTIALS))
    finally:
        child.stop()
