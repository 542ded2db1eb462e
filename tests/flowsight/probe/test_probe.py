"""`flowsight probe` against a live Relecloud: passes, failures, synthetic spans, usage errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from flowsight.probe import run_probes
from flowsight.telemetry import open_store
from flowsight.telemetry.store import segment_files
from tests.flowsight.conftest import run_cli
from tests.flowsight.probe.conftest import EXAMPLE, LiveApp


def _spans(store_dir: Path) -> list[dict[str, object]]:
    files = segment_files(open_store(store_dir))
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def test_every_flow_passes_and_is_recorded_as_synthetic_spans(
    relecloud: LiveApp, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "store", create=True)
    report = run_probes(relecloud.workload, relecloud.base_url, relecloud.credentials, store=store)
    assert [p.flow.id for p in report.flows] == [f.id for f in relecloud.workload.flows]
    assert all(p.passed for p in report.flows), [
        (p.flow.id, [j.error for j in p.journeys]) for p in report.flows
    ]
    checkout = next(
        r for p in report.flows for j in p.journeys for r in j.requests if r.step == "checkout"
    )
    assert checkout.status == 201
    spans = _spans(tmp_path / "store")
    assert len(spans) == report.spans_recorded
    roots = [s for s in spans if s["parent_span_id"] == ""]
    journeys = sum(len(f.journeys) for f in relecloud.workload.flows)
    assert len(roots) == journeys
    assert all(s["synthetic"] == "test" for s in spans)
    flows = {dict(s["attributes"])["app.flow"] for s in roots}
    assert flows == {f.id for f in relecloud.workload.flows}
    purchase = next(s for s in roots if dict(s["attributes"])["app.flow"] == "purchase-ticket")
    assert purchase["enduser"] == "alice"


def test_a_failing_high_flow_fails_the_command(relecloud: LiveApp) -> None:
    relecloud.inject({"kind": "error", "flow": "list-concerts", "count": 3})
    try:
        result = run_cli(
            "probe", str(EXAMPLE), "--base-url", relecloud.base_url, "--flow", "list-concerts"
        )
    finally:
        relecloud.clear_faults()
    assert result.exit_code == 1, result.output
    assert "list-concerts (high): FAILED" in result.output
    assert "status 503" in result.output


def test_a_low_flow_failure_does_not_fail_by_default(relecloud: LiveApp) -> None:
    args = ["--credential", "Administrator=admin:wrong-password"]
    result = run_cli(
        "probe", str(EXAMPLE), "--base-url", relecloud.base_url, "--flow", "create-concerts", *args
    )
    assert result.exit_code == 0, result.output
    assert "create-concerts (low): FAILED" in result.output
    assert "status 401" in result.output


def test_missing_credentials_are_a_usage_error(relecloud: LiveApp) -> None:
    result = run_cli("probe", str(EXAMPLE), "--base-url", relecloud.base_url)
    assert result.exit_code == 2
    assert "no credential was given" in result.output
    assert "Traceback" not in result.output


def test_probe_refuses_a_remote_target() -> None:
    result = run_cli("probe", str(EXAMPLE), "--base-url", "http://192.0.2.10:8000")
    assert result.exit_code == 2
    assert "refusing to send traffic to 192.0.2.10" in result.output
