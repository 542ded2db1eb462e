"""The Alertmanager configuration, checked and routed by Debian's amtool."""

from __future__ import annotations

from pathlib import Path

import yaml
from export_support import GOLDEN_OPTIONS, run, tool

from flowsight.export.alertmanager import build_config, export_alertmanager
from flowsight.model import Workload


def _write(relecloud: Workload, tmp_path: Path) -> Path:
    path = tmp_path / "alertmanager.yaml"
    path.write_text(export_alertmanager(relecloud, GOLDEN_OPTIONS).text)
    return path


def test_amtool_check_config_accepts_the_output(relecloud: Workload, tmp_path: Path) -> None:
    path = _write(relecloud, tmp_path)
    result = run([tool("amtool"), "check-config", str(path)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def _route(path: Path, *labels: str) -> str:
    args = [tool("amtool"), "config", "routes", "test", f"--config.file={path}", *labels]
    result = run(args, path.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_pages_go_to_the_first_on_call_party_and_tickets_to_the_first_party(
    relecloud: Workload, tmp_path: Path
) -> None:
    path = _write(relecloud, tmp_path)
    ours = "flowsight_workload=relecloud"
    # list-concerts escalates data-team -> data-oncall -> platform-oncall.
    assert _route(path, ours, "flow=list-concerts", "severity=page") == "party-data-oncall"
    assert _route(path, ours, "flow=list-concerts", "severity=ticket") == "party-data-team"
    assert _route(path, ours, "flow=purchase-ticket", "severity=page") == "party-app-oncall"
    # Alerts of no flow (the schedule horizon ticket) reach the workload owner.
    assert _route(path, ours, "alertname=FlowsightScheduleHorizonEnding") == (
        "party-director-of-operations"
    )
    # Another system's alert with the same labels is not flowsight's to route.
    assert _route(path, "flow=list-concerts", "severity=page") == "flowsight-default"


def test_ticket_is_inhibited_by_a_page_of_the_same_flow(relecloud: Workload) -> None:
    config, _ = build_config(relecloud, GOLDEN_OPTIONS)
    inhibit = config["inhibit_rules"][0]
    assert inhibit["source_matchers"] == ['flowsight_workload="relecloud"', 'severity="page"']
    assert inhibit["target_matchers"] == ['flowsight_workload="relecloud"', 'severity="ticket"']
    assert inhibit["equal"] == ["flow"]


def test_routes_are_ordered_by_criticality_and_timed_by_it(relecloud: Workload) -> None:
    config, _ = build_config(relecloud, GOLDEN_OPTIONS)
    routes = config["route"]["routes"][0]["routes"]
    flows = [r["matchers"][0] for r in routes]
    assert flows[:4] == [
        'flow="authentication"',
        'flow="list-concerts"',
        'flow="purchase-ticket"',
        'flow="collect-telemetry"',
    ]
    page = routes[2]["routes"][0]
    assert page["matchers"] == ['severity="page"'] and page["repeat_interval"] == "1h"
    # search-concerts only opens tickets: it has no page route.
    search = next(r for r in routes if r["matchers"] == ['flow="search-concerts"'])
    assert [c["matchers"] for c in search["routes"]] == [['severity="ticket"']]


def test_unreachable_party_is_reported(relecloud: Workload) -> None:
    changed = relecloud.model_copy(deep=True)
    party = changed.party("app-oncall")
    assert party is not None
    party.contact = "call the front desk"
    config, warnings = build_config(changed, GOLDEN_OPTIONS)
    assert any("app-oncall" in w for w in warnings)
    receiver = next(r for r in config["receivers"] if r["name"] == "party-app-oncall")
    assert "email_configs" not in receiver
    yaml.safe_dump(config)
