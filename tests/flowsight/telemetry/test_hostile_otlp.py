"""Out-of-range and malformed OTLP: a 4xx with a reason (or exit 2), never a 500 or traceback.

Each case was a defect on main: a timestamp of 2^64-1 (legal fixed64) gave a 500,
so did JSON nested 100 k deep and a lone surrogate; a span with no start was
stored with a 57-year duration; an oversized body got 400 instead of 413; the
receiver's memory had no total bound; `collect` off loopback ran without a token.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from test_receiver import request

from flowsight.telemetry import open_store
from flowsight.telemetry.receiver import make_app
from flowsight.telemetry.store import connect, span_count

FLOWSIGHT = [sys.executable, "-m", "flowsight"]
JSON = {"content-type": "application/json"}
PROTOBUF = {"content-type": "application/x-protobuf"}


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "store", create=True)
    app = make_app(store, max_body_bytes=64 * 1024, in_flight_bytes=64 * 1024)
    return TestClient(app), store, app


def _proto(start: int, end: int, kind: int = 2) -> bytes:
    message = ExportTraceServiceRequest()
    span = message.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = b"\x01" * 16, b"\x02" * 8, "GET /"
    span.start_time_unix_nano, span.end_time_unix_nano, span.kind = start, end, kind
    return message.SerializeToString()


def _with_span(**fields: object) -> bytes:
    body = request(1)
    body["resourceSpans"][0]["scopeSpans"][0]["spans"][0].update(fields)
    return json.dumps(body).encode()


HOSTILE = [
    (_proto(2**64 - 1, 2**64 - 1), PROTOBUF, "startTimeUnixNano"),
    (_proto(1, 2**63), PROTOBUF, "endTimeUnixNano"),
    (_proto(1, 2, kind=99), PROTOBUF, "kind"),
    (_with_span(startTimeUnixNano=2**64 - 1), JSON, "startTimeUnixNano"),
    (_with_span(startTimeUnixNano="18446744073709551615"), JSON, "year 2262"),
    (_with_span(startTimeUnixNano=-5), JSON, "startTimeUnixNano"),
    (_with_span(startTimeUnixNano="١٢٣"), JSON, "startTimeUnixNano"),
    (b"[" * 100_000 + b"]" * 100_000, JSON, "nested deeper"),
    (b'{"resourceSpans": [' * 30_000, JSON, "nested deeper"),
    (json.dumps(request(1)).replace("GET /concerts", "\\ud800").encode(), JSON, "lone UTF-16"),
    (json.dumps(request(1)).replace("relecloud", "\\udfff").encode(), JSON, "surrogate"),
]


@pytest.mark.parametrize(("body", "headers", "reason"), HOSTILE)
def test_out_of_range_and_malformed_get_400_with_the_reason(client, body, headers, reason):
    http, store, _ = client
    if len(body) > 64 * 1024:
        http, store, _ = _big_client(store)
    answer = http.post("/v1/traces", content=body, headers=headers)
    assert answer.status_code == 400
    if headers is JSON:
        assert reason in answer.json()["message"]
    else:
        from google.rpc import status_pb2

        assert reason in status_pb2.Status.FromString(answer.content).message
    assert span_count(store) == 0


def _big_client(store):  # type: ignore[no-untyped-def]
    app = make_app(store, max_body_bytes=1 << 20)
    return TestClient(app), store, app


@pytest.mark.parametrize(("body", "headers", "reason"), HOSTILE)
def test_ingest_names_the_problem_without_traceback(tmp_path: Path, body, headers, reason):
    source = tmp_path / ("spans.binpb" if headers is PROTOBUF else "spans.json")
    source.write_bytes(body)
    result = subprocess.run(
        [*FLOWSIGHT, "ingest", str(source), "--db", str(tmp_path / "db")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and str(source) in result.stderr
    assert reason.split()[0] in result.stderr


def test_unusable_span_clocks_are_clamped_with_a_reason(client, tmp_path: Path):
    http, store, _ = client
    body = request(3)
    spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans[0]["startTimeUnixNano"] = "0"  # no start: would be a 57-year span
    spans[1]["endTimeUnixNano"] = str(int(spans[1]["startTimeUnixNano"]) - 1)
    answer = http.post("/v1/traces", content=json.dumps(body), headers=JSON)
    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["errorMessage"].startswith("2 span(s)")
    durations = connect(store).execute("SELECT list_sort(list(duration_ns)) FROM spans").fetchone()
    assert durations == ([0, 0, 5_000_000],)
    source = tmp_path / "clock.jsonl"
    source.write_text(json.dumps(body) + "\n")
    result = subprocess.run(
        [*FLOWSIGHT, "ingest", str(source), "--db", str(tmp_path / "db")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "warning: 2 span(s)" in result.stderr
    assert span_count(open_store(tmp_path / "db")) == 3


def test_oversized_body_gets_413(client):
    import gzip

    http, store, _ = client
    assert http.post("/v1/traces", content=b"x" * (65 * 1024), headers=JSON).status_code == 413
    zipped = http.post(
        "/v1/traces",
        content=gzip.compress(b" " * (200 * 1024)),
        headers={**JSON, "content-encoding": "gzip"},
    )
    assert zipped.status_code == 413 and "decompressed body exceeds" in zipped.json()["message"]
    assert span_count(store) == 0


def test_in_flight_budget_sheds_load_with_429_and_retry_after(client):
    http, store, app = client
    budget = app.state.receiver.budget
    budget.take(40 * 1024)  # another request holding 40 KiB of the 64 KiB budget
    body = _with_span(name="x" * (30 * 1024))
    shed = http.post("/v1/traces", content=body, headers=JSON)
    assert shed.status_code == 429 and shed.headers["retry-after"] == "1"
    assert "budget" in shed.json()["message"] and span_count(store) == 0
    budget.give(40 * 1024)
    assert http.post("/v1/traces", content=body, headers=JSON).status_code == 200
    assert budget.used == 0 and span_count(store) == 1


def test_collect_off_loopback_requires_a_token(tmp_path: Path):
    result = subprocess.run(
        [*FLOWSIGHT, "collect", "--db", str(tmp_path / "db"), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k != "FLOWSIGHT_TOKEN"},
    )
    assert result.returncode == 2
    assert "needs a bearer token" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "db").exists()
