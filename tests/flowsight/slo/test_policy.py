"""The policy core: one factor rule, budgets, alert states, attribution with one meaning."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from flowsight.export.base import ExportOptions
from flowsight.export.prometheus import build_rules
from flowsight.load import load_workload
from flowsight.model import Schedule, Workload
from flowsight.slo import (
    TIERS,
    anchored_route_regex,
    arithmetic,
    budget,
    burn_rate,
    error_budget,
    excluded_windows,
    late_windows,
    route_matches,
    route_regex,
    threshold,
)
from tests.flowsight.conftest import EXAMPLE

RELECLOUD = load_workload(EXAMPLE).workload


def _schedule(schedule_id: str) -> Schedule:
    found = RELECLOUD.schedule(schedule_id)
    assert found is not None
    return found


ALWAYS = Schedule.model_validate(
    {
        "id": "always",
        "hours": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }
)


@pytest.mark.parametrize(
    ("schedule", "factors"),
    [
        (ALWAYS, [14.4, 6.0, 3.0, 1.0]),
        (_schedule("business-hours"), [3.42857, 1.42857, 3.0, 1.0]),
        (_schedule("extended-hours"), [7.97143, 3.32143, 3.0, 1.0]),
    ],
    ids=["always", "business-hours", "extended-hours"],
)
def test_one_factor_rule_for_every_schedule(schedule: Schedule, factors: list[float]) -> None:
    rows = arithmetic(schedule, 30)
    assert [r.factor for r in rows] == factors
    # The pages keep the Workbook's time to spend the budget: 50 and 120 open hours.
    assert [round(r.exhaustion_hours) for r in rows[:2]] == [50, 120]


def test_one_minus_objective_is_spelled_once() -> None:
    assert error_budget(99.9) == 0.001
    assert budget("requests", 10_000, 4, 99.9).remaining_ratio == 0.6
    assert burn_rate(1, 100, 99) == 1.0
    assert burn_rate(1, 0, 99) is None
    assert threshold(TIERS[0], ALWAYS, 30, 99.9) == 0.0144


def test_every_exported_threshold_is_the_policys(tmp_path: Path) -> None:
    """Each alert clause of the Relecloud rules compares with slo.threshold for its flow."""
    data, _ = build_rules(RELECLOUD, ExportOptions(horizon_start=datetime(2026, 1, 1, tzinfo=UTC)))
    text = yaml.safe_dump(data)
    for flow in RELECLOUD.flows:
        target = flow.targets.reliability
        if target is None or (
            flow.targets.operations and flow.targets.operations.alert_severity == "none"
        ):
            continue
        schedule = RELECLOUD.flow_schedule(flow)
        for tier in TIERS:
            limit = threshold(tier, schedule, target.window_days, target.availability)
            if limit < 1:
                assert f"> {limit:.12g}" in text, (flow.id, tier.name)


def test_maintenance_on_time_and_late_have_one_owner() -> None:
    flow = next(f for f in RELECLOUD.flows if f.id == "collect-telemetry")
    assert [w.id for w in excluded_windows(RELECLOUD, flow)] == ["pipeline-upgrade"]
    assert [w.id for w in late_windows(RELECLOUD, flow)] == ["emergency-collector-restart"]
    data, _ = build_rules(RELECLOUD, ExportOptions(horizon_start=datetime(2026, 1, 1, tzinfo=UTC)))
    rules = [
        r
        for g in data["groups"]
        for r in g["rules"]
        if r.get("record") == "flowsight:flow_maintenance"
    ]
    [rule] = rules
    start = int(datetime(2026, 11, 22, 4, tzinfo=UTC).timestamp())
    assert str(start) in rule["expr"] and rule["labels"] == {"flow": "collect-telemetry"}
    late = int(datetime(2026, 11, 24, 15, tzinfo=UTC).timestamp())
    assert str(late) not in rule["expr"]


ROUTES = [
    "/concerts/42",
    "/concerts/{concert_id}",
    "/concerts/42/edit",
    "/concerts/",
    "/concerts/a.b",
    "/cart/add",
    "/cart/",
    "/carts/x",
    "/api/v1+2/x",
    "/items/7",
]
GLOBS = ["/concerts/{id}", "/cart/*", "/concerts/{id}/edit", "/api/v1+2/?", "/items/?"]


def _python(glob: str) -> list[bool]:
    return [route_matches(glob, route) for route in ROUTES]


def _sql(glob: str) -> list[bool]:
    connection = duckdb.connect()
    rows = connection.execute(
        "SELECT regexp_matches(r, ?) FROM unnest(?::VARCHAR[]) WITH ORDINALITY AS t(r, i) ORDER BY i",
        [anchored_route_regex(glob), ROUTES],
    ).fetchall()
    return [bool(r[0]) for r in rows]


def _promql(globs: list[str], folder: Path) -> None:
    """promtool evaluates `count by (http_route) (x{http_route=~regex})` for each glob."""
    series = [{"series": f'x{{http_route="{r}"}}', "values": "1"} for r in ROUTES]
    cases = []
    for glob in globs:
        regex = route_regex(glob).replace("\\", "\\\\")
        cases.append(
            {
                "expr": f'count by (http_route) (x{{http_route=~"{regex}"}})',
                "eval_time": "0m",
                "exp_samples": [
                    {"labels": f'{{http_route="{r}"}}', "value": 1}
                    for r, hit in zip(ROUTES, _python(glob), strict=True)
                    if hit
                ],
            }
        )
    test = {"tests": [{"interval": "1m", "input_series": series, "promql_expr_test": cases}]}
    (folder / "test.yaml").write_text(yaml.safe_dump(test))
    done = subprocess.run(
        ["promtool", "test", "rules", "test.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_route_globs_mean_the_same_in_python_sql_and_promql(tmp_path: Path) -> None:
    assert _python("/concerts/{id}") == [
        True,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    for glob in GLOBS:
        assert _sql(glob) == _python(glob), glob
    _promql(GLOBS, tmp_path)


def test_evaluation_json_carries_health(workload: Workload, tmp_path: Path) -> None:
    from flowsight.evaluate import evaluate_workload
    from flowsight.telemetry import open_store

    store = open_store(tmp_path / "store", create=True)
    now = datetime(2026, 11, 23, 15, tzinfo=UTC)
    data = evaluate_workload(
        workload, store, start=now - timedelta(days=1), end=now, now=now
    ).to_dict()
    assert data["health"]["state"] == "unknown"
    assert {f["health"]["state"] for f in data["flows"]} == {"unknown"}
    assert {f["alert"]["state"] for f in data["flows"] if f["alert"]} == {"no_data"}


@pytest.fixture
def workload(tmp_path: Path) -> Workload:
    path = tmp_path / "workload.yaml"
    path.write_text(
        """
workload: {name: Tiny}
flows:
  - id: pay
    name: Pay
    kind: user
    description: Pay.
    criticality: high
    telemetry: {attribute: app.flow}
    targets:
      reliability: {availability: 99}
"""
    )
    loaded = load_workload(path).workload
    assert loaded is not None
    return loaded
