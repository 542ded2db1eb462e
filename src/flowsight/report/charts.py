"""The three charts of a flow as data: what evaluate computed, ready for the chart script.

Nothing here measures anything: points come from `FlowResult.series` and the
budget, objective and latency targets from the result itself. The only other
input is the calendar (closed hours) and the workload's maintenance windows,
shaded so a reader sees which time did not count. Each chart is a plain dict
(times in Unix seconds, values or None for a gap) that `island` serialises into
a `<script type="application/json">` block; static/charts.js draws it with uPlot.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from flowsight.calendar import open_intervals
from flowsight.evaluate.results import FlowResult, SeriesPoint
from flowsight.model import Workload
from flowsight.report.format import millis
from flowsight.slo.maintenance import flow_windows, on_time

RED, BLUE, PURPLE, ORANGE = "#cf222e", "#0969da", "#8250df", "#bc4c00"
#: (key in percentiles_ms, color, dash): distinct dashes so lines differ without color.
PERCENTILE_LINES = (("p50", BLUE, None), ("p95", PURPLE, [6, 3]), ("p99", ORANGE, [2, 2]))
NO_REQUESTS = "no data: no requests counted in the window"

Chart = dict[str, Any]


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _step(result: FlowResult) -> timedelta:
    return timedelta(minutes=1) if result.series_resolution == "minute" else timedelta(hours=1)


def _columns(
    result: FlowResult, *values: Callable[[SeriesPoint], float | None], gaps: bool = True
) -> tuple[list[int], list[list[float | None]]]:
    """x in seconds and one column per value; with `gaps`, missing time becomes one null
    point a step on, so a line breaks instead of joining across it."""
    xs: list[int] = []
    columns: list[list[float | None]] = [[] for _ in values]
    previous: SeriesPoint | None = None
    for point in result.series:
        if gaps and previous is not None and point.start - previous.start > _step(result):
            xs.append(_seconds(previous.start + _step(result)))
            for column in columns:
                column.append(None)
        xs.append(_seconds(point.start))
        for column, value in zip(columns, values, strict=True):
            column.append(value(point))
        previous = point
    return xs, columns


def _base(result: FlowResult, kind: str, title: str, summary: str, unit: str) -> Chart:
    return {
        "id": f"{result.flow}-{kind}",
        "kind": kind,
        "title": title,
        "summary": summary,
        "unit": unit,
        # Decimals of a value under the cursor, as format.py writes it (percent: 3, ratio: 1).
        "digits": 1 if kind == "burn-down" else 3,
        "resolution": result.series_resolution,
        "step": int(_step(result).total_seconds()),
        "range": [_seconds(result.start), _seconds(result.end)],
        "x": [],
        "series": [],
        "thresholds": [],
        "bands": [],
        "y": {},
        "empty": None,
    }


def _remaining(point: SeriesPoint) -> float | None:
    ratio = point.budget_remaining_ratio
    return None if ratio is None else round(100 * ratio, 4)


def burn_down_chart(result: FlowResult) -> Chart:
    """Error budget remaining over the window, in requests or time slices, from the series."""
    budget = result.budget
    unit = f"{budget.unit}" if budget else "requests"
    summary = f"Error budget remaining for {result.name}: " + (
        f"{100 * budget.remaining_ratio:.1f} % of {budget.allowed:g} {unit} at the end of the window."
        if budget and budget.remaining_ratio is not None
        else "no budget."
    )
    chart = _base(result, "burn-down", f"Error budget burn-down: {result.name}", summary, "%")
    # A point's budget is what is left once its interval is over, so it stands at the
    # interval's end; the window opens with the whole budget. The budget holds while
    # nothing counts, so the line runs on through closed hours.
    xs, (values,) = _columns(result, _remaining, gaps=False)
    step = int(_step(result).total_seconds())
    if xs and budget is not None:
        xs, values = [chart["range"][0], *(x + step for x in xs)], [100.0, *values]
    chart["x"] = xs
    chart["series"] = [{"label": "budget left", "color": BLUE, "values": values, "stepped": True}]
    chart["thresholds"] = [{"value": 0.0, "label": "budget exhausted", "color": RED}]
    chart["y"] = {"max": 100.0, "include": [0.0]}
    if not any(v is not None for v in values):
        chart["empty"] = (
            "no data: no budget (no reliability target)" if budget is None else NO_REQUESTS
        )
    return chart


def _closed(workload: Workload, result: FlowResult) -> Iterator[tuple[datetime, datetime]]:
    schedule = workload.schedule(result.schedule)
    if schedule is None:
        return
    cursor = result.start
    for interval in open_intervals(schedule, result.start, result.end):
        if interval.start > cursor:
            yield cursor, interval.start
        cursor = max(cursor, interval.end)
    if cursor < result.end:
        yield cursor, result.end


def bands(workload: Workload, result: FlowResult) -> list[dict[str, Any]]:
    """Closed hours and maintenance windows inside the flow's window, as shaded spans;
    which windows are excluded is the policy's call (flowsight.slo.maintenance)."""
    out = [
        {"from": _seconds(lo), "to": _seconds(hi), "kind": "closed", "label": "schedule closed"}
        for lo, hi in _closed(workload, result)
    ]
    flow = workload.flow(result.flow)
    windows = [(w, not on_time(flow, w)) for w in flow_windows(workload, flow)] if flow else []
    for window, is_late in windows:
        if window.end <= result.start or window.start >= result.end:
            continue
        out.append(
            {
                "from": _seconds(max(window.start, result.start)),
                "to": _seconds(min(window.end, result.end)),
                "kind": "maintenance-late" if is_late else "maintenance",
                "label": (
                    f"maintenance {window.id}: announced late, counts as downtime"
                    if is_late
                    else f"maintenance {window.id}: announced in time, excluded"
                ),
            }
        )
    return out


