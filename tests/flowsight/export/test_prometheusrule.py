"""`export prometheus --format prometheusrule`, alert labels, the flow's own PromQL, anchors.

The PrometheusRule is validated against the operator's published CRD schema
and its `spec` is checked by the real promtool; the custom SLI is exercised by
a promtool unit test with input series of the team's own metric.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from crd_schemas import errors, prometheus_rule_validator
from export_support import EXAMPLE, GOLDEN_OPTIONS, run, tool

from flowsight.cli import cli
from flowsight.errors import ExportError
from flowsight.export.base import ExportOptions
from flowsight.export.prometheus import build_rules, export_prometheus
from flowsight.export.registry import exporters
from flowsight.load import load_workload, read_workload
from flowsight.model import Workload

SHOP = Path(__file__).parent / "workloads" / "shop.yaml"
RULE_OPTIONS = ExportOptions(
    horizon_start=GOLDEN_OPTIONS.horizon_start,
    variant="prometheusrule",
    namespace="monitoring",
    resource_labels=(("release", "prometheus"),),
    alert_labels=(("env", "prod"),),
)


@pytest.fixture(scope="module")
def shop() -> Workload:
    return load_workload(SHOP).workload


def _resource(workload: Workload, options: ExportOptions = RULE_OPTIONS) -> dict[str, Any]:
    artifact = export_prometheus(workload, options)
    assert artifact.filename == "flowsight-prometheusrule.yaml"
    loaded: dict[str, Any] = yaml.safe_load(artifact.text)
    return loaded


def _alerts(resource: dict[str, Any], flow: str) -> list[dict[str, Any]]:
    return [
        rule
        for group in resource["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule and rule["labels"].get("flow") == flow
    ]


@pytest.mark.parametrize("workload_file", [EXAMPLE, SHOP], ids=["relecloud", "shop"])
def test_prometheusrule_matches_the_operator_crd_schema(workload_file: Path) -> None:
    resource = _resource(load_workload(workload_file).workload)
    assert resource["apiVersion"] == "monitoring.coreos.com/v1"
    assert resource["kind"] == "PrometheusRule"
    assert resource["metadata"]["namespace"] == "monitoring"
    assert resource["metadata"]["labels"]["release"] == "prometheus"
    assert errors(prometheus_rule_validator(), resource) == []


def test_the_crd_schema_check_can_fail(shop: Workload) -> None:
    resource = _resource(shop)
    resource["spec"]["groups"][0]["rules"][0]["for"] = "five minutes"
    assert errors(prometheus_rule_validator(), resource)


@pytest.mark.parametrize("workload_file", [EXAMPLE, SHOP], ids=["relecloud", "shop"])
def test_promtool_checks_the_spec_of_the_prometheusrule(
    workload_file: Path, tmp_path: Path
) -> None:
    resource = _resource(load_workload(workload_file).workload)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": resource["spec"]["groups"]}))
    result = run([tool("promtool"), "check", "rules", "rules.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_alert_labels_come_from_workload_flow_and_command_line(shop: Workload) -> None:
    checkout = _alerts(_resource(shop), "checkout")
    assert checkout
    for alert in checkout:
        labels = alert["labels"]
        # workload's cluster, the flow's team over the workload's, --label env
        assert labels["cluster"] == "eu-1" and labels["team"] == "checkout"
        assert labels["tier"] == "gold" and labels["env"] == "prod"
        assert labels["flowsight_workload"] == "shop"
    browse = _alerts(_resource(shop), "browse")
    assert browse and all(a["labels"]["team"] == "shop" for a in browse)


def test_command_line_label_wins_over_the_model(shop: Workload) -> None:
    options = ExportOptions(variant="prometheusrule", alert_labels=(("team", "night-shift"),))
    assert {a["labels"]["team"] for a in _alerts(_resource(shop, options), "checkout")} == {
        "night-shift"
    }


def test_a_label_flowsight_sets_itself_is_refused_where_it_is_written(tmp_path: Path) -> None:
    text = SHOP.read_text().replace("{team: shop, cluster: eu-1}", "{severity: low}")
    (tmp_path / "w.yaml").write_text(text)
    result = read_workload(tmp_path / "w.yaml")
    assert result.loaded is None
    finding = next(f for f in result.findings if "severity" in f.message)
    assert finding.line == 7 and "set by flowsight itself" in finding.message
    code = CliRunner().invoke(cli, ["export", "prometheus", str(SHOP), "--label", "burn=x"])
    assert code.exit_code == 2 and "cannot be an alert label" in code.stderr


def test_no_output_of_any_exporter_has_yaml_anchors(shop: Workload) -> None:
    variants = {"prometheus": FORMATS_P, "alertmanager": FORMATS_A}
    for name, exporter in exporters().items():
        for variant in variants.get(name, (None,)):
            options = ExportOptions(horizon_start=GOLDEN_OPTIONS.horizon_start, variant=variant)
            for workload in (shop, load_workload(EXAMPLE).workload):
                text = exporter.export(workload, options).text
                assert "&id0" not in text and "*id0" not in text, (name, variant)


FORMATS_P = ("rules", "prometheusrule")
FORMATS_A = ("config", "route", "alertmanagerconfig")


def test_the_flows_own_promql_is_used_for_every_window(shop: Workload) -> None:
    data, _ = build_rules(shop, GOLDEN_OPTIONS)
    group = next(g for g in data["groups"] if g["name"] == "flowsight-flow-search")
    ratios = {
        r["record"]: r["expr"]
        for r in group["rules"]
        if r.get("labels", {}).get("objective") == "availability" and "record" in r
    }
    counted = '(flowsight:flow_counted{flow="search"} offset 1m == 1)'
    assert ratios["flowsight:flow_valid:increase1m"] == (
        f"((sum(rate(search_requests_total[1m]))) * 60) and on () {counted}"
    )
    assert ratios["flowsight:flow_bad:increase1m"] == (
        '(((sum(rate(search_requests_total{code=~"5.."}[1m]))) or vector(0)) * 60) '
        f"and on () {counted}"
    )
    labels = '{flow="search", objective="availability"}'
    assert ratios["flowsight:flow_error_ratio:rate1h"] == (
        f"sum_over_time(flowsight:flow_bad:increase1m{labels}[59m30s]) / "
        f"(sum_over_time(flowsight:flow_valid:increase1m{labels}[59m30s]) > 0)"
    )
    latency = [
        r for r in group["rules"] if r.get("record") == "flowsight:flow_latency_seconds:rate5m"
    ]
    assert latency[0]["expr"] == (
        'histogram_quantile(0.99, sum by (le) (rate(search_duration_seconds_bucket{job="search"}[5m])))'
    )
    assert "{{.window}}" not in yaml.safe_dump(data) and "http_server" not in yaml.safe_dump(group)


def test_the_flows_own_promql_fires_the_alert_in_promtool(shop: Workload, tmp_path: Path) -> None:
    """Half of the searches fail from t=0 (a 50x burn): both the page and the ticket
    alert fire, computed from the team's own `search_requests_total`."""
    options = ExportOptions(
        horizon_start=GOLDEN_OPTIONS.horizon_start.replace(year=1970, month=1, day=1),
        horizon_days=30,
    )
    data, _ = build_rules(shop, options)
    groups = [
        g for g in data["groups"] if g["name"] in ("flowsight-schedules", "flowsight-flow-search")
    ]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    alerts = [r for r in groups[1]["rules"] if r.get("alert") == "FlowsightErrorBudgetBurn"]
    alert = alerts[0]
    expected = [{"exp_labels": a["labels"], "exp_annotations": a["annotations"]} for a in alerts]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": ["flowsight-schedules", "flowsight-flow-search"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'search_requests_total{code="200"}', "values": "0+30x120"},
                    {"series": 'search_requests_total{code="500"}', "values": "0+30x120"},
                ],
                "alert_rule_test": [
                    {"eval_time": "0m", "alertname": alert["alert"], "exp_alerts": []},
                    {
                        "eval_time": "100m",
                        "alertname": alert["alert"],
                        "exp_alerts": expected,
                    },
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = run([tool("promtool"), "test", "rules", "test.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_attribute_mapped_flow_gets_a_located_warning_and_exit_code_0() -> None:
    result = CliRunner().invoke(cli, ["export", "prometheus", str(SHOP)])
    assert result.exit_code == 0, result.stderr
    assert "export.selector-unmatched" in result.stderr
    assert f"{SHOP}:42:" in result.stderr and "app_flow" in result.stderr
    assert "flow 'checkout'" not in result.stderr and "flow 'search'" not in result.stderr


def test_bad_crd_metadata_is_a_usage_message(shop: Workload) -> None:
    with pytest.raises(ExportError, match="namespace"):
        export_prometheus(shop, ExportOptions(variant="prometheusrule", namespace="Bad_NS"))
    result = CliRunner().invoke(cli, ["export", "prometheus", str(SHOP), "--format", "yaml"])
    assert result.exit_code == 2 and "no --format 'yaml'" in result.stderr
    result = CliRunner().invoke(cli, ["export", "grafana", str(SHOP), "--format", "route"])
    assert result.exit_code == 2 and "leave --format out" in result.stderr
