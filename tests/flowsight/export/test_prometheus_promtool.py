"""The generated rules, run by Debian's promtool: check rules and unit tests with input series.

promtool's unit tests start at the Unix epoch (1970-01-01 00:00 UTC, a Wednesday
19:00 in New York), so the rules under test are generated for a horizon that
starts there; the same generator serves any horizon.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from export_support import GOLDEN_OPTIONS, run, tool

from flowsight.calendar import is_open
from flowsight.export.base import ExportOptions, dump_yaml
from flowsight.export.prometheus import build_rules, export_prometheus
from flowsight.export.schedule_gate import build_gate
from flowsight.model import Workload

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TEST_OPTIONS = ExportOptions(horizon_start=EPOCH, horizon_days=400)
METRIC = "http_server_request_duration_seconds_count"
CHECKOUT = 'service_name="relecloud", http_request_method="POST", http_route="/api/checkout"'
FLOW_GROUP = "flowsight-flow-purchase-ticket"


def _groups(workload: Workload, names: set[str], schedules: set[str]) -> list[dict[str, Any]]:
    """Generated groups by name; the schedule group keeps only the given schedules' rules."""
    data, _ = build_rules(workload, TEST_OPTIONS)
    groups = []
    for group in data["groups"]:
        if group["name"] == "flowsight-schedules":
            rules = [r for r in group["rules"] if r.get("labels", {}).get("schedule") in schedules]
            groups.append({**group, "rules": rules})
        elif group["name"] in names:
            groups.append(group)
    return groups


def _alerts(workload: Workload, burns: list[str]) -> list[dict[str, Any]]:
    """Expected firing availability alerts of purchase-ticket: labels and annotations as generated."""
    group = next(g for g in _groups(workload, {FLOW_GROUP}, set()) if g["name"] == FLOW_GROUP)
    rules = [
        r
        for r in group["rules"]
        if r.get("alert") == "FlowsightErrorBudgetBurn" and r["labels"]["burn"] in burns
    ]
    return [{"exp_labels": r["labels"], "exp_annotations": r["annotations"]} for r in rules]