def availability_chart(workload: Workload, result: FlowResult) -> Chart:
    """Availability per series point against the objective, closed hours and maintenance shaded."""
    objective = result.objective
    summary = (
        f"Availability of {result.name} per {result.series_resolution}: "
        + (
            f"{result.availability:.3f} % over the window"
            if result.availability is not None
            else "no data"
        )
        + (f" against a {objective:g} % objective." if objective is not None else ".")
    )
    chart = _base(result, "availability", f"Availability over time: {result.name}", summary, "%")

    def below(point: SeriesPoint) -> float | None:
        value = point.availability
        return value if objective is not None and value is not None and value < objective else None

    xs, (values, low) = _columns(result, lambda p: p.availability, below)
    chart["x"] = xs
    chart["series"] = [
        {"label": "availability", "color": BLUE, "values": values},
        {"label": "below objective", "color": RED, "values": low, "points_only": True},
    ]
    if objective is not None:
        chart["thresholds"] = [{"value": objective, "label": f"objective {objective:g} %"}]
        chart["thresholds"][0]["color"] = RED
    chart["y"] = {"max": 100.0, "include": [objective] if objective is not None else []}
    chart["bands"] = bands(workload, result)
    if result.availability is None:
        chart["empty"] = NO_REQUESTS
    return chart


def _percentile(key: str) -> Callable[[SeriesPoint], float | None]:
    return lambda point: point.percentiles_ms.get(key)


def latency_chart(result: FlowResult) -> Chart:
    """p50, p95 and p99 per series point; the axis fits the data, targets show when in range."""
    targets = ", ".join(f"p{t.percentile:g} ≤ {millis(t.threshold_ms)}" for t in result.latency)
    summary = f"Latency percentiles of {result.name} per {result.series_resolution}" + (
        f"; targets {targets}." if targets else "; no latency target."
    )
    chart = _base(result, "latency", f"Latency over time: {result.name}", summary, "ms")
    getters = [_percentile(key) for key, _, _ in PERCENTILE_LINES]
    xs, columns = _columns(result, *getters)
    chart["x"] = xs
    chart["series"] = [
        {"label": key, "color": color, "dash": dash, "values": column}
        for (key, color, dash), column in zip(PERCENTILE_LINES, columns, strict=True)
    ]
    chart["thresholds"] = [
        {
            "value": t.threshold_ms,
            "label": f"p{t.percentile:g} target {millis(t.threshold_ms)}",
            "color": RED,
        }
        for t in result.latency
    ]
    chart["y"] = {"include": [0.0]}
    if not any(v is not None for column in columns for v in column):
        chart["empty"] = NO_REQUESTS
    return chart


def flow_charts(workload: Workload, result: FlowResult) -> dict[str, Chart]:
    return {
        "burn_down": burn_down_chart(result),
        "availability": availability_chart(workload, result),
        "latency": latency_chart(result),
    }


_SCRIPT_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def island(chart: Chart) -> str:
    """JSON safe inside <script type="application/json">: no '</script>' or '<!--' can form."""
    return json.dumps(chart, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_UNSAFE)
