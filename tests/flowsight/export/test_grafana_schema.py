"""The Grafana dashboard against the Grafana Foundation SDK's published dashboard schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crd_schemas import errors, grafana_dashboard_validator
from export_support import EXAMPLE

from flowsight.export.grafana import build_dashboard, latency_title
from flowsight.export.sli import objectives
from flowsight.load import load_workload
from flowsight.model import Workload

SHOP = Path(__file__).parent / "workloads" / "shop.yaml"


@pytest.mark.parametrize("workload_file", [EXAMPLE, SHOP], ids=["relecloud", "shop"])
def test_dashboard_matches_the_foundation_sdk_schema(workload_file: Path) -> None:
    dashboard = build_dashboard(load_workload(workload_file).workload)
    assert errors(grafana_dashboard_validator(), dashboard) == []
    assert dashboard["schemaVersion"] == 42


def test_the_schema_check_can_fail(relecloud: Workload) -> None:
    without_overrides = build_dashboard(relecloud)
    del without_overrides["panels"][1]["fieldConfig"]["overrides"]
    assert errors(grafana_dashboard_validator(), without_overrides)
    too_wide = build_dashboard(relecloud)
    too_wide["panels"][1]["gridPos"]["w"] = 30
    assert errors(grafana_dashboard_validator(), too_wide)
    old = {**build_dashboard(relecloud), "refresh": 5}
    assert errors(grafana_dashboard_validator(), old)


def test_annotations_show_flowsights_firing_alerts(relecloud: Workload) -> None:
    annotations = build_dashboard(relecloud)["annotations"]["list"]
    ours = next(a for a in annotations if a["name"] == "flowsight alerts")
    assert ours["expr"] == 'ALERTS{alertstate="firing", flowsight_workload="relecloud"}'


def test_thresholds_are_rounded_and_titles_read_cleanly(relecloud: Workload) -> None:
    text = json.dumps(build_dashboard(relecloud))
    assert "0.9990000000000001" not in text and "0.999" in text
    assert "latency p95 latency" not in text and "1500ms" not in text
    titles = [p["title"] for p in build_dashboard(relecloud)["panels"]]
    assert "Purchase ticket: p95 latency under 2 s, p99 under 5 s" in titles
    assert "Get a list of concerts: p95 latency under 300 ms, p99 under 1 s" in titles
    shop = load_workload(SHOP).workload
    checkout = shop.flow("checkout")
    assert checkout is not None
    latency = [o for o in objectives(checkout) if o.threshold is not None]
    assert latency_title(latency) == "p95 latency under 1.5 s"


def test_burn_rate_panel_has_an_override_for_the_short_window(relecloud: Workload) -> None:
    panel = next(p for p in build_dashboard(relecloud)["panels"] if "burn rate" in p["title"])
    (override,) = panel["fieldConfig"]["overrides"]
    assert override["matcher"] == {"id": "byNames", "options": {"mode": "include", "names": ["5m"]}}
