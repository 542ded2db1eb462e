"""A two-flow shop sharing one database, and traces with hand-countable work."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowsight.load import load_workload
from flowsight.model import Workload
from flowsight.telemetry import SpanRecord, TelemetryStore, open_store, record_spans

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # November is over: its whole cost counts

WORKLOAD = """
workload: {name: Shop}
components:
  - {id: db, kind: database, monthly_cost: 400, spans: [{attribute: db.system, values: [postgresql]}]}
  - {id: gateway, kind: external, monthly_cost: 90}
  - {id: orphan, kind: storage, monthly_cost: 100}
  - {id: free, kind: network}
flows:
  - id: checkout
    name: Checkout
    kind: user
    description: Pay.
    criticality: high
    steps: [{id: pay, name: Pay, components: [db, gateway], end: true}]
    telemetry: {attribute: app.flow}
    targets:
      cost: {monthly_budget: 500, per_1000_executions: 200000}
  - id: browse
    name: Browse
    kind: user
    description: Look around.
    criticality: low
    steps: [{id: look, name: Look, components: [db], end: true}]
    dependencies: [{component: gateway}]
    telemetry: {attribute: app.flow}
    targets:
      cost: {monthly_budget: 50, per_1000_executions: 5000}
"""

_ids = itertools.count(1)


def _ns(when: str) -> int:
    return int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() * 1e9)


def trace(
    when: str, flow: str | None, db_ms: list[float], service: str = "shop"
) -> list[SpanRecord]:
    """An entry span of `flow` (None: unattributed) with one database child per `db_ms`."""
    number = next(_ids)
    trace_id, root = f"{number:032x}", f"{number:016x}"
    start = _ns(when)
    attributes = {"app.flow": flow} if flow else {"http.route": "/unknown"}
    spans = [
        SpanRecord(trace_id, root, service, "GET /", 2, start, start + 10**9, "", 0, attributes)
    ]
    for index, millis in enumerate(db_ms):
        spans.append(
            SpanRecord(
                trace_id,
                f"{number:08x}{index:08x}",
                service,
                "SELECT shop",
                3,
                start + 10**6,
                start + 10**6 + int(millis * 1e6),
                root,
                0,
                {"db.system": "postgresql"},
            )
        )
    return spans


@pytest.fixture
def workload(tmp_path: Path) -> Workload:
    path = tmp_path / "workload.yaml"
    path.write_text(WORKLOAD)
    return load_workload(path).workload


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return open_store(tmp_path / "store", create=True)


def put(store: TelemetryStore, *traces: list[SpanRecord]) -> None:
    record_spans(store, [span for spans in traces for span in spans])
