"""A small workload and span builders with hand-countable traffic."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import pytest

from flowsight.load import load_workload
from flowsight.model import Workload
from flowsight.telemetry import SpanRecord, TelemetryStore, open_store, record_spans

WORKLOAD = """
workload: {name: Test shop}
parties:
  - {id: oncall, name: On call, contact: oncall@shop.example, on_call: true}
schedules:
  - id: ny
    timezone: America/New_York
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"], sun: ["09:00-17:00"]}
    holidays: [2026-11-26]
flows:
  - id: buy
    name: Buy
    kind: user
    description: Buy things.
    criticality: high
    escalation_path: [oncall]
    steps:
      - {id: cart, name: Cart, next: [item]}
      - {id: item, name: Item, end: true}
    telemetry:
      attribute: app.flow
      step_attribute: app.flow.step
      routes:
        - {service: shop, method: POST, route: "/cart/*", step: cart}
        - {service: shop, method: GET, route: "/items/{id}", step: item}
    targets:
      reliability: {availability: 99, schedule: ny, window: 30d, maintenance: {notice: 48h}}
      performance: {latency: [{percentile: 90, threshold: 300ms}]}
      security: {authentication: true}
  - id: strict
    name: Strict
    kind: user
    description: Client errors count.
    criticality: low
    telemetry: {attribute: app.flow}
    targets:
      reliability: {availability: 90, client_errors_are_bad: true}
  - id: beat
    name: Beat
    kind: system
    description: Heartbeats.
    criticality: medium
    telemetry: {attribute: app.flow, step_attribute: app.flow.step}
    targets:
      reliability: {availability: 99, budgeting: timeslices, slice: 1m, slice_threshold: 90}
      operations: {signals: [traces, heartbeat, logs]}
maintenance:
  - {id: early, start: "2026-11-23T15:00:00Z", end: "2026-11-23T15:30:00Z", announced: "2026-11-20T15:00:00Z", flows: [buy]}
  - {id: late, start: "2026-11-24T15:00:00Z", end: "2026-11-24T15:10:00Z", announced: "2026-11-24T13:00:00Z", flows: [buy]}
"""

_ids = itertools.count(1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def span(
    when: str,
    status: int = 200,
    flow: str | None = "buy",
    step: str | None = None,
    route: str | None = "/cart/add",
    method: str = "POST",
    ms: float = 100,
    old: bool = False,
    user: str | None = "u1",
    kind: int = 2,
    name: str | None = None,
    path: str | None = None,
) -> SpanRecord:
    """A server span; `old` writes the pre-1.20 HTTP attribute names."""
    start = int(at(when).timestamp() * 1e9)
    attrs: dict[str, str] = {}
    if flow:
        attrs["app.flow"] = flow
    if step:
        attrs["app.flow.step"] = step
    if route:
        attrs["http.route"] = route
    if path:
        attrs["http.target" if old else "url.path"] = path
    attrs["http.method" if old else "http.request.method"] = method
    attrs["http.status_code" if old else "http.response.status_code"] = str(status)
    if user:
        attrs["enduser.id"] = user
    number = next(_ids)
    return SpanRecord(
        trace_id=f"{number:032x}",
        span_id=f"{number:016x}",
        service="shop",
        name=name or f"{method} {route}",
        kind=kind,
        start_ns=start,
        end_ns=start + int(ms * 1e6),
        status=2 if status >= 500 else 0,
        attributes=attrs,
    )


@pytest.fixture
def workload(tmp_path: Path) -> Workload:
    path = tmp_path / "workload.yaml"
    path.write_text(WORKLOAD)
    return load_workload(path).workload


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return open_store(tmp_path / "store", create=True)


@pytest.fixture
def put(store: TelemetryStore):  # type: ignore[no-untyped-def]
    def put(*spans: SpanRecord) -> None:
        record_spans(store, spans)

    return put
