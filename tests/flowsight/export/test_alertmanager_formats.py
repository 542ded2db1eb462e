"""Alertmanager: the subtree merged into a config with other routes, contacts, CRD, maintenance.

Every configuration is checked by the real amtool (`check-config`, and
`config routes test` for where alerts land); the AlertmanagerConfig against
the Prometheus Operator's published CRD schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from crd_schemas import alertmanager_config_validator, errors
from export_support import EXAMPLE, GOLDEN_OPTIONS, run, tool

from flowsight.cli import cli
from flowsight.errors import ExportError
from flowsight.export.alertmanager import build_config, build_subtree, export_alertmanager
from flowsight.export.alertmanager_formats import merge_route
from flowsight.export.base import ExportOptions
from flowsight.load import load_workload, read_workload
from flowsight.model import Workload
from flowsight.slo.maintenance import excluded_windows

SHOP = Path(__file__).parent / "workloads" / "shop.yaml"
#: A team's existing configuration: its own routes, receivers and a catch-all.
EXISTING = {
    "global": {"smtp_smarthost": "mail.example.com:587", "smtp_from": "am@example.com"},
    "route": {
        "receiver": "ops-default",
        "group_by": ["alertname"],
        "routes": [
            {"matchers": ['team="db"'], "receiver": "db-pager"},
            {"matchers": ['severity="page"'], "receiver": "ops-pager"},
        ],
    },
    "receivers": [
        {"name": "ops-default", "email_configs": [{"to": "ops@example.com"}]},
        {"name": "db-pager", "webhook_configs": [{"url": "https://db.example.com/hook"}]},
        {"name": "ops-pager", "webhook_configs": [{"url": "https://ops.example.com/hook"}]},
    ],
    "inhibit_rules": [{"source_matchers": ['alertname="DC down"'], "target_matchers": ['dc="x"']}],
}


@pytest.fixture(scope="module")
def shop() -> Workload:
    return load_workload(SHOP).workload


def _secrets(tmp_path: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Point the *_file secrets at files that exist, as amtool opens nothing but checks paths."""
    text = yaml.safe_dump(config).replace("/etc/alertmanager/", f"{tmp_path}/")
    for name in ("pagerduty-key", "slack-url", "opsgenie-key"):
        (tmp_path / name).write_text("https://hooks.example.com/x\n")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _check(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    result = run([tool("amtool"), "check-config", str(path)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def _route(path: Path, *labels: str) -> str:
    args = [tool("amtool"), "config", "routes", "test", f"--config.file={path}", *labels]
    result = run(args, path.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_merged_route_keeps_the_other_routes_working(shop: Workload, tmp_path: Path) -> None:
    fragment, _ = build_subtree(shop, GOLDEN_OPTIONS)
    path = _check(tmp_path, _secrets(tmp_path, merge_route(EXISTING, fragment)))
    ours = "flowsight_workload=shop"
    assert _route(path, ours, "flow=checkout", "severity=page") == "party-shop-oncall"
    assert _route(path, ours, "flow=checkout", "severity=ticket") == "party-chat"
    assert _route(path, ours, "flow=browse", "severity=ticket") == "party-hook"
    assert _route(path, ours, "flow=search", "severity=page") == "party-ops"
    assert _route(path, ours, "flow=search", "severity=ticket") == "party-mail"
    assert _route(path, ours, "alertname=FlowsightScheduleHorizonEnding") == "party-shop-team"
    # The team's own alerts still reach their receivers, even with flowsight-like labels.
    assert _route(path, "team=db", "flow=checkout") == "db-pager"
    assert _route(path, "severity=page", "flow=checkout") == "ops-pager"
    assert _route(path, "alertname=Other") == "ops-default"


def test_merging_again_replaces_flowsights_part_only(shop: Workload) -> None:
    fragment, _ = build_subtree(shop, GOLDEN_OPTIONS)
    once = merge_route(EXISTING, fragment)
    assert merge_route(once, fragment) == once
    assert once["route"]["routes"][1:] == EXISTING["route"]["routes"]
    assert EXISTING["route"]["routes"][0]["receiver"] == "db-pager"  # input unchanged


def test_a_receiver_name_clash_is_refused(shop: Workload) -> None:
    fragment, _ = build_subtree(shop, GOLDEN_OPTIONS)
    clashing = {**EXISTING, "receivers": [*EXISTING["receivers"], {"name": "party-chat"}]}
    with pytest.raises(ExportError, match="party-chat"):
        merge_route(clashing, fragment)


def test_merge_through_the_cli(tmp_path: Path) -> None:
    existing = tmp_path / "alertmanager.yml"
    existing.write_text(yaml.safe_dump(EXISTING))
    out = tmp_path / "merged.yml"
    args = ["export", "alertmanager", str(EXAMPLE), "--format", "route", "--merge-into"]
    result = CliRunner().invoke(cli, [*args, str(existing), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    merged = yaml.safe_load(out.read_text())
    assert merged["route"]["routes"][0]["matchers"] == ['flowsight_workload="relecloud"']
    path = _check(tmp_path, merged)
    assert _route(
        path, "flowsight_workload=relecloud", "flow=purchase-ticket", "severity=page"
    ) == ("party-app-oncall")
    assert _route(path, "team=db") == "db-pager"
    bad = tmp_path / "bad.yml"
    bad.write_text("- a list\n")
    result = CliRunner().invoke(cli, [*args, str(bad)])
    assert result.exit_code == 2 and "not an Alertmanager configuration" in result.stderr


def test_every_contact_kind_becomes_a_receiver_amtool_accepts(
    shop: Workload, tmp_path: Path
) -> None:
    config, warnings = build_config(shop, GOLDEN_OPTIONS)
    receivers = {r["name"]: r for r in config["receivers"]}
    assert receivers["party-shop-team"]["email_configs"][0]["to"] == "shop@example.com"
    assert receivers["party-chat"]["slack_configs"][0]["channel"] == "#shop-alerts"
    assert receivers["party-shop-oncall"]["pagerduty_configs"][0]["routing_key_file"]
    assert receivers["party-ops"]["opsgenie_configs"][0]["responders"] == [
        {"name": "operations", "type": "team"}
    ]
    assert receivers["party-hook"]["webhook_configs"][0]["url"] == "https://bot.example.com/alerts"
    assert receivers["party-mail"]["email_configs"][0]["to"] == "list@example.com"
    assert warnings == []
    _check(tmp_path, _secrets(tmp_path, config))


def test_an_old_string_contact_keeps_its_meaning(relecloud: Workload) -> None:
    config, _ = build_config(relecloud, GOLDEN_OPTIONS)
    receivers = {r["name"]: r for r in config["receivers"]}
    assert receivers["party-app-oncall"]["email_configs"][0]["to"] == "app-oncall@relecloud.example"


def test_a_contact_of_unknown_kind_is_located(tmp_path: Path) -> None:
    text = SHOP.read_text().replace("{kind: webhook, url:", "{kind: teams, url:")
    (tmp_path / "w.yaml").write_text(text)
    result = read_workload(tmp_path / "w.yaml")
    assert result.loaded is None
    assert any(f.line == 14 and "teams" in f.message for f in result.findings), result.findings


def test_maintenance_announced_in_time_mutes_the_flow_late_does_not(
    shop: Workload, tmp_path: Path
) -> None:
    checkout = shop.flow("checkout")
    assert checkout is not None
    assert [w.id for w in excluded_windows(shop, checkout)] == ["db-upgrade"]
    fragment, _ = build_subtree(shop, GOLDEN_OPTIONS)
    (interval,) = fragment["time_intervals"]
    assert interval["name"] == "maintenance-db-upgrade"
    # 2030-03-01 23:30 to 03-02 01:00 UTC: two calendar days.
    assert interval["time_intervals"] == [
        {
            "times": [{"start_time": "23:30", "end_time": "24:00"}],
            "days_of_month": ["1:1"],
            "months": ["march"],
            "years": ["2030:2030"],
            "location": "UTC",
        },
        {
            "times": [{"start_time": "00:00", "end_time": "01:00"}],
            "days_of_month": ["2:2"],
            "months": ["march"],
            "years": ["2030:2030"],
            "location": "UTC",
        },
    ]
    route = next(r for r in fragment["route"]["routes"] if r["matchers"] == ['flow="checkout"'])
    assert route["mute_time_intervals"] == ["maintenance-db-upgrade"]
    assert all(c["mute_time_intervals"] == ["maintenance-db-upgrade"] for c in route["routes"])
    browse = next(r for r in fragment["route"]["routes"] if r["matchers"] == ['flow="browse"'])
    assert "mute_time_intervals" not in browse
    _check(tmp_path, _secrets(tmp_path, merge_route(EXISTING, fragment)))


@pytest.mark.parametrize("workload_file", [EXAMPLE, SHOP], ids=["relecloud", "shop"])
def test_alertmanagerconfig_matches_the_operator_crd_schema(workload_file: Path) -> None:
    workload = load_workload(workload_file).workload
    options = ExportOptions(
        horizon_start=GOLDEN_OPTIONS.horizon_start, variant="alertmanagerconfig", namespace="mon"
    )
    artifact = export_alertmanager(workload, options)
    resource = yaml.safe_load(artifact.text)
    assert resource["apiVersion"] == "monitoring.coreos.com/v1alpha1"
    assert resource["kind"] == "AlertmanagerConfig"
    assert errors(alertmanager_config_validator(), resource) == []
    route = resource["spec"]["route"]
    assert route["matchers"][0]["name"] == "flowsight_workload"
    names = {r["name"] for r in resource["spec"]["receivers"]}
    assert route["receiver"] in names


def test_alertmanagerconfig_refers_to_secrets_and_mutes(shop: Workload) -> None:
    options = ExportOptions(
        horizon_start=GOLDEN_OPTIONS.horizon_start, variant="alertmanagerconfig"
    )
    spec = yaml.safe_load(export_alertmanager(shop, options).text)["spec"]
    receivers = {r["name"]: r for r in spec["receivers"]}
    assert receivers["party-chat"]["slackConfigs"][0]["apiURL"] == {"name": "slack", "key": "url"}
    assert receivers["party-shop-oncall"]["pagerdutyConfigs"][0]["routingKey"]["key"] == (
        "routing-key"
    )
    assert spec["muteTimeIntervals"][0]["timeIntervals"][0]["daysOfMonth"] == [
        {"start": 1, "end": 1}
    ]
    broken = {
        **spec,
        "muteTimeIntervals": [{"name": "x", "timeIntervals": [{"months": ["marzo"]}]}],
    }
    assert errors(alertmanager_config_validator(), {"spec": broken})
