"""Spans received by the dashboard's own receiver show in its drift findings at once.

The evaluation and drift caches are keyed on the store's signature, which counts
spans still in the write-ahead log as well as segments; with a frozen clock the
minute never changes, so only that key can make the findings move.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from flowsight.telemetry import open_store
from flowsight.web import DashboardConfig, create_app
from tests.flowsight.conftest import EXAMPLE
from tests.flowsight.report.traffic import NOW

ROUTE = "/brand-new-route"


def _server_span(index: int) -> dict[str, object]:
    start = int((NOW - timedelta(hours=1)).timestamp() * 1e9) + index * 1_000_000
    return {
        "traceId": f"{0xABC000 + index:032x}",
        "spanId": f"{0xABC000 + index:016x}",
        "name": f"GET {ROUTE}",
        "kind": 2,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + 5_000_000),
        "attributes": [
            {"key": "http.request.method", "value": {"stringValue": "GET"}},
            {"key": "http.route", "value": {"stringValue": ROUTE}},
            {"key": "http.response.status_code", "value": {"intValue": "200"}},
        ],
    }


def _export(spans: int) -> dict[str, object]:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "relecloud"}}]}
    scope = {"spans": [_server_span(i) for i in range(spans)]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [scope]}]}


def test_received_spans_refresh_the_cached_drift(store_copy: Path) -> None:
    config = DashboardConfig(EXAMPLE, open_store(store_copy), now=NOW)
    with TestClient(create_app(config), base_url="http://127.0.0.1") as client:
        before = client.get("/findings.json")
        assert before.status_code == 200 and ROUTE not in before.text
        assert client.post("/v1/traces", json=_export(7)).status_code == 200
        after = client.get("/findings.json")
        assert after.status_code == 200
        assert ROUTE in after.text and "received 7 requests" in after.text
