"""Every server span carries its flow; heartbeat; OTLP/HTTP export; health; faults."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from conftest import App, csrf
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from relecloud import telemetry
from relecloud.app import create_app
from relecloud.config import Settings
from relecloud.services import Services

CHECKOUT = {
    "customer": {"name": "T", "email": "t@example.com", "phone": "1"},
    "payment": {
        "name_on_card": "T",
        "card_number": "4111111111111111",
        "security_code": "123",
        "expiration": "1239",
    },
    "items": {"6": 1},
}


def _server_spans(spans: InMemorySpanExporter) -> list:  # type: ignore[type-arg]
    return [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]


def test_every_server_span_carries_its_flow_and_step(
    shared_app: App, spans: InMemorySpanExporter
) -> None:
    employee, admin = shared_app.employee, shared_app.admin  # sign in before clearing
    api = shared_app.employee_api
    spans.clear()
    token = csrf(employee)
    requests: list[tuple[Callable[[], object], str, str, str]] = [
        (lambda: shared_app.anon.get("/concerts"), "list-concerts", "list-upcoming", "/concerts"),
        (lambda: shared_app.anon.get("/"), "list-concerts", "list-upcoming", "/"),
        (
            lambda: shared_app.anon.get("/concerts/3"),
            "list-concerts",
            "concert-details",
            "/concerts/{concert_id}",
        ),
        (
            lambda: shared_app.anon.get("/api/concerts/upcoming"),
            "list-concerts",
            "list-upcoming",
            "/api/concerts/upcoming",
        ),
        (
            lambda: shared_app.anon.get("/api/concerts/3"),
            "list-concerts",
            "concert-details",
            "/api/concerts/{concert_id}",
        ),
        (
            lambda: shared_app.anon.get("/concerts/search?q=x"),
            "search-concerts",
            "search",
            "/concerts/search",
        ),
        (
            lambda: shared_app.anon.get("/api/concerts/search?q=x"),
            "search-concerts",
            "search",
            "/api/concerts/search",
        ),
        (lambda: admin.get("/concerts/new"), "create-concerts", "create", "/concerts/new"),
        (
            lambda: employee.post(
                "/cart/add",
                data={"concert_id": "6", "count": "1", "csrf_token": token},
                follow_redirects=False,
            ),
            "purchase-ticket",
            "cart",
            "/cart/add",
        ),
        (lambda: employee.get("/cart/checkout"), "purchase-ticket", "checkout", "/cart/checkout"),
        (
            lambda: shared_app.anon.post(
                "/api/checkout", json=CHECKOUT, headers={**api, "Idempotency-Key": "span"}
            ),
            "purchase-ticket",
            "checkout",
            "/api/checkout",
        ),
        (lambda: employee.get("/tickets"), "purchase-ticket", "my-tickets", "/tickets"),
        (lambda: shared_app.anon.get("/login"), "authentication", "sign-in", "/login"),
        (lambda: admin.get("/admin/users"), "authentication", "assign-role", "/admin/users"),
        (lambda: shared_app.anon.get("/healthz"), "collect-telemetry", "health", "/healthz"),
        (lambda: shared_app.anon.get("/readyz"), "collect-telemetry", "health", "/readyz"),
        (lambda: admin.get("/admin/faults"), "admin", "faults", "/admin/faults"),
    ]
    for call, flow, step, route in requests:
        spans.clear()
        call()
        server = _server_spans(spans)
        assert len(server) == 1, route
        attrs = server[0].attributes
        assert (attrs["app.flow"], attrs["app.flow.step"], attrs["http.route"]) == (
            flow,
            step,
            route,
        )
        assert attrs["http.request.method"] in ("GET", "POST")
        assert isinstance(attrs["http.response.status_code"], int)
        assert attrs["url.path"].startswith("/")
        assert server[0].resource.attributes["service.name"] == "relecloud"
    spans.clear()
    employee.get("/tickets")
    (span,) = _server_spans(spans)
    assert span.attributes["enduser.id"] == "alice"
    assert span.attributes["enduser.role"] == "Employee"
    db_spans = [s for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert db_spans and all(s.parent.span_id == span.context.span_id for s in db_spans)
    assert all(s.attributes["db.system.name"] == "sqlite" for s in db_spans)


def test_unknown_paths_are_unmapped(shared_app: App, spans: InMemorySpanExporter) -> None:
    assert shared_app.anon.get("/no/such/page").status_code == 404
    (span,) = _server_spans(spans)
    assert span.attributes["app.flow"] == "unmapped"


def test_injected_errors_make_server_spans_fail(
    shared_app: App, spans: InMemorySpanExporter
) -> None:
    admin = shared_app.admin_api
    fault = {"kind": "error", "flow": "list-concerts", "count": 3}
    assert shared_app.anon.post("/api/admin/faults", json=fault, headers=admin).status_code == 201
    listed = shared_app.anon.get("/api/admin/faults", headers=admin).json()
    assert listed == [{"kind": "error", "flow": "list-concerts", "count": 3}]
    spans.clear()
    statuses = [
        shared_app.anon.get(p).status_code
        for p in ("/concerts", "/api/concerts/upcoming", "/api/concerts/1", "/concerts")
    ]
    assert statuses == [503, 503, 503, 200]
    server = _server_spans(spans)
    assert [s.status.status_code for s in server[:3]] == [StatusCode.ERROR] * 3
    assert server[3].status.status_code == StatusCode.UNSET
    assert all(s.attributes["app.flow"] == "list-concerts" for s in server)


def test_latency_and_database_outage_faults(shared_app: App) -> None:
    admin, client = shared_app.admin_api, shared_app.anon
    latency = {"kind": "latency", "flow": "list-concerts", "ms": 200, "duration_s": 5}
    client.post("/api/admin/faults", json=latency, headers=admin)
    started = time.perf_counter()
    assert client.get("/api/concerts/1").status_code == 200
    assert time.perf_counter() - started >= 0.2
    outage = {"kind": "outage", "target": "database", "duration_s": 30}
    client.post("/api/admin/faults", json=outage, headers=admin)
    assert client.get("/readyz").status_code == 503
    assert client.get("/api/concerts/2").status_code == 503
    assert client.get("/healthz").status_code == 200
    assert client.delete("/api/admin/faults", headers=admin).status_code == 204
    assert client.get("/readyz").status_code == 200
    bad = client.post("/api/admin/faults", json={"kind": "error", "flow": "nope"}, headers=admin)
    assert bad.status_code == 422


def test_faults_from_the_environment(make_services: Callable[..., Services]) -> None:
    env = {
        "RELECLOUD_FAULTS": json.dumps([{"kind": "error", "flow": "collect-telemetry", "count": 1}])
    }
    settings = Settings.from_env(env)
    assert settings.faults == [{"kind": "error", "flow": "collect-telemetry", "count": 1}]
    services = make_services(faults=settings.faults)
    client = TestClient(create_app(services.settings, services))
    assert [client.get("/healthz").status_code for _ in range(2)] == [503, 200]


def test_heartbeat_is_a_root_span(
    make_services: Callable[..., Services], spans: InMemorySpanExporter
) -> None:
    services = make_services(heartbeat_s=0.05)
    with TestClient(create_app(services.settings, services)):
        time.sleep(0.3)
    beats = [s for s in spans.get_finished_spans() if s.name == "heartbeat"]
    assert len(beats) >= 2
    assert all(s.parent is None and s.kind == SpanKind.INTERNAL for s in beats)
    assert beats[0].attributes == {"app.flow": "collect-telemetry", "app.flow.step": "heartbeat"}


class _Sink(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Sink.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def otlp_sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_spans_are_exported_over_otlp_http(
    otlp_sink: str, make_services: Callable[..., Services]
) -> None:
    _Sink.received.clear()
    services = make_services(otlp_endpoint=otlp_sink, otlp_delay_ms=50)
    client = TestClient(create_app(services.settings, services))
    client.get("/api/concerts/upcoming")
    telemetry.flush()
    assert _Sink.received, "no OTLP request arrived"
    names = set()
    for path, body in _Sink.received:
        assert path == "/v1/traces"
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            assert service["service.name"] == "relecloud"
            for scope in resource_spans.scope_spans:
                names.update(s.name for s in scope.spans)
    assert "GET /api/concerts/upcoming" in names
