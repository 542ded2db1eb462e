"""Golden files of every exporter on the Relecloud example (refresh: `make golden`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_support import GOLDEN_OPTIONS, check_golden

from flowsight.export.base import ExportOptions
from flowsight.export.registry import exporters, get_exporter
from flowsight.load import load_workload
from flowsight.model import Workload


@pytest.mark.parametrize("name", ["prometheus", "alertmanager", "openslo", "grafana"])
def test_golden_relecloud(name: str, relecloud: Workload) -> None:
    artifact = get_exporter(name).export(relecloud, GOLDEN_OPTIONS)
    check_golden(f"relecloud-{artifact.filename}", artifact.text)


def test_golden_outputs_are_deterministic(relecloud: Workload) -> None:
    for exporter in exporters().values():
        first = exporter.export(relecloud, GOLDEN_OPTIONS).text
        assert exporter.export(relecloud, GOLDEN_OPTIONS).text == first


SHOP = Path(__file__).parent / "workloads" / "shop.yaml"


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("prometheus", "prometheusrule"),
        ("alertmanager", "route"),
        ("alertmanager", "alertmanagerconfig"),
        ("grafana", None),
    ],
)
def test_golden_shop_variants(name: str, variant: str | None) -> None:
    """The CRD and subtree outputs, on a workload with labels, contacts, PromQL and maintenance."""
    options = ExportOptions(horizon_start=GOLDEN_OPTIONS.horizon_start, variant=variant)
    artifact = get_exporter(name).export(load_workload(SHOP).workload, options)
    check_golden(f"shop-{artifact.filename}", artifact.text)
