"""Health states from verdicts and the criticality-weighted roll-up to the workload."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flowsight.evaluate.results import Evaluation, Unmatched
from flowsight.report import Review
from flowsight.slo.health import contribution, counts, flow_health, workload_health


@pytest.mark.parametrize(
    ("verdict", "state"),
    [
        ("meeting", "healthy"),
        ("at_risk", "degraded"),
        ("breached", "unhealthy"),
        ("no_data", "unknown"),
    ],
)
def test_flow_state_follows_the_verdict(relecloud_review: Review, verdict: str, state: str) -> None:
    result = replace(relecloud_review.evaluation.flows[0], verdict=verdict, reasons=["why"])
    health = flow_health(result)
    assert health.state == state
    assert health.reasons == ("why",)
    assert health.label == state.capitalize()
    assert health.symbol  # never color alone


@pytest.mark.parametrize(
    ("criticality", "state", "given"),
    [
        ("high", "unhealthy", "unhealthy"),
        ("high", "unknown", "unknown"),
        ("high", "degraded", "degraded"),
        ("medium", "unhealthy", "degraded"),
        ("medium", "degraded", None),
        ("medium", "unknown", "unknown"),
        ("low", "unhealthy", "degraded"),
        ("low", "unknown", None),
        ("low", "degraded", None),
    ],
)
def test_contribution_by_criticality(criticality: str, state: str, given: str | None) -> None:
    assert contribution(criticality, state) == given


def _with(review: Review, verdicts: dict[str, str]) -> Evaluation:
    flows = [replace(f, verdict=verdicts.get(f.flow, "meeting")) for f in review.evaluation.flows]
    return Evaluation(review.evaluation.now, "duckdb", flows, Unmatched(0, []), [])


def test_generated_traffic_gives_every_state(relecloud_review: Review) -> None:
    states = {f.flow: flow_health(f).state for f in relecloud_review.evaluation.flows}
    assert states == {
        "purchase-ticket": "degraded",
        "list-concerts": "healthy",
        "authentication": "healthy",
        "collect-telemetry": "degraded",
        "search-concerts": "unhealthy",
        "create-concerts": "unknown",
    }
    assert counts(relecloud_review.evaluation) == {
        "healthy": 2,
        "degraded": 2,
        "unhealthy": 1,
        "unknown": 1,
    }
    rolled = workload_health(relecloud_review.evaluation)
    assert rolled.state == "degraded"
    assert "Purchase ticket (high criticality) is degraded" in rolled.reasons


def test_a_breached_critical_flow_makes_the_workload_unhealthy(relecloud_review: Review) -> None:
    assert (
        workload_health(_with(relecloud_review, {"purchase-ticket": "breached"})).state
        == "unhealthy"
    )


def test_a_breached_medium_flow_only_degrades_the_workload(relecloud_review: Review) -> None:
    assert (
        workload_health(_with(relecloud_review, {"search-concerts": "breached"})).state
        == "degraded"
    )


def test_a_silent_critical_flow_is_not_read_as_healthy(relecloud_review: Review) -> None:
    assert workload_health(_with(relecloud_review, {"list-concerts": "no_data"})).state == "unknown"


def test_low_criticality_trouble_is_limited(relecloud_review: Review) -> None:
    assert (
        workload_health(_with(relecloud_review, {"create-concerts": "no_data"})).state == "healthy"
    )
    assert (
        workload_health(_with(relecloud_review, {"create-concerts": "breached"})).state
        == "degraded"
    )


def test_all_meeting_is_healthy_without_reasons(relecloud_review: Review) -> None:
    health = workload_health(_with(relecloud_review, {}))
    assert (health.state, health.reasons) == ("healthy", ())
