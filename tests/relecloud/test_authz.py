"""Authorization matrix: anonymous, employee and administrator against every route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import App, bearer, csrf, login
from fastapi.testclient import TestClient
from starlette.routing import Route

from relecloud.config import DEV_EMPLOYEE_PASSWORD

FUTURE = "2031-05-01T20:00:00Z"
CONCERT = {
    "title": "Matrix Night",
    "artist": "Test Band",
    "genre": "Rock",
    "location": "Hall",
    "price": 42,
    "start_time": FUTURE,
    "is_visible": False,
    "ticket_count": 5,
}
FORM_CONCERT = {**CONCERT, "start_time": "2031-05-01T20:00", "is_visible": ""}
CHECKOUT = {
    "customer": {"name": "Pat", "email": "pat@example.com", "phone": "555-0100"},
    "payment": {
        "name_on_card": "Pat",
        "card_number": "4111111111111111",
        "security_code": "123",
        "expiration": "1239",
    },
    "items": {"1": 1},
}

# (method, path template, body kind, anonymous, employee, administrator)
# login = redirected to /login (pages) or 401 (API); forbidden = 403; ok = allowed.
MATRIX: list[tuple[str, str, str, str, str, str]] = [
    ("GET", "/", "", "ok", "ok", "ok"),
    ("GET", "/concerts", "", "ok", "ok", "ok"),
    ("GET", "/concerts/search", "", "ok", "ok", "ok"),
    ("GET", "/concerts/{visible}", "", "ok", "ok", "ok"),
    ("GET", "/login", "", "ok", "ok", "ok"),
    ("GET", "/concerts/new", "", "login", "forbidden", "ok"),
    ("POST", "/concerts", "form:concert", "login", "forbidden", "ok"),
    ("GET", "/concerts/{hidden}/edit", "", "login", "forbidden", "ok"),
    ("POST", "/concerts/{hidden}/edit", "form:concert", "login", "forbidden", "ok"),
    ("POST", "/concerts/{hidden}/delete", "form", "login", "forbidden", "ok"),
    ("GET", "/cart", "", "login", "ok", "ok"),
    ("POST", "/cart/add", "form:cart", "login", "ok", "ok"),
    ("POST", "/cart/remove", "form:cart", "login", "ok", "ok"),
    ("GET", "/cart/checkout", "", "login", "ok", "ok"),
    ("POST", "/cart/checkout", "form", "login", "ok", "ok"),
    ("GET", "/tickets", "", "login", "ok", "ok"),
    ("GET", "/tickets/{ticket}/image.png", "", "login", "ok", "ok"),
    ("GET", "/admin/users", "", "login", "forbidden", "ok"),
    ("POST", "/admin/users/{bob}/role", "form:role", "login", "forbidden", "ok"),
    ("GET", "/admin/faults", "", "login", "forbidden", "ok"),
    ("POST", "/admin/faults", "form:fault", "login", "forbidden", "ok"),
    ("POST", "/admin/faults/clear", "form", "login", "forbidden", "ok"),
    ("GET", "/healthz", "", "ok", "ok", "ok"),
    ("GET", "/readyz", "", "ok", "ok", "ok"),
    ("POST", "/api/auth/token", "json:credentials", "ok", "ok", "ok"),
    ("GET", "/api/concerts/upcoming", "", "ok", "ok", "ok"),
    ("GET", "/api/concerts/search", "", "ok", "ok", "ok"),
    ("GET", "/api/concerts/{visible}", "", "ok", "ok", "ok"),
    ("POST", "/api/concerts", "json:concert", "login", "forbidden", "ok"),
    ("PUT", "/api/concerts/{hidden}", "json:concert", "login", "forbidden", "ok"),
    ("DELETE", "/api/concerts/{hidden}", "", "login", "forbidden", "ok"),
    ("POST", "/api/checkout", "json:checkout", "login", "ok", "ok"),
    ("GET", "/api/tickets", "", "login", "ok", "ok"),
    ("GET", "/api/admin/faults", "", "login", "forbidden", "ok"),
    ("POST", "/api/admin/faults", "json:fault", "login", "forbidden", "ok"),
    ("DELETE", "/api/admin/faults", "", "login", "forbidden", "ok"),
    ("GET", "/api/openapi.json", "", "ok", "ok", "ok"),
    ("GET", "/api/docs", "", "ok", "ok", "ok"),
    ("GET", "/docs/oauth2-redirect", "", "ok", "ok", "ok"),
]
# Sign-in and sign-out change the session: covered below and in test_auth.py.
TESTED_ELSEWHERE = {("POST", "/logout"), ("POST", "/login")}  # test_auth.py


def test_matrix_covers_every_route(shared_app: App) -> None:
    routes = {
        (method, route.path)
        for route in shared_app.app.state.routes
        if isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}
    }
    listed = {(m, p) for m, p, *_ in MATRIX} | TESTED_ELSEWHERE

    def normal(path: str) -> str:
        for name in ("{visible}", "{hidden}"):
            path = path.replace(name, "{concert_id}")
        return path.replace("{ticket}", "{ticket_id}").replace("{bob}", "{user_id}")

    assert routes == {(m, normal(p)) for m, p in listed}


@pytest.fixture(scope="module")
def ids(shared_app: App) -> Iterator[dict[str, Any]]:
    sold = shared_app.anon.post(
        "/api/checkout",
        json=CHECKOUT,
        headers={**shared_app.employee_api, "Idempotency-Key": "matrix-seed"},
    )
    assert sold.status_code == 201, sold.text
    users = shared_app.admin.get("/admin/users").text
    bob = int(users.split('action="/admin/users/', 3)[2].split("/", 1)[0]) if "bob" in users else 3
    yield {"visible": 1, "ticket": sold.json()["tickets"][0]["id"], "bob": bob}


def _hidden_concert(app: App) -> int:
    response = app.anon.post("/api/concerts", json=CONCERT, headers=app.admin_api)
    assert response.status_code == 201
    return int(response.json()["id"])


def _body(kind: str, role: str, client: TestClient, counter: int) -> dict[str, Any]:
    if kind.startswith("json:"):
        name = kind[5:]
        body: Any = {
            "concert": CONCERT,
            "checkout": CHECKOUT,
            "credentials": {"username": "bob", "password": DEV_EMPLOYEE_PASSWORD},
            "fault": {"kind": "latency", "flow": "collect-telemetry", "ms": 1, "duration_s": 1},
        }[name]
        return {"json": body}
    if kind.startswith("form"):
        token = csrf(client, "/login" if role == "anonymous" else "/concerts")
        extra: dict[str, Any] = {
            "form:concert": FORM_CONCERT,
            "form:cart": {"concert_id": "1", "count": "1"},
            "form:role": {"role": "Employee"},
            "form:fault": {
                "kind": "latency",
                "flow": "collect-telemetry",
                "ms": "1",
                "duration_s": "1",
            },
        }.get(kind, {})
        return {"data": {**extra, "csrf_token": token}}
    return {}


def _classify(response: Any, api: bool) -> str:
    if response.status_code in (401,) or (
        response.status_code == 303 and response.headers["location"].startswith("/login")
    ):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 400, (response.status_code, response.text[:300])
    return "ok"


@pytest.mark.parametrize(
    ("method", "path", "kind", "anonymous", "employee", "administrator"), MATRIX
)
def test_authorization_matrix(
    shared_app: App,
    ids: dict[str, Any],
    method: str,
    path: str,
    kind: str,
    anonymous: str,
    employee: str,
    administrator: str,
) -> None:
    api = path.startswith("/api/")
    clients = {
        "anonymous": (shared_app.anon, {}),
        "employee": (shared_app.employee, shared_app.employee_api if api else {}),
        "administrator": (shared_app.admin, shared_app.admin_api if api else {}),
    }
    expected = {"anonymous": anonymous, "employee": employee, "administrator": administrator}
    hidden = _hidden_concert(shared_app) if "{hidden}" in path else None
    for n, (role, (client, headers)) in enumerate(clients.items()):
        url = path.format(
            visible=ids["visible"], hidden=hidden, ticket=ids["ticket"], bob=ids["bob"]
        )
        extra_headers = dict(headers)
        if path == "/api/checkout":
            extra_headers["Idempotency-Key"] = f"matrix-{role}"
        request_client = shared_app.anon if api else client
        response = request_client.request(
            method,
            url,
            headers=extra_headers,
            follow_redirects=False,
            **_body(kind, role, client, n),
        )
        assert _classify(response, api) == expected[role], (role, response.status_code)
    shared_app.services.faults.clear()


def test_role_change_takes_effect_immediately(fresh_app: App) -> None:
    bob = TestClient(fresh_app.app)
    login(bob, "bob", DEV_EMPLOYEE_PASSWORD)
    bob_api = bearer(fresh_app.anon, "bob", DEV_EMPLOYEE_PASSWORD)
    assert bob.get("/admin/users", follow_redirects=False).status_code == 403
    assert fresh_app.anon.post("/api/concerts", json=CONCERT, headers=bob_api).status_code == 403
    users = fresh_app.admin.get("/admin/users").text
    bob_id = users.split('action="/admin/users/')[3].split("/", 1)[0]
    token = csrf(fresh_app.admin, "/admin/users")
    promoted = fresh_app.admin.post(
        f"/admin/users/{bob_id}/role",
        data={"role": "Administrator", "csrf_token": token},
        follow_redirects=False,
    )
    assert promoted.status_code == 303
    assert bob.get("/admin/users").status_code == 200
    assert fresh_app.anon.post("/api/concerts", json=CONCERT, headers=bob_api).status_code == 201
    demoted = fresh_app.admin.post(
        f"/admin/users/{bob_id}/role",
        data={"role": "Employee", "csrf_token": token},
        follow_redirects=False,
    )
    assert demoted.status_code == 303
    assert bob.get("/admin/users", follow_redirects=False).status_code == 403


def test_sign_out_ends_the_session(fresh_app: App) -> None:
    client = TestClient(fresh_app.app)
    login(client, "alice", DEV_EMPLOYEE_PASSWORD)
    assert client.get("/cart").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/cart", follow_redirects=False).headers["location"].startswith("/login")
