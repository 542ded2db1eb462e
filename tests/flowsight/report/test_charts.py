"""Charts draw the evaluation's own numbers, shade what did not count, and escape text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from flowsight.evaluate.results import FlowResult
from flowsight.report import Review, build_review
from flowsight.report.charts import availability_chart, burn_down_chart, latency_chart
from flowsight.report.svg import BOTTOM, HEIGHT, TOP
from tests.flowsight.conftest import EXAMPLE
from tests.flowsight.report.traffic import NOW

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def _flow(review: Review, flow_id: str) -> FlowResult:
    result = review.evaluation.flow(flow_id)
    assert result is not None
    return result


def _values(polyline: ET.Element, low: float, high: float) -> list[float]:
    ys = [float(p.split(",")[1]) for p in polyline.get("points", "").split()]
    return [high - (y - TOP) / (HEIGHT - TOP - BOTTOM) * (high - low) for y in ys]


def test_burn_down_plots_the_series_budget(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    root = _svg(burn_down_chart(result))
    assert root.get("data-chart") == "burn-down"
    line = root.find(f".//{SVG}polyline[@data-series='budget-remaining']")
    assert line is not None
    drawn = _values(line, 0.0, 100.0)
    expected = [
        100 * p.budget_remaining_ratio
        for p in result.series
        if p.budget_remaining_ratio is not None
    ]
    # A stepped line: every value but the first appears twice (hold, then move).
    assert drawn[::2] == [round(v, 10) for v in drawn[::2]]
    assert [round(v, 0) for v in drawn[::2]] == [round(v, 0) for v in expected]
    assert round(expected[-1], 1) == round(100 * result.budget.remaining_ratio, 1)  # type: ignore[union-attr]
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert f"{expected[-1]:.1f} % left" in titles


def test_time_slice_budget_says_so_instead_of_a_line(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "collect-telemetry")
    root = _svg(burn_down_chart(result))
    assert root.find(f".//{SVG}polyline") is None
    notes = [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == "note"]
    assert notes == [
        f"time-slice budget: {result.budget.remaining:g} of {result.budget.allowed:g} minutes left"
    ]  # type: ignore[union-attr]


def test_availability_marks_hours_below_the_objective(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    root = _svg(availability_chart(relecloud_review.workload, result))
    below = [p for p in result.series if p.availability is not None and p.availability < 99.9]
    assert len(below) == 1
    dots = [c for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert [c.find(f"{SVG}title").text for c in dots] == [  # type: ignore[union-attr]
        f"{below[0].start:%Y-%m-%d %H:%M} UTC: {below[0].availability:.3f} % "
        f"({below[0].bad} of {below[0].requests} failed)"
    ]
    closed = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "closed"]
    assert len(closed) >= 29  # every night of a 30-day window is outside extended hours
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert legend == ["schedule closed", "availability"]


def test_maintenance_is_shaded_excluded_or_late(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "collect-telemetry")
    root = _svg(availability_chart(relecloud_review.workload, result))
    bands = {
        r.get("class"): r.find(f"{SVG}title").text
        for r in root.iter(f"{SVG}rect")
        if r.get("class", "").startswith("maintenance")
    }  # type: ignore[union-attr]
    assert bands == {
        "maintenance": "maintenance pipeline-upgrade: announced in time, excluded",
        "maintenance-late": "maintenance emergency-collector-restart: announced late, counts as downtime",
    }
    assert root.find(f".//{SVG}rect[@class='closed']") is None  # collect-telemetry is always on


def test_latency_draws_percentiles_and_targets(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "search-concerts")
    root = _svg(latency_chart(result))
    assert {p.get("data-series") for p in root.iter(f"{SVG}polyline")} == {"p50", "p95", "p99"}
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "mark-label"]
    assert labels == ["p95 target 800 ms", "p99 target 2000 ms"]


def test_a_flow_without_data_says_so(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "create-concerts")
    for markup in (
        burn_down_chart(result),
        latency_chart(result),
        availability_chart(relecloud_review.workload, result),
    ):
        notes = [t.text for t in _svg(markup).iter(f"{SVG}text") if t.get("class") == "note"]
        assert notes == ["no requests counted in the window"]


def test_every_chart_is_labelled_for_screen_readers(relecloud_review: Review) -> None:
    result = _flow(relecloud_review, "purchase-ticket")
    root = _svg(availability_chart(relecloud_review.workload, result))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Availability over time: Purchase ticket"
    assert desc is not None and f"{result.availability:.3f} %" in (desc.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_hostile_names_stay_text(tmp_path: Path, relecloud_store: Path) -> None:
    hostile = "Purchase <script>alert('x')</script> & \"co\""
    text = EXAMPLE.read_text().replace(
        "    name: Purchase ticket\n", f"    name: {json.dumps(hostile)}\n", 1
    )
    workload = tmp_path / "workload.yaml"
    workload.write_text(text)
    result = build_review(workload, relecloud_store, now=NOW).evaluation.flow("purchase-ticket")
    assert result is not None and result.name == hostile
    markup = burn_down_chart(result)
    assert "<script>" not in markup
    assert _svg(markup).find(f"{SVG}title").text == f"Error budget burn-down: {hostile}"  # type: ignore[union-attr]