def _promtool(tmp_path: Path, groups: list[dict[str, Any]], test: dict[str, Any]) -> None:
    (tmp_path / "rules.yaml").write_text(dump_yaml({"groups": groups}))
    test = {"rule_files": ["rules.yaml"], **test}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = run([tool("promtool"), "test", "rules", "test.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _counter(status: str, per_minute: int, minutes: int) -> dict[str, str]:
    series = f'{METRIC}{{{CHECKOUT}, http_response_status_code="{status}"}}'
    return {"series": series, "values": f"0+{per_minute}x{minutes}"}


def test_promtool_check_rules_accepts_relecloud_rules(relecloud: Workload, tmp_path: Path) -> None:
    artifact = export_prometheus(relecloud, GOLDEN_OPTIONS)
    (tmp_path / "rules.yaml").write_text(artifact.text)
    result = run([tool("promtool"), "check", "rules", "rules.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def _alert_test(workload: Workload, tmp_path: Path, series: list[Any], cases: list[Any]) -> None:
    groups = _groups(workload, {FLOW_GROUP}, {"extended-hours"})
    _promtool(
        tmp_path,
        groups,
        {
            "evaluation_interval": "1m",
            "group_eval_order": ["flowsight-schedules", FLOW_GROUP],
            "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": cases}],
        },
    )


def test_full_outage_of_purchase_ticket_pages_within_two_minutes(
    relecloud: Workload, tmp_path: Path
) -> None:
    """Wed 19:00 New York, inside extended hours: every checkout fails from t=0.

    A full outage burns at 1000x; the 1h/5m pair fires as soon as the 5m rate
    has two samples, so the page is expected by the second evaluation.
    """
    page = _alerts(relecloud, ["fast"])
    both = _alerts(relecloud, ["fast", "slow"])
    _alert_test(
        relecloud,
        tmp_path,
        [_counter("500", 60, 60)],
        [
            {"eval_time": "0m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": []},
            {"eval_time": "2m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": both},
            {"eval_time": "30m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": both},
        ],
    )
    assert page[0]["exp_labels"]["severity"] == "page"


def test_slow_burn_opens_a_ticket_but_does_not_page(relecloud: Workload, tmp_path: Path) -> None:
    """0.25% errors is a 2.5x burn: under every page threshold, over the 3d/6h ticket pair (1x)."""
    ticket = _alerts(relecloud, ["slow"])
    assert [a["exp_labels"]["severity"] for a in ticket] == ["ticket"]
    _alert_test(
        relecloud,
        tmp_path,
        [_counter("200", 399, 180), _counter("500", 1, 180)],
        [
            {"eval_time": "20m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": ticket},
            {"eval_time": "2h50m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": ticket},
        ],
    )


def test_no_alert_while_the_schedule_is_closed(relecloud: Workload, tmp_path: Path) -> None:
    """An outage lasting overnight: extended hours close at 22:00 New York (03:00 UTC)
    and open at 07:00 (12:00 UTC); the alerts stop and come back with the schedule."""
    both = _alerts(relecloud, ["fast", "slow"])
    _alert_test(
        relecloud,
        tmp_path,
        [_counter("500", 60, 13 * 60)],
        [
            {"eval_time": "2h50m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": both},
            {"eval_time": "3h10m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": []},
            {"eval_time": "11h50m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": []},
            {"eval_time": "12h10m", "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": both},
        ],
    )


def _gate_samples(workload: Workload, day: datetime) -> list[dict[str, Any]]:
    """Expected gate values every 30 min around `day`, from flowsight.calendar (not the gate)."""
    schedule = workload.schedule("extended-hours")
    assert schedule is not None
    cases = []
    moment = day - timedelta(hours=12)
    while moment <= day + timedelta(hours=36):
        expected = 1 if is_open(schedule, moment) else 0
        cases.append(
            {
                "expr": 'flowsight:schedule_open{schedule="extended-hours"}',
                "eval_time": f"{int((moment - EPOCH).total_seconds() // 60)}m",
                "exp_samples": [
                    {
                        "labels": 'flowsight:schedule_open{schedule="extended-hours"}',
                        "value": expected,
                    }
                ],
            }
        )
        moment += timedelta(minutes=30)
    return cases


@pytest.mark.slow
def test_schedule_gate_follows_new_york_on_the_daylight_saving_change_day(
    relecloud: Workload, tmp_path: Path
) -> None:
    """Sunday 1970-04-26, New York springs forward at 07:00 UTC: extended hours open at
    09:00 EDT = 13:00 UTC (not 14:00) and close at 18:00 EDT = 22:00 UTC (not 23:00)."""
    cases = _gate_samples(relecloud, datetime(1970, 4, 26, tzinfo=UTC))
    times = {c["eval_time"]: c["exp_samples"][0]["value"] for c in cases}
    dst_day = int((datetime(1970, 4, 26, tzinfo=UTC) - EPOCH).total_seconds() // 60)
    assert times[f"{dst_day + 13 * 60}m"] == 1 and times[f"{dst_day + 12 * 60 + 30}m"] == 0
    assert times[f"{dst_day + 21 * 60 + 30}m"] == 1 and times[f"{dst_day + 22 * 60}m"] == 0
    _promtool(
        tmp_path,
        _groups(relecloud, set(), {"extended-hours"}),
        {
            "evaluation_interval": "30m",
            "tests": [{"interval": "30m", "input_series": [], "promql_expr_test": cases}],
        },
    )


def _gate_series(workload: Workload, start: datetime, minutes: int) -> dict[str, str]:
    """The Python gate's 0/1 values per minute from `start`, in promtool's run notation."""
    schedule = workload.schedule("extended-hours")
    assert schedule is not None
    gate = build_gate(schedule, datetime(2026, 1, 1, tzinfo=UTC), 730)
    values = [int(gate.is_open(int(start.timestamp()) + 60 * m)) for m in range(minutes + 1)]
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    notation = " ".join(f"{value}+0x{length - 1}" for value, length in runs)
    return {"series": 'flowsight:schedule_open{schedule="extended-hours"}', "values": notation}


@pytest.mark.slow
def test_outage_on_the_2026_daylight_saving_day_alerts_only_in_open_hours(
    relecloud: Workload, tmp_path: Path
) -> None:
    """Sunday 2026-03-08 from 05:00 UTC (00:00 EST), an all-day outage of checkout.

    The gate (from the 2026 horizon of the default export) feeds the flow's rules:
    extended hours open at 09:00 EDT = 13:00 UTC (8 h into the test) and close at
    18:00 EDT = 22:00 UTC (17 h in); an EST-only clock would be an hour late on both.
    """
    minutes = 17 * 60 + 30
    both = _alerts(relecloud, ["fast", "slow"])
    series = [
        _counter("500", 60, minutes),
        _gate_series(relecloud, datetime(2026, 3, 8, 5, tzinfo=UTC), minutes),
    ]
    cases = [
        {"eval_time": t, "alertname": "FlowsightErrorBudgetBurn", "exp_alerts": expected}
        for t, expected in [("7h50m", []), ("8h10m", both), ("16h50m", both), ("17h10m", [])]
    ]
    _promtool(
        tmp_path,
        _groups(relecloud, {FLOW_GROUP}, set())[1:],
        {
            "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": cases}],
        },
    )


def test_horizon_ending_ticket_fires_30_days_before_the_gates_end(
    relecloud: Workload, tmp_path: Path
) -> None:
    """With a 32-day horizon from the epoch, the ticket is due from day 2 on."""
    options = ExportOptions(horizon_start=EPOCH, horizon_days=32)
    data, _ = build_rules(relecloud, options)
    group = data["groups"][0]
    alert = group["rules"][-1]
    assert alert["alert"] == "FlowsightScheduleHorizonEnding"
    expected = [{"exp_labels": alert["labels"], "exp_annotations": alert["annotations"]}]
    _promtool(
        tmp_path,
        [group],
        {
            "evaluation_interval": "1h",
            "tests": [
                {
                    "interval": "1h",
                    "input_series": [],
                    "alert_rule_test": [
                        {"eval_time": "47h", "alertname": alert["alert"], "exp_alerts": []},
                        {"eval_time": "49h", "alertname": alert["alert"], "exp_alerts": expected},
                    ],
                }
            ],
        },
    )
