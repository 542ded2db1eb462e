"""Golden files of every exporter on the Relecloud example (refresh: `make golden`)."""

from __future__ import annotations

import pytest
from export_support import GOLDEN_OPTIONS, check_golden

from flowsight.export.registry import exporters, get_exporter
from flowsight.model import Workload


@pytest.mark.parametrize("name", ["prometheus", "alertmanager", "openslo", "grafana"])
def test_golden_relecloud(name: str, relecloud: Workload) -> None:
    artifact = get_exporter(name).export(relecloud, GOLDEN_OPTIONS)
    check_golden(f"relecloud-{artifact.filename}", artifact.text)


def test_golden_outputs_are_deterministic(relecloud: Workload) -> None:
    for exporter in exporters().values():
        first = exporter.export(relecloud, GOLDEN_OPTIONS).text
        assert exporter.export(relecloud, GOLDEN_OPTIONS).text == first
