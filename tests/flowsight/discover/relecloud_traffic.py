"""Relecloud's real routes, driven in process, recorded as the spans the app emits.

Every step of the example workload is exercised: concerts created, edited and deleted
by an administrator through the pages and the API, searched, listed and opened, tickets
added to a cart and bought, tickets shown, sign-in and sign-out, a role assigned,
health probes and a heartbeat. The app's own OpenTelemetry spans are captured by an
in-memory exporter and stored as the receiver would store them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from flowsight.telemetry import SpanRecord, TelemetryStore, record_spans
from relecloud import telemetry
from relecloud.app import create_app
from relecloud.config import DEV_ADMIN_PASSWORD, DEV_EMPLOYEE_PASSWORD, Settings
from relecloud.seed import seed
from relecloud.services import Services

EXPORTER = InMemorySpanExporter()
telemetry.add_span_exporter(EXPORTER)


def to_record(span: ReadableSpan) -> SpanRecord:
    context = span.context
    assert context is not None and span.start_time is not None and span.end_time is not None
    return SpanRecord(
        trace_id=f"{context.trace_id:032x}",
        span_id=f"{context.span_id:016x}",
        service=str(span.resource.attributes.get("service.name", "unknown")),
        name=span.name,
        kind=span.kind.value + 1,  # the SDK counts from INTERNAL = 0, OTLP from 1
        start_ns=span.start_time,
        end_ns=span.end_time,
        parent_span_id=f"{span.parent.span_id:016x}" if span.parent else "",
        status=2 if span.status.status_code is StatusCode.ERROR else 0,
        attributes={k: str(v) for k, v in (span.attributes or {}).items()},
    )


def _csrf(client: TestClient, page: str) -> str:
    html = client.get(page).text
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _signed_in(app: object, username: str, password: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    token = _csrf(client, "/login")
    form = {"username": username, "password": password, "csrf_token": token, "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return client


def _concert(title: str) -> dict[str, object]:
    return {
        "title": title,
        "artist": "Drift Band",
        "genre": "Test",
        "location": "Loopback Hall",
        "price": 10,
        "start_time": "2027-06-01T20:00:00Z",
        "ticket_count": 0,
        "is_visible": False,
    }


def _round(
    app: object, admin: TestClient, api: dict[str, str], employee: TestClient, sign_out: bool
) -> None:
    anon = TestClient(app)  # type: ignore[arg-type]
    for path in ("/", "/concerts", "/api/concerts/upcoming", "/concerts/1", "/api/concerts/1"):
        assert anon.get(path).status_code == 200, path
    assert anon.get("/concerts/search", params={"q": "a"}).status_code == 200
    assert anon.get("/api/concerts/search", params={"q": "a"}).status_code == 200
    admin.get("/concerts/new")
    created = admin.post("/api/concerts", json=_concert("Drift"), headers=api).json()["id"]
    admin.put(f"/api/concerts/{created}", json=_concert("Drift 2"), headers=api)
    admin.get(f"/concerts/{created}/edit")
    admin.delete(f"/api/concerts/{created}", headers=api)
    token = _csrf(employee, "/concerts")
    added = employee.post("/cart/add", data={"concert_id": "2", "count": "1", "csrf_token": token})
    assert added.status_code == 200, added.text
    employee.get("/cart")
    buyer = {"Authorization": api["Authorization"], "Idempotency-Key": str(uuid.uuid4())}
    checkout = {
        "customer": {"name": "Drift Customer", "email": "drift@example.com", "phone": "555-0100"},
        "payment": {
            "name_on_card": "Drift Customer",
            "card_number": "4111111111111111",
            "security_code": "123",
            "expiration": "1230",
        },
        "items": {"3": 1},
    }
    bought = admin.post("/api/checkout", json=checkout, headers=buyer)
    assert bought.status_code == 201, bought.text
    employee.get("/tickets")
    admin.get("/api/tickets", headers=api)
    admin.get("/admin/users")
    token = _csrf(admin, "/admin/users")
    admin.post("/admin/users/2/role", data={"role": "Employee", "csrf_token": token})
    signed = {"username": "alice", "password": DEV_EMPLOYEE_PASSWORD}
    assert anon.post("/api/auth/token", json=signed).status_code == 200
    for path in ("/healthz", "/readyz"):
        anon.get(path)
    if sign_out:
        session = _signed_in(app, "alice", DEV_EMPLOYEE_PASSWORD)
        session.post("/logout", data={"csrf_token": _csrf(session, "/concerts")})
        session.close()
    anon.close()


def record_relecloud(
    store: TelemetryStore,
    database: Path,
    rounds: int = 2,
    sign_out: bool = True,
    **settings: object,
) -> int:
    """Drive every flow's routes `rounds` times; store the app's spans; return how many.

    `sign_out=False` plants a removed step (nobody signs out); settings such as
    `recommendations=True` switch Relecloud's own planted drift on.
    """
    config = Settings(
        database_url=f"sqlite:///{database}",
        heartbeat_s=0,
        retry_base_ms=1,
        **settings,  # type: ignore[arg-type]
    )
    services = Services.build(config)
    services.db.migrate()
    seed(services.db, concerts=12, tickets_per_concert=50, admin_password=DEV_ADMIN_PASSWORD,
         employee_password=DEV_EMPLOYEE_PASSWORD)  # fmt: skip
    app = create_app(config, services)
    EXPORTER.clear()
    admin = _signed_in(app, "admin", DEV_ADMIN_PASSWORD)
    employee = _signed_in(app, "alice", DEV_EMPLOYEE_PASSWORD)
    token = TestClient(app).post(
        "/api/auth/token", json={"username": "admin", "password": DEV_ADMIN_PASSWORD}
    )
    api = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for _ in range(rounds):
        _round(app, admin, api, employee, sign_out)
        telemetry.emit_heartbeat(services.tracer)
    telemetry.flush()
    admin.close()
    employee.close()
    services.db.dispose()
    return record_spans(store, [to_record(s) for s in EXPORTER.get_finished_spans()])
