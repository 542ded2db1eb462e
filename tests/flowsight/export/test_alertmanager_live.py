"""The exported configuration in a real Alertmanager (Debian's prometheus-alertmanager).

Alertmanager runs on loopback with flowsight's configuration; every party's
contact is a webhook to a local receiver. Alerts are posted through the v2
API. A maintenance window announced in time around now mutes the flow's page;
the same window announced late does not; another flow's alert goes through in
both runs. Only the timings (group_wait, group_interval) are shortened for the
test; routes, receivers and time intervals are as exported.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from flowsight.export.alertmanager import build_config
from flowsight.export.base import ExportOptions
from flowsight.load import load_workload
from flowsight.model import MaintenanceWindow, Workload
from flowsight.model.contact import WebhookContact

SHOP = Path(__file__).parent / "workloads" / "shop.yaml"
ALERTMANAGER = "prometheus-alertmanager"


class _Inbox(ThreadingHTTPServer):
    received: list[tuple[str, dict[str, Any]]]


class _Handler(BaseHTTPRequestHandler):
    server: _Inbox

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def inbox() -> Iterator[_Inbox]:
    server = _Inbox(("127.0.0.1", 0), _Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _workload(inbox: _Inbox, announced_ahead: timedelta) -> Workload:
    workload = load_workload(SHOP).workload.model_copy(deep=True)
    port = inbox.server_address[1]
    for party in workload.parties:
        party.contact = WebhookContact(kind="webhook", url=f"http://127.0.0.1:{port}/{party.id}")
    now = datetime.now(UTC)
    workload.maintenance = [
        MaintenanceWindow(
            id="now",
            start=now - timedelta(hours=1),
            end=now + timedelta(hours=1),
            announced=now - timedelta(hours=1) - announced_ahead,
            flows=["checkout"],
        )
    ]
    return workload


def _fast(route: dict[str, Any]) -> None:
    route.update(group_wait="0s", group_interval="1s", repeat_interval="1h")
    for child in route.get("routes", []):
        _fast(child)


def _run(workload: Workload, tmp_path: Path, inbox: _Inbox) -> set[str]:
    """Post a checkout page and a browse ticket; the receivers that were notified."""
    binary = shutil.which(ALERTMANAGER)
    if binary is None:
        pytest.fail(f"{ALERTMANAGER} is not installed; run `bash scripts/system-deps.sh`")
    options = ExportOptions(horizon_start=datetime.now(UTC) - timedelta(days=1))
    config, _ = build_config(workload, options)
    _fast(config["route"])
    (tmp_path / "am.yml").write_text(yaml.safe_dump(config))
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v2"
        _wait_ready(base)
        common = {"alertname": "FlowsightErrorBudgetBurn", "flowsight_workload": "shop"}
        alerts = [
            {
                "labels": {
                    **common,
                    "flow": "checkout",
                    "severity": "page",
                    "objective": "availability",
                }
            },
            {
                "labels": {
                    **common,
                    "flow": "browse",
                    "severity": "ticket",
                    "objective": "availability",
                }
            },
        ]
        request = urllib.request.Request(
            f"{base}/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "/hook" not in {p for p, _ in inbox.received}:
            time.sleep(0.2)
        time.sleep(3)  # the checkout page, if not muted, is due by now as well
        return {path for path, _ in inbox.received}
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/status", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_maintenance_announced_in_time_mutes_the_page(inbox: _Inbox, tmp_path: Path) -> None:
    notified = _run(_workload(inbox, timedelta(days=3)), tmp_path, inbox)
    assert "/hook" in notified  # browse, not in maintenance
    assert "/shop-oncall" not in notified  # checkout's page, muted


def test_maintenance_announced_late_does_not_mute(inbox: _Inbox, tmp_path: Path) -> None:
    notified = _run(_workload(inbox, timedelta(hours=1)), tmp_path, inbox)
    assert {"/hook", "/shop-oncall"} <= notified
