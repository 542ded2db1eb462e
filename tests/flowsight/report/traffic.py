"""Relecloud-like OTLP/JSON traffic for the report and dashboard tests.

Deterministic (seeded): 30 days before NOW, one request per flow step every
STEP_MINUTES, with scripted trouble so every health state shows up:

* purchase-ticket: three checkouts fail with 503 two days before NOW, which
  eats most of its error budget (degraded / at risk);
* search-concerts: every search takes 1.5 s, above its 800 ms p95 (unhealthy);
* create-concerts: no traffic at all (unknown);
* the other flows are healthy.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flowsight.telemetry import ingest_files, open_store

NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)  # a Wednesday, 16:00 in New York
NOW_TEXT = "2026-11-25T21:00:00Z"
DAYS = 30
STEP_MINUTES = 20
INCIDENT = (NOW - timedelta(days=2, hours=1), NOW - timedelta(days=2))
INCIDENT_FAILURES = 3

#: flow -> [(step, method, route, latency ms)]
ROUTES: dict[str, list[tuple[str, str, str, float]]] = {
    "purchase-ticket": [
        ("cart", "POST", "/cart/add", 120.0),
        ("checkout", "POST", "/cart/checkout", 600.0),
        ("my-tickets", "GET", "/tickets", 90.0),
    ],
    "list-concerts": [
        ("list-upcoming", "GET", "/concerts", 40.0),
        ("concert-details", "GET", "/concerts/{id}", 60.0),
    ],
    "search-concerts": [("search", "GET", "/concerts/search", 1500.0)],
    "authentication": [("sign-in", "POST", "/login", 150.0)],
    "collect-telemetry": [("health", "GET", "/healthz", 5.0)],
}


def _attribute(key: str, value: str | int) -> dict[str, Any]:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def span(
    flow: str,
    step: str,
    method: str,
    route: str,
    start: datetime,
    millis: float,
    status: int = 200,
    rng: random.Random | None = None,
    user: str | None = "employee-7",
) -> dict[str, Any]:
    """One OTLP/JSON server span of the Relecloud app."""
    rng = rng or random.Random(0)
    start_ns = int(start.timestamp() * 1e9)
    attributes = [
        _attribute("http.request.method", method),
        _attribute("http.route", route),
        _attribute("http.response.status_code", status),
        _attribute("app.flow", flow),
        _attribute("app.flow.step", step),
    ]
    if user:
        attributes.append(_attribute("enduser.id", user))
    return {
        "traceId": f"{rng.getrandbits(128):032x}",
        "spanId": f"{rng.getrandbits(64):016x}",
        "name": f"{method} {route}",
        "kind": 2,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(start_ns + int(millis * 1e6)),
        "attributes": attributes,
        "status": {"code": 2 if status >= 500 else 0},
    }


def request(spans: list[dict[str, Any]]) -> dict[str, Any]:
    """An ExportTraceServiceRequest in OTLP/JSON holding `spans` of service relecloud."""
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attribute("service.name", "relecloud")]},
                "scopeSpans": [{"scope": {"name": "relecloud"}, "spans": spans}],
            }
        ]
    }


def _status(step: str, at: datetime, failed: list[int]) -> int:
    if step == "checkout" and INCIDENT[0] <= at < INCIDENT[1] and failed[0] < INCIDENT_FAILURES:
        failed[0] += 1
        return 503
    return 200


def generate(now: datetime = NOW, days: int = DAYS) -> Iterator[dict[str, Any]]:
    """One export request per hour of traffic."""
    rng = random.Random(42)
    failed = [0]
    at = now - timedelta(days=days)
    while at < now:
        spans = []
        for minute in range(0, 60, STEP_MINUTES):
            moment = at + timedelta(minutes=minute, seconds=rng.randint(0, 59))
            for flow, steps in ROUTES.items():
                for step, method, route, millis in steps:
                    jitter = millis * rng.uniform(0.8, 1.2)
                    status = _status(step, moment, failed)
                    spans.append(span(flow, step, method, route, moment, jitter, status, rng))
        yield request(spans)
        at += timedelta(hours=1)


def write_jsonl(path: Path, now: datetime = NOW, days: int = DAYS) -> Path:
    with path.open("w") as handle:
        for message in generate(now, days):
            handle.write(json.dumps(message) + "\n")
    return path


def build_store(directory: Path, now: datetime = NOW, days: int = DAYS) -> Path:
    """A telemetry store holding the generated traffic, ingested through the public API."""
    directory.mkdir(parents=True, exist_ok=True)
    traces = write_jsonl(directory / "traces.jsonl", now, days)
    store = directory / "store"
    ingest_files([traces], open_store(store, create=True))
    return store


def generate_burst(now: datetime = NOW, minutes: int = 3) -> Iterator[dict[str, Any]]:
    """A few minutes of traffic ending at `now`, like `flowsight demo`'s run: a request per
    flow step every 10 s, a failed checkout each minute and slow searches throughout."""
    rng = random.Random(7)
    at = now - timedelta(minutes=minutes)
    while at < now:
        spans = []
        for second in range(0, 60, 10):
            moment = at + timedelta(seconds=second)
            for flow, steps in ROUTES.items():
                for step, method, route, millis in steps:
                    status = 503 if step == "checkout" and second == 0 else 200
                    jitter = millis * rng.uniform(0.7, 1.4)
                    spans.append(span(flow, step, method, route, moment, jitter, status, rng))
        yield request(spans)
        at += timedelta(minutes=1)


def build_burst_store(directory: Path, now: datetime = NOW, minutes: int = 3) -> Path:
    """A telemetry store holding `minutes` of burst traffic, ingested through the public API."""
    directory.mkdir(parents=True, exist_ok=True)
    traces = directory / "burst.jsonl"
    with traces.open("w") as handle:
        for message in generate_burst(now, minutes):
            handle.write(json.dumps(message) + "\n")
    store = directory / "store"
    ingest_files([traces], open_store(store, create=True))
    return store
