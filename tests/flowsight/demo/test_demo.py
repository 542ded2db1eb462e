"""The demo's short mode end to end: real Relecloud, receiver, load, faults and evaluation.

The scenario's error faults fail an exact number of requests, so the measured
availability of every flow must equal what the scenario injected, no more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsight.cli.demo import EXPECTED_BREACHED, deviations
from flowsight.demo import SHORT, DemoResult, run_demo
from flowsight.load import load_workload
from tests.flowsight.conftest import run_cli
from tests.flowsight.probe.conftest import EXAMPLE


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(EXAMPLE, tmp_path_factory.mktemp("demo"), short=True)


def test_breached_and_protected_flows(demo: DemoResult) -> None:
    verdicts = {f.flow: f.verdict for f in demo.evaluation.flows}
    assert {f for f, v in verdicts.items() if v == "breached"} == EXPECTED_BREACHED, verdicts
    for flow in ("search-concerts", "purchase-ticket", "authentication", "create-concerts"):
        assert verdicts[flow] == "meeting", (flow, demo.evaluation.flow(flow))
    assert deviations(demo) == []


def test_availability_matches_the_injected_failures(demo: DemoResult) -> None:
    injected = demo.injected
    assert injected == SHORT.injected_errors()  # every injected error was consumed
    listing = demo.evaluation.flow("list-concerts")
    assert listing is not None and listing.requests > 50
    assert listing.bad == injected["list-concerts"] == 8
    assert listing.availability == pytest.approx(100 * (listing.requests - 8) / listing.requests)
    search = demo.evaluation.flow("search-concerts")
    assert search is not None and search.requests > 20
    assert search.bad == 0 and search.availability == 100  # the fallback absorbed 10 errors
    for flow in ("purchase-ticket", "authentication", "create-concerts"):
        result = demo.evaluation.flow(flow)
        assert result is not None and result.requests > 0 and result.bad == 0, flow
    # The client saw exactly the same failures the evaluator measured.
    assert demo.stats.flows["list-concerts"].failures == 8
    assert demo.stats.flows["search-concerts"].failures == 0


def test_maintenance_windows_on_the_telemetry_flow(demo: DemoResult) -> None:
    telemetry = demo.evaluation.flow("collect-telemetry")
    assert telemetry is not None and telemetry.slices is not None
    # minute 0 is excluded (announced 72 h ahead); minute 1 is late-announced downtime
    assert telemetry.slices["valid"] == 1 and telemetry.slices["bad"] == 1
    assert telemetry.bad == 3  # the 3 readiness failures of the late window only
    rules = {f.rule for f in demo.evaluation.findings}
    assert {"evaluate.maintenance-excluded", "evaluate.maintenance-late"} <= rules
    assert [c.id for c in telemetry.escalation_path] == ["operations-team", "data-oncall"]


def test_gateway_burst_is_absorbed_and_probes_arrive(demo: DemoResult) -> None:
    assert demo.live.purchase_ok is True
    assert demo.gateway_retries >= 1
    purchase = demo.evaluation.flow("purchase-ticket")
    assert purchase is not None
    probes = next(s for s in purchase.signals if s.signal == "probes")
    assert probes.arriving is True
    assert all(p.passed for p in demo.live.probes)


def test_outputs_and_the_honest_compression(demo: DemoResult) -> None:
    assert (demo.end - demo.start).total_seconds() == 120
    text = " ".join(demo.compression)
    assert "forced open (24/7)" in text and "business-hours" in text
    assert "72 h and 2 h" in text
    evaluated = load_workload(demo.paths["evaluated workload"]).workload
    assert {f.targets.reliability.schedule for f in evaluated.flows if f.targets.reliability} == {
        "always"
    }
    assert (Path(demo.paths["flow docs"]) / "index.md").exists() or any(
        Path(demo.paths["flow docs"]).iterdir()
    )
    assert Path(demo.paths["evaluation (JSON)"]).stat().st_size > 0
    # The report is built by the report library, not by running the CLI.
    assert not demo.notes or all("report" not in note for note in demo.notes)
    assert "<html" in Path(demo.paths["HTML report"]).read_text(encoding="utf-8").lower()


def test_review_of_the_demo_puts_the_broken_flow_first(demo: DemoResult) -> None:
    result = run_cli(
        "review",
        str(demo.paths["evaluated workload"]),
        "--db",
        str(demo.paths["telemetry store"]),
        "--now",
        demo.end.isoformat(),
        "--no-save",
    )
    assert result.exit_code == 1, result.output
    actions = result.output.split("## Proposed actions", 1)[1]
    first = next(line for line in actions.splitlines() if line.startswith("1. "))
    assert "**list-concerts** (high): restore availability" in first
