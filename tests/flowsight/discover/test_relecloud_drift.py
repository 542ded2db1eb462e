"""Relecloud as the proof: its real routes' spans against the hand-written example.

The faithful example shows no drift; each planted drift is named: a renamed route, a
new downstream call (Relecloud's RELECLOUD_RECOMMENDATIONS setting), a removed step.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowsight.discover import discover_workload
from flowsight.drift import detect_drift
from flowsight.findings import Finding
from flowsight.load import load_workload
from flowsight.telemetry import TelemetryStore, open_store
from tests.flowsight.conftest import EXAMPLE
from tests.flowsight.discover.relecloud_traffic import record_relecloud

pytestmark = pytest.mark.slow


def _recorded(root: Path, **options: object) -> TelemetryStore:
    store = open_store(root / "store", create=True)
    assert record_relecloud(store, root / "relecloud.db", **options) > 100
    return store


@pytest.fixture(scope="module")
def faithful(tmp_path_factory: pytest.TempPathFactory) -> TelemetryStore:
    return _recorded(tmp_path_factory.mktemp("relecloud"))


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(minutes=1)


def _drift(store: TelemetryStore, workload: Path = EXAMPLE) -> list[Finding]:
    return detect_drift(load_workload(workload), store, *_window())


def test_the_faithful_example_has_no_drift(faithful: TelemetryStore) -> None:
    assert [f.message for f in _drift(faithful)] == []


def test_a_renamed_route(faithful: TelemetryStore, tmp_path: Path) -> None:
    """A flow mapped by its routes alone (no `app.flow` rule) whose route was renamed."""
    text = EXAMPLE.read_text()
    start = text.index("  - id: purchase-ticket")
    end = text.index("\n  - id: ", start) + 1
    flow = re.sub(r"\n\s+(step_)?attribute: app\.flow(\.step)?", "", text[start:end])
    flow = flow.replace("route: /api/checkout,", "route: /api/orders,")
    text = text[:start] + flow + text[end:]
    renamed = tmp_path / "workload.yaml"
    renamed.write_text(text)
    findings = {f.rule: f for f in _drift(faithful, renamed)}
    assert set(findings) == {"drift.unclaimed-route", "drift.idle-step"}
    assert "relecloud: POST /api/checkout received" in findings["drift.unclaimed-route"].message
    # The API was the only way this run checked out, so the step lost all its traffic.
    assert "step `checkout` of flow `purchase-ticket`" in findings["drift.idle-step"].message


def test_a_new_downstream_call_behind_a_setting(tmp_path: Path) -> None:
    store = _recorded(tmp_path, recommendations=True)
    findings = _drift(store)
    assert [f.rule for f in findings] == ["drift.undeclared-dependency"]
    assert "`list-concerts` calls `peer.service=recommendations`" in findings[0].message


def test_a_removed_step(tmp_path: Path) -> None:
    store = _recorded(tmp_path, sign_out=False)
    findings = _drift(store)
    assert [f.rule for f in findings] == ["drift.idle-step"]
    assert "step `sign-out` of flow `authentication`" in findings[0].message


def test_discover_with_the_apps_flow_tags_recovers_the_example(faithful: TelemetryStore) -> None:
    draft = discover_workload(faithful, *_window(), group_by="app.flow", step_by="app.flow.step")
    example = load_workload(EXAMPLE).workload
    text = draft.text()
    found = {f["id"]: {s["id"] for s in f["steps"]} for f in draft.document["flows"]}
    assert found == {f.id: {s.id for s in f.steps} for f in example.flows}
    assert "{attribute: db.system, values: [sqlite]}" in text
