"""Schemathesis drives the API from its own OpenAPI document: no server errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from conftest import App, build
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from relecloud.app import create_app

_AUTH: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path = tmp_path_factory.mktemp("openapi") / "relecloud.db"
    services = build(f"sqlite:///{path}", concerts=20, tickets=30)
    app = App(services)
    _AUTH.update(app.admin_api)
    yield app
    app.close()
    services.db.dispose()


@pytest.fixture(scope="module")
def api_schema(api_app: App) -> Any:
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", create_app(api_app.services.settings, api_app.services)
    )
    # Fault injection makes 503s on purpose; it has its own tests.
    return schema.exclude(path="/api/admin/faults")


def test_api_never_answers_with_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case: Any) -> None:
            headers = dict(_AUTH)
            if case.path == "/api/checkout":
                headers["Idempotency-Key"] = "schemathesis"
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()


def test_openapi_document_lists_the_api(api_app: App) -> None:
    document = api_app.anon.get("/api/openapi.json").json()
    paths = set(document["paths"])
    assert {
        "/api/concerts/upcoming",
        "/api/concerts/search",
        "/api/concerts/{concert_id}",
        "/api/concerts",
        "/api/checkout",
        "/api/tickets",
        "/api/auth/token",
        "/api/admin/faults",
        "/healthz",
        "/readyz",
    } <= paths
    assert not any(p.startswith(("/cart", "/login", "/admin/users")) for p in paths)
