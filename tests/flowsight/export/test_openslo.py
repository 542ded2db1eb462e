"""OpenSLO export against the OpenSLO v1 JSON schema shipped here, and the import round trip."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from export_support import GOLDEN_OPTIONS

from flowsight.errors import ExportError, InputError
from flowsight.export.openslo import build_documents, export_openslo
from flowsight.imports.openslo import import_openslo, read_documents, workload_yaml
from flowsight.load import load_workload
from flowsight.model import Workload

SCHEMA = json.loads((Path(__file__).parent / "openslo-v1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_every_document_validates_against_the_openslo_v1_schema(relecloud: Workload) -> None:
    documents = list(yaml.safe_load_all(export_openslo(relecloud, GOLDEN_OPTIONS).text))
    kinds = {d["kind"] for d in documents}
    assert kinds == {"Service", "SLI", "SLO", "AlertPolicy"}
    for document in documents:
        errors = [e.message for e in VALIDATOR.iter_errors(document)]
        assert not errors, (document["metadata"]["name"], errors)


def test_the_schema_rejects_what_openslo_v1_forbids(relecloud: Workload) -> None:
    slo = next(d for d in build_documents(relecloud, GOLDEN_OPTIONS) if d["kind"] == "SLO")
    two_windows = {**slo, "spec": {**slo["spec"], "timeWindow": slo["spec"]["timeWindow"] * 2}}
    bad_name = {**slo, "metadata": {**slo["metadata"], "name": "Purchase Ticket"}}
    assert not VALIDATOR.is_valid(two_windows)
    assert not VALIDATOR.is_valid(bad_name)


def test_budgeting_methods_and_windows_follow_the_flows(relecloud: Workload) -> None:
    slos = {
        d["metadata"]["name"]: d["spec"]
        for d in build_documents(relecloud, GOLDEN_OPTIONS)
        if d["kind"] == "SLO"
    }
    telemetry = slos["collect-telemetry-availability"]
    assert telemetry["budgetingMethod"] == "Timeslices"
    assert telemetry["objectives"][0]["timeSliceWindow"] == "1m"
    assert telemetry["objectives"][0]["timeSliceTarget"] == 0.99
    purchase = slos["purchase-ticket-availability"]
    assert purchase["budgetingMethod"] == "Occurrences"
    assert purchase["objectives"][0]["target"] == 0.999
    assert purchase["timeWindow"] == [{"duration": "30d", "isRolling": True}]


def test_round_trip_keeps_every_objective(relecloud: Workload, tmp_path: Path) -> None:
    exported = tmp_path / "slos.yaml"
    exported.write_text(export_openslo(relecloud, GOLDEN_OPTIONS).text)
    imported = import_openslo(read_documents([exported]))
    (tmp_path / "workload.yaml").write_text(workload_yaml(imported))
    reloaded = load_workload(tmp_path / "workload.yaml").workload
    for flow in relecloud.flows:
        again = reloaded.flow(flow.id)
        assert again is not None
        assert again.targets.reliability == flow.targets.reliability
        assert again.criticality == flow.criticality
        assert again.targets.operations and flow.targets.operations
        assert again.targets.operations.alert_severity == flow.targets.operations.alert_severity
        before = flow.targets.performance.latency if flow.targets.performance else []
        after = again.targets.performance.latency if again.targets.performance else []
        assert after == before
    assert export_openslo(reloaded, GOLDEN_OPTIONS).text == exported.read_text()


SOURCE = {"metricSource": {"type": "Datadog", "spec": {"query": "sum:x{*}.as_count()"}}}


def test_foreign_slo_becomes_a_flow_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "foreign.yaml"
    path.write_text(
        yaml.safe_dump_all(
            [
                {
                    "apiVersion": "openslo/v1",
                    "kind": "SLO",
                    "metadata": {"name": "checkout-availability"},
                    "spec": {
                        "service": "shop",
                        "indicatorRef": "checkout",
                        "alertPolicies": None,
                        "timeWindow": [{"duration": "4w", "isRolling": True}],
                        "budgetingMethod": "Timeslices",
                        "objectives": [
                            {"targetPercent": 99.5, "timeSliceTarget": 0.95, "timeSliceWindow": 5}
                        ],
                    },
                },
                {
                    "apiVersion": "openslo/v1",
                    "kind": "SLI",
                    "metadata": {"name": "checkout"},
                    "spec": {"ratioMetric": {"bad": SOURCE, "total": SOURCE}},
                },
            ]
        )
    )
    workload = import_openslo(read_documents([path]))
    flow = workload.flow("checkout-availability")
    assert flow is not None and flow.targets.reliability is not None
    reliability = flow.targets.reliability
    assert (reliability.availability, reliability.window) == (99.5, "28d")
    assert reliability.budgeting == "timeslices" and reliability.slice_threshold == 95
    assert reliability.slice is not None and reliability.slice.total_seconds() == 300
    assert workload.workload.name == "shop"


def test_import_refuses_documents_it_cannot_use(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("apiVersion: openslo/v2alpha\nkind: SLO\n")
    with pytest.raises(ExportError, match=r"other.yaml:1:1: .* not an OpenSLO openslo/v1 document"):
        read_documents([path])
    path.write_text("a: [\n")
    with pytest.raises(InputError, match="not YAML or JSON"):
        read_documents([path])
    window = {"duration": "1Q", "isRolling": False, "calendar": {}}
    slo = {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": "x"},
        "spec": {
            "timeWindow": [window],
            "objectives": [{"target": 0.9}],
            "indicator": {"metadata": {"name": "i"}, "spec": {"ratioMetric": {}}},
        },
    }
    with pytest.raises(ExportError, match="calendar window of 1Q has no flowsight equivalent"):
        import_openslo([slo])
