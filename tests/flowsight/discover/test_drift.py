"""`flowsight drift`: nothing on a faithful model, each planted drift named and located."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsight.cli import cli
from flowsight.drift import detect_drift
from flowsight.drift.stats import availability_upper, below_objective, poisson_tail
from flowsight.findings import Finding
from flowsight.load import load_workload
from flowsight.telemetry import TelemetryStore, open_store, record_spans
from tests.flowsight.check.test_github import parse
from tests.flowsight.discover.traffic import SHOP_WORKLOAD, shop_traffic

FROM = datetime(2026, 11, 13, tzinfo=UTC)
TO = datetime(2026, 11, 20, tzinfo=UTC)


def _store(root: Path, **planted: bool) -> TelemetryStore:
    store = open_store(root / "store", create=True)
    record_spans(store, shop_traffic(**planted))
    return store


@pytest.fixture(scope="module")
def faithful(tmp_path_factory: pytest.TempPathFactory) -> TelemetryStore:
    return _store(tmp_path_factory.mktemp("faithful"))


def _drift(tmp_path: Path, store: TelemetryStore, text: str = SHOP_WORKLOAD) -> list[Finding]:
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    return detect_drift(load_workload(path), store, FROM, TO)


def _only(findings: list[Finding], rule: str) -> list[Finding]:
    assert {f.rule for f in findings} == {rule}, [f.message for f in findings]
    return findings


def test_the_faithful_model_has_no_drift(faithful: TelemetryStore, tmp_path: Path) -> None:
    assert _drift(tmp_path, faithful) == []


def test_a_renamed_route_is_unclaimed_traffic(faithful: TelemetryStore, tmp_path: Path) -> None:
    renamed = SHOP_WORKLOAD.replace("route: /products, step: list", "route: /catalog, step: list")
    findings = _only(_drift(tmp_path, faithful, renamed), "drift.unclaimed-route")
    assert len(findings) == 1
    assert "shop-web: GET /products received" in findings[0].message
    assert findings[0].path == "flows"  # located at the list of flows (its first item)
    assert findings[0].line == renamed.splitlines().index("flows:") + 2


def test_a_new_downstream_call_is_undeclared(tmp_path: Path) -> None:
    store = _store(tmp_path, recommend=True)
    findings = _only(_drift(tmp_path, store), "drift.undeclared-dependency")
    assert len(findings) == 1
    assert "`catalog` calls `peer.service=recommendations`" in findings[0].message
    assert findings[0].path == "flows[0].dependencies"


def test_a_removed_step_is_idle(tmp_path: Path) -> None:
    store = _store(tmp_path, views=False)
    findings = _only(_drift(tmp_path, store), "drift.idle-step")
    assert len(findings) == 1
    assert "step `view` of flow `orders`" in findings[0].message
    assert findings[0].path == "flows[1].steps[1].id"


def test_a_contradicted_step_order(faithful: TelemetryStore, tmp_path: Path) -> None:
    flipped = SHOP_WORKLOAD.replace(
        "      - {id: place, name: Place an order, components: [payments, postgresql, kafka], next: [view]}\n"
        "      - {id: view, name: View the order, components: [postgresql], end: true}",
        "      - {id: view, name: View the order, components: [postgresql], next: [place]}\n"
        "      - {id: place, name: Place an order, components: [payments, postgresql, kafka], end: true}",
    )
    assert flipped != SHOP_WORKLOAD
    findings = _only(_drift(tmp_path, faithful, flipped), "drift.step-order")
    assert "users went from `place` to `view`" in findings[0].message
    assert findings[0].path == "flows[1].steps[0].next[0]"


def test_a_component_below_its_sla_and_measured_feasibility(
    faithful: TelemetryStore, tmp_path: Path
) -> None:
    promised = SHOP_WORKLOAD.replace(
        "{id: payments, kind: external, sla: 99,", "{id: payments, kind: external, sla: 99.9,"
    ).replace(
        "      reliability: {availability: 99}\n      performance: {latency: [{percentile: 95, threshold: 800ms}]}",
        "      reliability: {availability: 99.9}\n      performance: {latency: [{percentile: 95, threshold: 800ms}]}",
    )
    findings = _drift(tmp_path, faithful, promised)
    assert {f.rule for f in findings} == {"drift.component-below-sla", "drift.measured-feasibility"}
    below = next(f for f in findings if f.rule == "drift.component-below-sla")
    assert "`payments` delivered 98.519 % (4 of 270 spans failed)" in below.message
    assert below.path == "components[1].sla"
    feasible = next(f for f in findings if f.rule == "drift.measured-feasibility")
    assert feasible.path == "flows[1].targets.reliability.availability"
    assert "below its objective of 99.9 %" in feasible.message


def test_cli_exit_codes_and_formats(faithful: TelemetryStore, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP_WORKLOAD)
    args = ["drift", str(path), "--db", str(faithful.path), "--to", TO.isoformat()]
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0 and "no drift" in ok.output
    path.write_text(SHOP_WORKLOAD.replace("route: /products, step: list", "route: /x, step: list"))
    found = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert found.exit_code == 1
    assert json.loads(found.output)["findings"][0]["rule"] == "drift.unclaimed-route"
    sarif = json.loads(CliRunner().invoke(cli, [*args, "--format", "sarif"]).output)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert "drift.unclaimed-route" in {r["id"] for r in rules}


def test_github_format_annotates_the_workload_at_the_drift(
    faithful: TelemetryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    renamed = SHOP_WORKLOAD.replace("route: /products, step: list", "route: /x, step: list")
    Path("shop.yaml").write_text(renamed)
    args = ["drift", "shop.yaml", "--db", str(faithful.path), "--to", TO.isoformat()]
    found = CliRunner().invoke(cli, [*args, "--format", "github"])
    assert found.exit_code == 1
    (line,) = found.stdout.splitlines()
    command, properties, message = parse(line)
    assert command == "warning"
    assert properties["file"] == "shop.yaml"
    assert properties["title"] == "drift.unclaimed-route"
    assert int(properties["line"]) == renamed.splitlines().index("flows:") + 2
    assert "shop-web: GET /products received" in message and "(flows)" in message
    Path("shop.yaml").write_text(SHOP_WORKLOAD)
    clean = CliRunner().invoke(cli, [*args, "--format", "github"])
    assert clean.exit_code == 0 and clean.stdout == ""


def test_poisson_judgements() -> None:
    # One failure in 5,000 calls does not show a 99.995 % component is worse.
    assert not below_objective(5000, 1, 99.995)
    assert below_objective(5000, 13, 99.9)  # 5 expected; 13 or more: 0.2 % of the time
    assert not below_objective(5000, 10, 99.9)  # 10 or more: 3 % of the time
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(3, 3.0) == pytest.approx(0.57681, abs=1e-5)
    assert poisson_tail(200, 150.0) == pytest.approx(0.0000597, rel=0.05)
    assert availability_upper(1000, 0) == 100.0
    assert 99.0 < availability_upper(1000, 10) < 99.8


def test_the_report_and_the_dashboard_show_drift(faithful: TelemetryStore, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from flowsight.report import build_review, render_html
    from flowsight.web.app import create_app
    from flowsight.web.state import DashboardConfig

    path = tmp_path / "shop.yaml"
    path.write_text(SHOP_WORKLOAD.replace("route: /products, step: list", "route: /x, step: list"))
    review = build_review(path, faithful, start=FROM, end=TO, now=TO)
    assert [f.rule for f in review.drift] == ["drift.unclaimed-route"]
    html = render_html(review.data())
    assert "Drift: where the model and the traces part" in html
    assert "shop-web: GET /products received" in html
    config = DashboardConfig(path, faithful, start=FROM, end=TO, now=TO)
    with TestClient(create_app(config), base_url="http://127.0.0.1") as client:
        rows = client.get("/findings.json").json()["drift"]
        assert [r["rule"] for r in rows] == ["drift.unclaimed-route"]
        assert "shop-web: GET /products received" in client.get("/findings").text
