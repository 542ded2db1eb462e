"""Issue 16: numbers are finite wherever they are stored.

On main `revenue_at_risk_per_hour: .inf` passed the model, and the review wrote it as
`Infinity` into the stored snapshot, which is not JSON (strict parsers refuse it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowsight.errors import StoreError
from flowsight.review import load_snapshots
from flowsight.review.snapshot import FlowSnapshot, Snapshot, save_snapshot
from flowsight.telemetry import open_store
from tests.flowsight.conftest import EXAMPLE, run_cli


def _strict(name: str) -> Any:
    raise AssertionError(f"{name} written into JSON")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".Inf"])
def test_a_non_finite_number_in_the_model_is_a_located_finding(tmp_path: Path, value: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    old = "revenue_at_risk_per_hour: 4000"
    path = tmp_path / "workload.yaml"
    path.write_text(text.replace(old, f"revenue_at_risk_per_hour: {value}", 1))
    line = text[: text.index(old)].count("\n") + 1
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:{line}:" in result.output and "finite" in result.output


def test_a_snapshot_stores_non_finite_measurements_as_not_measured(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", create=True)
    flow = FlowSnapshot(
        "checkout",
        "high",
        "breached",
        objective=99.9,
        availability=float("nan"),
        budget_consumed=float("inf"),
        cost=float("-inf"),
        latency={"p95": [float("inf"), 500.0]},
    )
    snapshot = Snapshot(
        "2026-11",
        "2026-11-01",
        "2026-12-01",
        "2026-12-01T00:00:00+00:00",
        {"checkout": flow},
        {"revenue": float("inf")},
    )
    path = save_snapshot(store, snapshot)
    stored = json.loads(path.read_text(), parse_constant=_strict)
    saved = stored["flows"]["checkout"]
    assert saved["availability"] is None and saved["budget_consumed"] is None
    assert saved["cost"] is None and saved["latency"] == {"p95": [None, 500.0]}
    assert saved["objective"] == 99.9 and stored["workload"] == {"revenue": None}


def test_a_snapshot_holding_infinity_is_refused_when_read(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", create=True)
    (store.path / "reviews").mkdir()
    bad = store.path / "reviews" / "review-20261201T000000+0000-2026-11.json"
    bad.write_text('{"version": 1, "flows": {}, "workload": {"x": Infinity}}')
    with pytest.raises(StoreError, match="not a readable review snapshot"):
        load_snapshots(store)
