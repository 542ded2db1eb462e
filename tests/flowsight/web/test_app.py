"""The dashboard app: pages and JSON twins, /metrics, errors, and the bearer token."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from flowsight.errors import UsageError
from flowsight.web.auth import is_loopback
from tests.flowsight.conftest import EXAMPLE, run_cli
from tests.flowsight.report.traffic import NOW, NOW_TEXT, request, span
from tests.flowsight.web.conftest import TOKEN, make_client

PAGES = ["/", "/flows/purchase-ticket", "/findings"]
TWINS = ["/overview.json", "/flows/purchase-ticket.json", "/findings.json"]
SAMPLE = re.compile(
    r'^([a-z_:][a-z0-9_:]*)(\{([a-z_]+="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$'
)


def test_every_page_has_a_json_twin(client: TestClient) -> None:
    for page, twin in zip(PAGES, TWINS, strict=True):
        html = client.get(page)
        assert html.status_code == 200
        assert html.headers["content-type"].startswith("text/html")
        assert f'<link rel="alternate" type="application/json" href="{twin}">' in html.text
        data = client.get(twin)
        assert data.status_code == 200 and data.headers["content-type"] == "application/json"


def test_overview_twin_matches_evaluate(client: TestClient, relecloud_store: Path) -> None:
    overview = client.get("/overview.json").json()
    evaluated = json.loads(
        run_cli(
            "evaluate",
            str(EXAMPLE),
            "--db",
            str(relecloud_store),
            "--now",
            NOW_TEXT,
            "--format",
            "json",
            "--fail-on",
            "none",
        ).output
    )
    assert [r["flow"] for r in overview["flows"]] == [f["flow"] for f in evaluated["flows"]]
    for row, flow in zip(overview["flows"], evaluated["flows"], strict=True):
        assert row["availability"] == flow["availability"]
        assert row["budget_remaining_ratio"] == (flow["budget"] or {}).get("remaining_ratio")
    assert overview["health"]["state"] == "degraded"


def test_flow_twin_carries_the_evaluation_and_no_markup(client: TestClient) -> None:
    data = client.get("/flows/search-concerts.json").json()
    assert data["health"]["state"] == "unhealthy"
    assert data["evaluation"]["latency"][0]["threshold_ms"] == 800.0
    assert set(data["charts"]) == {"burn_down", "availability", "latency"}
    p95 = next(s for s in data["charts"]["latency"]["series"] if s["label"] == "p95")
    measured = [p["percentiles_ms"]["p95"] for p in data["evaluation"]["series"]]
    assert [v for v in p95["values"] if v is not None] == [v for v in measured if v is not None]
    assert "<svg" not in json.dumps(data) and "<path" not in json.dumps(data)
    assert data["display"]["health"] == "✕ Unhealthy"
    assert data["context"]["escalation_path"][0]["name"] == "Application team"


def test_unknown_flow_is_a_404_in_both_forms(client: TestClient) -> None:
    page = client.get("/flows/no-such-flow")
    assert (
        page.status_code == 404 and "the workload has no flow &#39;no-such-flow&#39;" in page.text
    )
    twin = client.get("/flows/no-such-flow.json")
    assert twin.status_code == 404
    assert twin.json() == {
        "ok": False,
        "status": 404,
        "error": "the workload has no flow 'no-such-flow'",
        "hint": "the overview lists every flow",
    }


def test_metrics_exposition(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for line in response.text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line)
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    assert (
        samples['flowsight_flow_health{flow="purchase-ticket",criticality="high",state="degraded"}']
        == 1
    )
    assert (
        samples['flowsight_flow_error_budget_remaining_ratio{flow="purchase-ticket"}'] == 0.168745
    )
    assert samples['flowsight_flow_availability_ratio{flow="purchase-ticket"}'] == pytest.approx(
        0.99916874
    )
    assert samples['flowsight_flow_burn_rate{flow="purchase-ticket",window="3d"}'] == 8.130081
    assert samples['flowsight_workload_health{workload="Relecloud",state="degraded"}'] == 1
    # NOW is Wednesday 16:00 in New York: both schedules are open.
    assert samples['flowsight_schedule_open{schedule="business-hours"}'] == 1
    assert samples['flowsight_schedule_open{schedule="extended-hours"}'] == 1


def test_schedule_state_closes_at_night(relecloud_store: Path) -> None:
    from datetime import timedelta

    from flowsight.telemetry import open_store
    from flowsight.web import DashboardConfig, create_app

    config = DashboardConfig(EXAMPLE, open_store(relecloud_store), now=NOW + timedelta(hours=6))
    text = TestClient(create_app(config), base_url="http://127.0.0.1").get("/metrics").text
    assert 'flowsight_schedule_open{schedule="business-hours"} 0' in text
    assert 'flowsight_schedule_open{schedule="extended-hours"} 0' in text


def test_posted_telemetry_shows_on_the_flow_page(store_copy: Path) -> None:
    client = make_client(store_copy)
    before = client.get("/flows/create-concerts.json").json()
    assert before["requests"] == 0 and before["health"]["state"] == "unknown"
    spans = [
        span(
            "create-concerts", "create", "POST", "/concerts", NOW.replace(hour=19, minute=m), 120.0
        )
        for m in range(5)
    ]
    accepted = client.post("/v1/traces", json=request(spans))
    assert accepted.status_code == 200
    after = client.get("/flows/create-concerts.json").json()
    assert after["requests"] == 5 and after["health"]["state"] == "healthy"
    assert 'data-testid="requests">5<' in client.get("/flows/create-concerts").text


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.org"])
def test_exposed_bind_without_token_is_refused(relecloud_store: Path, host: str) -> None:
    with pytest.raises(UsageError, match="needs a bearer token"):
        make_client(relecloud_store, host=host)


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


def test_short_tokens_are_refused(relecloud_store: Path) -> None:
    with pytest.raises(UsageError, match="at least 16 characters"):
        make_client(relecloud_store, host="0.0.0.0", token="short")


@pytest.mark.parametrize("path", [*PAGES, *TWINS, "/metrics"])
def test_token_required_off_loopback(relecloud_store: Path, path: str) -> None:
    client = make_client(relecloud_store, host="0.0.0.0", token=TOKEN)
    missing = client.get(path)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="flowsight"'
    assert TOKEN not in missing.text
    assert (
        client.get(path, headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code
        == 401
    )
    assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_receiver_requires_the_token_too(store_copy: Path) -> None:
    client = make_client(store_copy, host="0.0.0.0", token=TOKEN)
    body = request(
        [span("create-concerts", "create", "POST", "/concerts", NOW.replace(hour=19), 100.0)]
    )
    assert client.post("/v1/traces", json=body).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/flows/create-concerts.json", headers=auth).json()["requests"] == 0
    assert client.post("/v1/traces", json=body, headers=auth).status_code == 200
    assert client.get("/flows/create-concerts.json", headers=auth).json()["requests"] == 1


def test_serve_refuses_an_exposed_bind_without_token(
    relecloud_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWSIGHT_TOKEN", raising=False)
    result = run_cli("serve", str(EXAMPLE), "--db", str(relecloud_store), "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "needs a bearer token" in result.output and "FLOWSIGHT_TOKEN" in result.output
