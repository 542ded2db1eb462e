"""The OTLP/HTTP receiver: a real SDK exporter, malformed bodies, SIGKILL, concurrent readers."""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from flowsight.telemetry import open_store
from flowsight.telemetry.receiver import make_app
from flowsight.telemetry.store import span_count

FLOWSIGHT = [sys.executable, "-m", "flowsight"]
ROOT = Path(__file__).resolve().parents[3]


def request(spans: int = 1, offset: int = 0, flow: str = "list-concerts") -> dict:
    now = time.time_ns()
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "relecloud"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": f"{offset + i + 1:032X}",
                                "spanId": f"{offset + i + 1:016x}",
                                "name": "GET /concerts",
                                "kind": 2,
                                "startTimeUnixNano": str(now),
                                "endTimeUnixNano": str(now + 5_000_000),
                                "attributes": [
                                    {"key": "app.flow", "value": {"stringValue": flow}},
                                    {
                                        "key": "http.response.status_code",
                                        "value": {"intValue": "200"},
                                    },
                                ],
                            }
                            for i in range(spans)
                        ]
                    }
                ],
            }
        ]
    }


@pytest.fixture
def client(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "store", create=True)
    return TestClient(make_app(store, max_body_bytes=64 * 1024)), store


JSON = {"content-type": "application/json"}


def test_json_and_gzip_accepted(client):
    http, store = client
    body = json.dumps(request(3)).encode()
    assert http.post("/v1/traces", content=body, headers=JSON).status_code == 200
    zipped = http.post(
        "/v1/traces",
        content=gzip.compress(json.dumps(request(2, 10)).encode()),
        headers={**JSON, "content-encoding": "gzip"},
    )
    assert zipped.status_code == 200 and zipped.json() == {}
    assert span_count(store) == 5


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"{not json", JSON, "not valid JSON"),
        (
            json.dumps(
                {
                    "resourceSpans": [
                        {
                            "scopeSpans": [
                                {
                                    "spans": [
                                        {
                                            "traceId": "00" * 16,
                                            "spanId": "00" * 8,
                                            "kind": "SPAN_KIND_SERVER",
                                        }
                                    ]
                                }
                            ]
                        }
                    ]
                }
            ).encode(),
            JSON,
            "spans[0].kind: enums are integers",
        ),
        (json.dumps({"resourceSpans": {"x": 1}}).encode(), JSON, "expected an array"),
        (json.dumps(request(1)).replace('"200"', '"2x"').encode(), JSON, "intValue"),
        (b"\x1f\x8b\x08garbage", {**JSON, "content-encoding": "gzip"}, "not valid gzip"),
        (b"\x0a\xff\xff", {"content-type": "application/x-protobuf"}, "not a valid OTLP protobuf"),
    ],
)
def test_malformed_bodies_get_400_and_store_nothing(client, body, headers, reason):
    http, store = client
    answer = http.post("/v1/traces", content=body, headers=headers)
    assert answer.status_code == 400
    if headers["content-type"] == "application/json":
        assert reason in answer.json()["message"]
    assert span_count(store) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def collector(tmp_path: Path):  # type: ignore[no-untyped-def]
    port, db = _free_port(), tmp_path / "store"
    process = subprocess.Popen(
        [*FLOWSIGHT, "collect", "--db", str(db), "--port", str(port)], stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/v1/traces"
    for _ in range(100):
        try:
            httpx.post(url, content=b"{}", headers=JSON, timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield process, url, db
    if process.poll() is None:
        process.kill()
    process.wait()


def test_sdk_exporter_spans_are_evaluated(collector, tmp_path):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import SpanKind

    _, url, db = collector
    provider = TracerProvider(resource=Resource.create({"service.name": "relecloud"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=url)))
    tracer = provider.get_tracer("test")
    for status in (200, 200, 500):
        with tracer.start_as_current_span("GET /concerts", kind=SpanKind.SERVER) as current:
            current.set_attribute("http.request.method", "GET")
            current.set_attribute("http.route", "/concerts")
            current.set_attribute("http.response.status_code", status)
    provider.shutdown()
    answer = subprocess.run(
        [
            *FLOWSIGHT,
            "evaluate",
            str(ROOT / "examples/relecloud/workload.yaml"),
            "--db",
            str(db),
            "--window",
            "1d",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    flows = {f["flow"]: f for f in json.loads(answer.stdout)["flows"]}
    steps = {s["step"]: s["requests"] for s in flows["list-concerts"]["steps"]}
    # Counted only when the extended-hours schedule is open; attributed either way.
    assert sum(steps.values()) in (0, 3)
    assert open_store(db) and span_count(open_store(db)) == 3


def test_sigkill_after_acknowledge_keeps_every_acknowledged_span(collector):
    process, url, db = collector
    acknowledged = 0
    for batch in range(20):
        answer = httpx.post(url, json=request(5, batch * 5), timeout=5)
        assert answer.status_code == 200
        acknowledged += 5
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert span_count(open_store(db)) == acknowledged


def test_evaluate_reads_while_collect_keeps_receiving(collector):
    process, url, db = collector
    for batch in range(10):
        assert httpx.post(url, json=request(10, batch * 10), timeout=5).status_code == 200
    evaluating = subprocess.Popen(
        [
            *FLOWSIGHT,
            "evaluate",
            str(ROOT / "examples/relecloud/workload.yaml"),
            "--db",
            str(db),
            "--window",
            "1d",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--no-series",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    sent = 100
    while evaluating.poll() is None:
        assert httpx.post(url, json=request(10, sent), timeout=5).status_code == 200
        sent += 10
    output, _ = evaluating.communicate()
    assert evaluating.returncode == 0
    signals = {f["flow"]: f["signals"] for f in json.loads(output)["flows"]}
    traces = next(s for s in signals["list-concerts"] if s["signal"] == "traces")
    assert traces["spans"] >= 100
    assert process.poll() is None
    assert span_count(open_store(db)) == sent
