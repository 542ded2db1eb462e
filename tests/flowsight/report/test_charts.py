"""Charts are data: the evaluation's own numbers, what did not count shaded, text escaped."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flowsight.evaluate.results import FlowResult
from flowsight.report import Review, build_review
from flowsight.report.charts import (
    NO_REQUESTS,
    availability_chart,
    burn_down_chart,
    island,
    latency_chart,
)
from flowsight.report.views import flow_row
from tests.flowsight.conftest import EXAMPLE
from tests.flowsight.report.traffic import NOW


def _flow(review: Review, flow_id: str) -> FlowResult:
    result = review.evaluation.flow(flow_id)
    assert result is not None
    return result


def _series(chart: dict, label: str) -> list[float | None]:  # type: ignore[type-arg]
    return next(s["values"] for s in chart["series"] if s["label"] == label)


def test_burn_down_plots_the_series_budget(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    chart = burn_down_chart(result)
    assert chart["kind"] == "burn-down" and chart["unit"] == "%"
    expected = [100 * p.budget_remaining_ratio for p in result.series]  # type: ignore[operator]
    # The window opens with the whole budget; each point stands at its interval's end.
    assert _series(chart, "budget left") == [100.0, *(round(v, 4) for v in expected)]
    step = timedelta(hours=1)
    assert chart["x"] == [
        int(result.start.timestamp()),
        *(int((p.start + step).timestamp()) for p in result.series),
    ]
    assert round(expected[-1], 1) == round(100 * result.budget.remaining_ratio, 1)  # type: ignore[union-attr]
    assert chart["thresholds"] == [{"value": 0.0, "label": "budget exhausted", "color": "#cf222e"}]


def test_time_slice_budget_burns_down_to_the_evaluated_budget(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "collect-telemetry")
    assert result.budget is not None and result.budget.unit == "minutes"
    chart = burn_down_chart(result)
    values = [v for v in _series(chart, "budget left") if v is not None]
    assert chart["empty"] is None and len(values) == len(result.series) + 1
    assert values[-1] == round(100 * result.budget.remaining_ratio, 4)  # type: ignore[operator]
    assert values == sorted(values, reverse=True)  # a budget only burns down
    assert values[0] == 100.0 and values[-1] < 100.0


def test_availability_marks_hours_below_the_objective(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    chart = availability_chart(relecloud_review.workload, result)
    below = [p for p in result.series if p.availability is not None and p.availability < 99.9]
    assert len(below) == 1
    assert [v for v in _series(chart, "below objective") if v is not None] == [
        below[0].availability
    ]
    assert chart["x"][_series(chart, "below objective").index(below[0].availability)] == int(
        below[0].start.timestamp()
    )
    closed = [b for b in chart["bands"] if b["kind"] == "closed"]
    assert len(closed) >= 29  # every night of a 30-day window is outside extended hours
    assert chart["thresholds"][0]["label"] == "objective 99.9 %"


def test_a_gap_in_the_series_breaks_the_line(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    chart = availability_chart(relecloud_review.workload, result)
    values = _series(chart, "availability")
    gaps = [i for i, v in enumerate(values) if v is None]
    assert gaps and len(chart["x"]) == len(result.series) + len(gaps)
    for index in gaps:  # one step after the last point before the gap
        assert chart["x"][index] == chart["x"][index - 1] + 3600


def test_maintenance_is_shaded_excluded_or_late(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "collect-telemetry")
    chart = availability_chart(relecloud_review.workload, result)
    bands = {b["kind"]: b["label"] for b in chart["bands"] if b["kind"] != "closed"}
    assert bands == {
        "maintenance": "maintenance pipeline-upgrade: announced in time, excluded",
        "maintenance-late": "maintenance emergency-collector-restart: announced late, counts as downtime",
    }
    assert not [b for b in chart["bands"] if b["kind"] == "closed"]  # always on


def test_latency_draws_percentiles_and_targets(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "search-concerts")
    chart = latency_chart(result)
    assert [s["label"] for s in chart["series"]] == ["p50", "p95", "p99"]
    drawn = [v for x, v in zip(chart["x"], _series(chart, "p95"), strict=True) if v is not None]
    assert drawn == [p.percentiles_ms["p95"] for p in result.series]
    assert [t["label"] for t in chart["thresholds"]] == ["p95 target 800 ms", "p99 target 2.00 s"]
    # The axis fits the data (the script scales y to the values); targets are only hints.
    assert chart["y"] == {"include": [0.0]}


def test_a_flow_without_data_says_so(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "create-concerts")
    for chart in (
        burn_down_chart(result),
        latency_chart(result),
        availability_chart(relecloud_review.workload, result),
    ):
        assert chart["empty"] == NO_REQUESTS
    assert flow_row(result)["alert_label"] == "no data"
    assert flow_row(_flow(relecloud_review, "list-concerts"))["alert_label"] == "ok"


def test_every_chart_carries_its_title_and_summary(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    chart = availability_chart(relecloud_review.workload, result)
    assert chart["title"] == "Availability over time: Purchase ticket"
    assert f"{result.availability:.3f} %" in chart["summary"]


def test_hostile_names_stay_text(tmp_path: Path, relecloud_store: Path) -> None:
    hostile = "Purchase </script><script>alert('x')</script> & \"co\" \u2028"
    text = EXAMPLE.read_text().replace(
        "    name: Purchase ticket\n", f"    name: {json.dumps(hostile)}\n", 1
    )
    workload = tmp_path / "workload.yaml"
    workload.write_text(text)
    result = build_review(workload, relecloud_store, now=NOW).evaluation.flow("purchase-ticket")
    assert result is not None and result.name == hostile
    data = island(burn_down_chart(result))
    assert "<" not in data and ">" not in data and "&" not in data and "\u2028" not in data
    assert json.loads(data)["title"] == f"Error budget burn-down: {hostile}"
