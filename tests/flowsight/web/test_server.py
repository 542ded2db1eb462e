"""A real `flowsight serve` bound off loopback: the token guards pages, JSON, /metrics, receiver."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.flowsight.report.traffic import NOW, request, span
from tests.flowsight.web.conftest import TOKEN, start_server, stop_server

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_exposed_server_requires_the_token_everywhere(store_copy: Path) -> None:
    server = start_server(store_copy, host="0.0.0.0", env={"FLOWSIGHT_TOKEN": TOKEN}, headers=AUTH)
    try:
        for path in (
            "/",
            "/overview.json",
            "/flows/purchase-ticket",
            "/flows/purchase-ticket.json",
            "/findings",
            "/metrics",
        ):
            assert httpx.get(server.url + path, timeout=10).status_code == 401, path
            assert httpx.get(server.url + path, headers=AUTH, timeout=10).status_code == 200, path
        body = request(
            [span("create-concerts", "create", "POST", "/concerts", NOW.replace(hour=19), 90.0)]
        )
        assert httpx.post(server.url + "/v1/traces", json=body, timeout=10).status_code == 401
        assert (
            httpx.post(server.url + "/v1/traces", json=body, headers=AUTH, timeout=10).status_code
            == 200
        )
        flow = httpx.get(
            server.url + "/flows/create-concerts.json", headers=AUTH, timeout=10
        ).json()
        assert flow["requests"] == 1
    finally:
        stop_server(server)
    log = server.process.stderr.read().decode() if server.process.stderr else ""
    assert "bearer token required" in log and TOKEN not in log
