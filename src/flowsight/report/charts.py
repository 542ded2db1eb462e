"""The three charts of a flow, drawn from its FlowResult: the numbers evaluate computed.

Nothing here measures anything: points come from `FlowResult.series` and the
budget, objective and latency targets from the result itself. The only other
input is the calendar (closed hours) and the workload's maintenance windows,
shaded so a reader sees which time did not count.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from flowsight.calendar import open_intervals
from flowsight.evaluate.results import FlowResult, SeriesPoint
from flowsight.model import Workload
from flowsight.report.svg import Plot

RED, BLUE, GREY = "#cf222e", "#0969da", "#8c959f"
CLOSED_FILL, EXCLUDED_FILL, LATE_FILL = "#eaeef2", "#ddf4ff", "#ffebe9"
#: (key in percentiles_ms, color, dash): distinct dashes so lines differ without color.
PERCENTILE_LINES = (("p50", "#0969da", None), ("p95", "#8250df", "6 3"), ("p99", "#bc4c00", "2 2"))


def _step(result: FlowResult) -> timedelta:
    return timedelta(minutes=1) if result.series_resolution == "minute" else timedelta(hours=1)


def runs(
    result: FlowResult, value: Callable[[SeriesPoint], float | None]
) -> list[list[tuple[datetime, float]]]:
    """Consecutive series points as runs; a missing point breaks the line."""
    out: list[list[tuple[datetime, float]]] = []
    previous: datetime | None = None
    for point in result.series:
        number = value(point)
        if number is None:
            previous = None
            continue
        if previous is None or point.start - previous > _step(result):
            out.append([])
        out[-1].append((point.start, float(number)))
        previous = point.start
    return out


def _percent_ticks(low: float, high: float, count: int = 4) -> list[tuple[float, str]]:
    span = high - low
    digits = max(0, min(4, 1 - math.floor(math.log10(span / count)))) if span > 0 else 0
    return [
        (low + span * i / count, f"{low + span * i / count:.{digits}f} %") for i in range(count + 1)
    ]


def burn_down_chart(result: FlowResult) -> str:
    """Error budget remaining over the window (request budgets), from the series."""
    chart_id = f"{result.flow}-burn-down"
    budget = result.budget
    # The budget only moves when requests count, so the burn-down is one stepped line.
    steps = [(m, v) for run in runs(result, _remaining) for m, v in run]
    lines = [_stepped(steps)] if steps else []
    values = [v for _, v in steps]
    low = min([0.0, *values])
    summary = f"Error budget remaining for {result.name}: " + (
        f"{100 * budget.remaining_ratio:.1f} % at the end of the window."
        if budget and budget.remaining_ratio is not None
        else "no budget."
    )
    plot = Plot(
        chart_id,
        "burn-down",
        f"Error budget burn-down: {result.name}",
        summary,
        result.start,
        result.end,
        low,
        100.0,
    )
    plot.axes(_percent_ticks(low, 100.0), "budget left")
    plot.hline(0.0, "budget exhausted", RED)
    if values:
        plot.line(lines, BLUE, name="budget-remaining")
        moment, last = lines[-1][-1]
        plot.dot(moment, last, RED if last < 0 else BLUE, f"{last:.1f} % left")
        plot.legend("budget left", fill=BLUE)
    elif budget and budget.unit == "minutes":
        plot.note(f"time-slice budget: {budget.remaining:g} of {budget.allowed:g} minutes left")
    else:
        plot.note("no requests counted in the window")
    return plot.finish()


def _stepped(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """Hold each value until the next point, so the line moves only when the budget does."""
    out: list[tuple[datetime, float]] = []
    for moment, value in points:
        if out:
            out.append((moment, out[-1][1]))
        out.append((moment, value))
    return out


def _remaining(point: SeriesPoint) -> float | None:
    ratio = point.budget_remaining_ratio
    return None if ratio is None else 100 * ratio


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


def _late_ids(result: FlowResult) -> set[str]:
    return {
        (f.path or "").removeprefix("maintenance.")
        for f in result.maintenance
        if f.rule == "evaluate.maintenance-late"
    }


def _shade(plot: Plot, workload: Workload, result: FlowResult) -> None:
    closed = list(_closed(workload, result))
    for lo, hi in closed:
        plot.band(lo, hi, CLOSED_FILL, "schedule closed: not counted", class_="closed")
    if closed:
        plot.legend("schedule closed", fill=CLOSED_FILL, stroke=GREY)
    late = _late_ids(result)
    kinds = set()
    for window in workload.maintenance:
        if (
            result.flow not in window.flows
            or window.end <= result.start
            or window.start >= result.end
        ):
            continue
        is_late = window.id in late
        kinds.add(is_late)
        label = (
            f"maintenance {window.id}: announced late, counts as downtime"
            if is_late
            else f"maintenance {window.id}: announced in time, excluded"
        )
        plot.band(
            window.start,
            window.end,
            LATE_FILL if is_late else EXCLUDED_FILL,
            label,
            class_="maintenance-late" if is_late else "maintenance",
            stroke=RED if is_late else BLUE,
        )
    if False in kinds:
        plot.legend("maintenance (excluded)", fill=EXCLUDED_FILL, stroke=BLUE)
    if True in kinds:
        plot.legend("late maintenance (downtime)", fill=LATE_FILL, stroke=RED)


def availability_chart(workload: Workload, result: FlowResult) -> str:
    """Availability per series point against the objective, closed hours and maintenance shaded."""
    chart_id = f"{result.flow}-availability"
    lines = runs(result, lambda p: p.availability)
    values = [v for run in lines for _, v in run]
    objective = result.objective
    floor = min([*values, *([objective] if objective is not None else []), 100.0])
    low = max(0.0, floor - max(0.05, (100 - floor) * 0.25))
    summary = (
        f"Availability of {result.name} per {result.series_resolution}: "
        + (
            f"{result.availability:.3f} % over the window"
            if result.availability is not None
            else "no data"
        )
        + (f" against a {objective:g} % objective." if objective is not None else ".")
    )
    plot = Plot(
        chart_id,
        "availability",
        f"Availability over time: {result.name}",
        summary,
        result.start,
        result.end,
        low,
        100.0,
    )
    _shade(plot, workload, result)
    plot.axes(_percent_ticks(low, 100.0), "availability")
    if objective is not None:
        plot.hline(objective, f"objective {objective:g} %", RED)
    if values:
        plot.line(lines, BLUE, name="availability")
        plot.legend("availability", fill=BLUE)
        for point in result.series:
            if (
                objective is not None
                and point.availability is not None
                and point.availability < objective
            ):
                plot.dot(
                    point.start,
                    point.availability,
                    RED,
                    f"{point.start:%Y-%m-%d %H:%M} UTC: {point.availability:.3f} % "
                    f"({point.bad} of {point.requests} failed)",
                )
    else:
        plot.note("no requests counted in the window")
    return plot.finish()


def _percentile(key: str) -> Callable[[SeriesPoint], float | None]:
    return lambda point: point.percentiles_ms.get(key)


def latency_chart(result: FlowResult) -> str:
    """p50, p95 and p99 per series point, with the flow's latency thresholds."""
    chart_id = f"{result.flow}-latency"
    lines = {key: runs(result, _percentile(key)) for key, _, _ in PERCENTILE_LINES}
    values = [v for series in lines.values() for run in series for _, v in run]
    thresholds = [t.threshold_ms for t in result.latency]
    high = max([*values, *thresholds, 1.0]) * 1.1
    targets = ", ".join(f"p{t.percentile:g} ≤ {t.threshold_ms:g} ms" for t in result.latency)
    summary = f"Latency percentiles of {result.name} per {result.series_resolution}" + (
        f"; targets {targets}." if targets else "; no latency target."
    )
    plot = Plot(
        chart_id,
        "latency",
        f"Latency over time: {result.name}",
        summary,
        result.start,
        result.end,
        0.0,
        high,
    )
    plot.axes([(high * i / 4, f"{high * i / 4:,.0f} ms") for i in range(5)], "latency")
    for target in result.latency:
        plot.hline(
            target.threshold_ms, f"p{target.percentile:g} target {target.threshold_ms:g} ms", RED
        )
    for key, color, dash in PERCENTILE_LINES:
        if any(lines[key]):
            plot.line(lines[key], color, dash, name=key)
            plot.legend(key, fill=color)
    if not values:
        plot.note("no requests counted in the window")
    return plot.finish()
