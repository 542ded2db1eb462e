"""OpenSLO files other projects publish (tests/fixtures/openslo/README.md says where each is from).

Each is imported with the right meaning (key fields asserted) or refused with a
message that names the place and the reason; the export follows the OpenSLO Go
SDK's validation rules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from export_support import GOLDEN_OPTIONS

from flowsight.cli import cli
from flowsight.errors import ExportError
from flowsight.export.openslo import build_documents, export_openslo
from flowsight.imports.openslo import Imported, import_documents, read_documents, workload_yaml
from flowsight.load import load_workload
from flowsight.model import Workload

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "openslo"


def _import(
    *names: str, extra: list[dict[str, Any]] | None = None, tmp: Path | None = None
) -> Imported:
    paths = [FIXTURES / name for name in names]
    if extra is not None and tmp is not None:
        paths.append(tmp / "extra.yaml")
        paths[-1].write_text(yaml.safe_dump_all(extra))
    return import_documents(read_documents(paths))


def test_spec_occurrences_example_is_a_latency_target_and_empty_alert_policies_do_not_crash() -> (
    None
):
    imported = _import("spec--budgeting-method--occurences-slo.yaml")
    flow = imported.workload.flow("search-slo")
    assert flow is not None and flow.targets.performance is not None
    latency = flow.targets.performance.latency
    assert [(t.percentile, t.threshold.total_seconds()) for t in latency] == [(99.0, 0.5)]
    assert flow.targets.reliability is None  # not a 99 % availability target
    assert flow.targets.operations and flow.targets.operations.alert_severity == "none"
    assert any("500 read as milliseconds" in w for w in imported.warnings)
    assert imported.workload.workload.name == "web-shop"


def test_spec_ratio_timeslices_example_keeps_window_and_slices_and_names_the_change() -> None:
    imported = _import("spec--budgeting-method--ratio-timeslices.yaml")
    flow = imported.workload.flow("main-page")
    assert flow is not None and flow.targets.reliability is not None
    reliability = flow.targets.reliability
    assert (reliability.availability, reliability.window, reliability.budgeting) == (
        99.0,
        "14d",
        "timeslices",
    )
    assert reliability.slice is not None and reliability.slice.total_seconds() == 60
    assert any("RatioTimeslices" in w and ":29:3:" in w for w in imported.warnings)
    assert "OpenSLO good query (Any): Any" in flow.description


def test_spec_timeslices_example_is_refused_where_its_one_minute_window_is_written() -> None:
    with pytest.raises(ExportError) as refused:
        _import("spec--budgeting-method--timeslices-slo.yaml")
    assert re.search(
        r"timeslices-slo\.yaml:27:7: SLO 'service-availability' calendar window of 1m",
        refused.value.message,
    )
    assert refused.value.hint and "1M" in refused.value.hint


def test_spec_low_traffic_example_keeps_slice_target_and_names_the_calendar_week() -> None:
    imported = _import("spec--treat-low-traffic-as-equally-important--timeslices-slo.yaml")
    flow = imported.workload.flow("service-availability")
    assert flow is not None and flow.targets.reliability is not None
    reliability = flow.targets.reliability
    assert (reliability.availability, reliability.slice_threshold, reliability.window) == (
        99.95,
        95.0,
        "7d",
    )
    assert any("calendar window of 1w" in w and "America/New_York" in w for w in imported.warnings)


def test_go_sdk_examples_together_map_the_prometheus_counter_queries() -> None:
    names = sorted(p.name for p in FIXTURES.glob("gosdk--examples--*.yaml"))
    imported = _import(*names)
    assert imported.workload.workload.name == "example-service"
    flow = imported.workload.flow("web-availability")
    assert flow is not None and flow.telemetry and flow.telemetry.prometheus
    queries = flow.telemetry.prometheus
    total = 'sum(rate(http_requests{k8s_cluster="prod",component="web"}[{{.window}}]))'
    assert queries.total_query == total
    assert queries.error_query == (
        f"({total}) - (sum(rate(http_requests"
        '{k8s_cluster="prod",component="web",code=~"2xx|4xx"}[{{.window}}])))'
    )
    assert flow.targets.reliability and flow.targets.reliability.availability == 99.5


def _slo(name: str, policies: list[Any], sli: str = "search-availability") -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {
            "service": "example-service",
            "indicatorRef": sli,
            "timeWindow": [
                {
                    "duration": "1M",
                    "calendar": {"startTime": "2022-01-01 00:00:00", "timeZone": "Europe/Berlin"},
                }
            ],
            "budgetingMethod": "Occurrences",
            "objectives": [{"target": 0.99}, {"displayName": "SLA", "target": 0.95}],
            "alertPolicies": policies,
        },
    }


ALERTING = [
    "gosdk--examples--alert_policies.yaml",
    "gosdk--examples--alert_conditions.yaml",
    "gosdk--examples--alert_notification_targets.yaml",
    "gosdk--examples--slis.yaml",
    "gosdk--examples--data_sources.yaml",
]


def test_alert_policy_and_condition_references_are_followed(tmp_path: Path) -> None:
    # low-priority pages only through its conditionRef to cpu-usage-breach (severity page).
    extra = [_slo("pages", [{"alertPolicyRef": "low-priority"}])]
    imported = _import(*ALERTING, extra=extra, tmp=tmp_path)
    flow = imported.workload.flow("pages")
    assert flow and flow.targets.operations and flow.targets.operations.alert_severity == "page"
    assert any("'cpu-usage-breach'" in w and "burn-rate tiers" in w for w in imported.warnings)
    # Every objective is kept, the calendar month in its time zone, isRolling absent = false.
    sla = imported.workload.flow("pages-sla")
    assert sla and sla.targets.reliability and sla.targets.reliability.availability == 95
    reliability = flow.targets.reliability
    assert reliability and reliability.window == "calendar-month"
    schedule = imported.workload.flow_schedule(flow)
    assert schedule.timezone == "Europe/Berlin"
    assert any("no isRolling" in w for w in imported.warnings)


def test_a_reference_to_nothing_is_refused_where_it_is_written(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"extra\.yaml:\d+:\d+: alertPolicyRef 'nope' names no"):
        _import(*ALERTING, extra=[_slo("x", [{"alertPolicyRef": "nope"}])], tmp=tmp_path)
    with pytest.raises(
        ExportError, match="conditionRef 'cpu-usage-breach' names no AlertCondition"
    ):
        _import(
            "gosdk--test_data--inline--inputs--v1_alert_policies_invalid_condition.yaml",
            "gosdk--examples--slis.yaml",
            extra=[_slo("x", [{"alertPolicyRef": "invalid-condition"}])],
            tmp=tmp_path,
        )
    with pytest.raises(ExportError, match=r"v1_slo_invalid_sli\.yaml:7:5: indicatorRef 'no-sli'"):
        _import("gosdk--test_data--inline--inputs--v1_slo_invalid_sli.yaml")


def test_metric_source_ref_takes_the_type_from_its_data_source(tmp_path: Path) -> None:
    source = {"metricSource": {"metricSourceRef": "prometheus", "spec": {"query": "up{job='a'}"}}}
    sli = {
        "apiVersion": "openslo/v1",
        "kind": "SLI",
        "metadata": {"name": "by-ref"},
        "spec": {"ratioMetric": {"counter": True, "bad": source, "total": source}},
    }
    imported = _import(
        "gosdk--examples--data_sources.yaml", extra=[sli, _slo("s", [], "by-ref")], tmp=tmp_path
    )
    flow = imported.workload.flow("s")
    assert flow and flow.telemetry and flow.telemetry.prometheus
    assert flow.telemetry.prometheus.total_query == "sum(rate(up{job='a'}[{{.window}}]))"
    missing = {**source, "metricSource": {**source["metricSource"], "metricSourceRef": "gone"}}
    sli["spec"] = {"ratioMetric": {"bad": missing, "total": missing}}
    with pytest.raises(ExportError, match="metricSourceRef 'gone' names no DataSource"):
        _import(
            "gosdk--examples--data_sources.yaml", extra=[sli, _slo("s", [], "by-ref")], tmp=tmp_path
        )


def test_go_sdk_threshold_slo_with_op_gt_is_refused_with_its_place() -> None:
    with pytest.raises(ExportError) as refused:
        _import(
            "gosdk--test_data--export--inputs--v1_slo.yaml",
            "gosdk--examples--alert_conditions.yaml",
        )
    assert re.search(
        r"v1_slo\.yaml:27:9: SLO 'my-slo' objective 1 is a thresholdMetric with op 'gt'",
        refused.value.message,
    )


def test_go_sdk_json_and_multi_document_files_are_read() -> None:
    documents = read_documents(
        [
            FIXTURES / "gosdk--test_data--decode--sequence_of_objects.json",
            FIXTURES / "gosdk--test_data--decode--two_documents.yaml",
        ]
    )
    assert [(d.kind, d.name) for d in documents] == [
        ("Service", "users-auth"),
        ("Service", "users-login"),
        ("Service", "users-auth"),
        ("Service", "users-login"),
    ]
    with pytest.raises(ExportError, match="hold no OpenSLO SLO"):
        import_documents(documents)


def test_sloth_v1alpha_examples_keep_their_promql_and_every_objective() -> None:
    imported = _import("sloth--examples--openslo-kubernetes-apiserver.yml")
    flows = {f.id: f for f in imported.workload.flows}
    assert set(flows) == {
        "requests-availability-openslo",
        "requests-latency-openslo",
        "requests-latency-openslo-2",
    }
    availability = flows["requests-availability-openslo"]
    assert availability.targets.reliability and availability.targets.reliability.window == "30d"
    assert availability.targets.reliability.availability == 99.9
    assert availability.telemetry and availability.telemetry.prometheus
    assert availability.telemetry.prometheus.total_query == (
        "sum(rate(apiserver_request_total[{{.window}}]))"
    )
    fast = flows["requests-latency-openslo"].telemetry
    assert (
        fast
        and fast.prometheus
        and fast.prometheus.error_query
        and ('le="0.4"' in fast.prometheus.error_query)
    )
    slow = flows["requests-latency-openslo-2"].targets.reliability
    assert slow and slow.availability == 99.9
    started = _import("sloth--examples--openslo-getting-started.yml").workload
    assert [f.id for f in started.flows] == ["sloth-slo-my-service"]


def test_an_older_or_unknown_api_version_is_refused_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("apiVersion: openslo/v0\nkind: SLO\nmetadata: {name: x}\n")
    with pytest.raises(ExportError) as refused:
        read_documents([path])
    assert "old.yaml:1:1:" in refused.value.message and "'openslo/v0'" in refused.value.message
    assert refused.value.hint and "convert" in refused.value.hint


# The OpenSLO Go SDK's validation rules (pkg/openslo/v1: objects.go, slo.go, alert_policy.go).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL_KEY = re.compile(r"^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$")
ANNOTATION_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?"
    r"[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$"
)


def _go_sdk_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    metadata, spec = document["metadata"], document["spec"]
    if not DNS_LABEL.match(metadata["name"]):
        problems.append(f"name {metadata['name']}")
    if len(metadata.get("displayName", "")) > 63:
        problems.append("displayName longer than 63")
    problems += [f"label key {k}" for k in metadata.get("labels", {}) if not LABEL_KEY.match(k)]
    problems += [
        f"annotation {k}" for k in metadata.get("annotations", {}) if not ANNOTATION_KEY.match(k)
    ]
    if document["kind"] == "SLO":
        if len(spec["timeWindow"]) != 1:
            problems.append("timeWindow")
        window = spec["timeWindow"][0]
        if window["isRolling"] == ("calendar" in window):
            problems.append("calendar must be set exactly when isRolling is false")
        for objective in spec["objectives"]:
            if not 0 <= objective["target"] < 1:
                problems.append("target")
            if spec["budgetingMethod"] == "Timeslices" and not (
                "timeSliceTarget" in objective and "timeSliceWindow" in objective
            ):
                problems.append("timeslices objective")
        for policy in spec.get("alertPolicies", []):
            if set(policy) != {"alertPolicyRef"} or not DNS_LABEL.match(policy["alertPolicyRef"]):
                problems.append(f"alert policy {policy}")
    if document["kind"] == "AlertPolicy":
        if len(spec["conditions"]) != 1 or not spec["notificationTargets"]:
            problems.append("one condition and at least one target")
        if "alertAfter" in spec["conditions"][0]["spec"]["condition"]:
            problems.append("alertAfter")
    return problems


def test_export_follows_the_go_sdk_rules_and_references_resolve(relecloud: Workload) -> None:
    documents = build_documents(relecloud, GOLDEN_OPTIONS)
    assert {d["kind"] for d in documents} == {"Service", "SLI", "SLO", "AlertPolicy"}
    for document in documents:
        assert not _go_sdk_problems(document), (
            document["metadata"]["name"],
            _go_sdk_problems(document),
        )
    names = {(d["kind"], d["metadata"]["name"]) for d in documents}
    for slo in (d for d in documents if d["kind"] == "SLO"):
        assert ("SLI", slo["spec"]["indicatorRef"]) in names
        for policy in slo["spec"].get("alertPolicies", []):
            assert ("AlertPolicy", policy["alertPolicyRef"]) in names
        assert not any(k.startswith("flowsight.io/") for k in slo["metadata"].get("labels", {}))


def test_export_import_export_is_stable_and_keeps_a_flows_own_promql(
    relecloud: Workload, tmp_path: Path
) -> None:
    data = relecloud.model_dump(mode="json", exclude_defaults=True)
    telemetry = data["flows"][0].setdefault("telemetry", {})
    telemetry["prometheus"] = {
        "error_query": 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))',
        "total_query": "sum(rate(http_requests_total[{{.window}}]))",
    }
    workload = Workload.model_validate(data)
    first = tmp_path / "first.yaml"
    first.write_text(export_openslo(workload, GOLDEN_OPTIONS).text)
    slo_text = first.read_text()
    assert 'http_requests_total{code=~"5.."}[1m]' in slo_text
    (tmp_path / "workload.yaml").write_text(
        workload_yaml(import_documents(read_documents([first])).workload)
    )
    again = load_workload(tmp_path / "workload.yaml").workload
    flow = again.flow(data["flows"][0]["id"])
    assert flow and flow.telemetry and flow.telemetry.prometheus
    assert flow.telemetry.prometheus.total_query == "sum(rate(http_requests_total[{{.window}}]))"
    assert export_openslo(again, GOLDEN_OPTIONS).text == slo_text


def test_go_sdk_inline_policies_with_references_page(tmp_path: Path) -> None:
    policies = [{"alertPolicyRef": "mix-of-referenced-and-inlined-objects"}]
    imported = _import(
        "gosdk--test_data--inline--inputs--v1_alert_policies_remove_refs.yaml",
        "gosdk--examples--slis.yaml",
        extra=[_slo("mixed", policies)],
        tmp=tmp_path,
    )
    flow = imported.workload.flow("mixed")
    assert flow and flow.targets.operations and flow.targets.operations.alert_severity == "page"
    assert any("pagerduty" in w and "email" in w for w in imported.warnings)


def run_cli(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_cli_prints_warnings_and_refusals_without_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "w.yaml"
    result = run_cli(
        "import",
        "openslo",
        str(FIXTURES / "spec--budgeting-method--occurences-slo.yaml"),
        "-o",
        str(out),
    )
    assert result.exit_code == 0 and "read as milliseconds" in result.output
    assert load_workload(out).workload.flow("search-slo") is not None
    refused = run_cli(
        "import", "openslo", str(FIXTURES / "spec--budgeting-method--timeslices-slo.yaml")
    )
    assert refused.exit_code == 2 and "timeslices-slo.yaml:27:7" in refused.output


def test_a_field_of_the_wrong_type_is_refused_at_the_field(tmp_path: Path) -> None:
    text = (FIXTURES / "gosdk--examples--slos.yaml").read_text()
    broken = tmp_path / "slos.yaml"
    broken.write_text(text.replace("target: 0.995", "target: high"))
    with pytest.raises(ExportError, match=r"slos\.yaml:41:9: SLO 'web-availability' objective 1 "):
        import_documents(read_documents([broken]))
    broken.write_text(text.replace("    timeWindow:\n", "    timeWindow: 5\n    unused:\n"))
    with pytest.raises(ExportError, match="field 'timeWindow' must be a list"):
        import_documents(read_documents([broken]))


def test_calendar_month_flows_round_trip_exactly(relecloud: Workload, tmp_path: Path) -> None:
    data = relecloud.model_dump(mode="json", exclude_defaults=True)
    for flow in data["flows"]:
        if flow.get("targets", {}).get("reliability"):
            flow["targets"]["reliability"]["window"] = "calendar-month"
    workload = Workload.model_validate(data)
    first = tmp_path / "slos.yaml"
    first.write_text(export_openslo(workload, GOLDEN_OPTIONS).text)
    assert "isRolling: false" in first.read_text()
    imported = import_documents(read_documents([first]))
    assert not imported.warnings
    assert {s.id for s in imported.workload.schedules} == {s.id for s in relecloud.schedules}
    (tmp_path / "w.yaml").write_text(workload_yaml(imported.workload))
    again = load_workload(tmp_path / "w.yaml").workload
    assert export_openslo(again, GOLDEN_OPTIONS).text == first.read_text()
