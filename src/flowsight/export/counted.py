"""Counted minutes in PromQL: the rules count the same minutes `evaluate` counts.

`evaluate` counts a flow's requests only in minutes its schedule is open and no
on-time maintenance runs. The rules do the same, per minute, in the flow's
rule group (evaluated every minute):

* `flowsight:flow_maintenance` is 1 inside the flow's on-time maintenance
  windows (flowsight.slo.maintenance owns which those are; late-announced
  windows are left out, so they still count and still page);
* `flowsight:flow_counted` is 1 while the schedule is open and no on-time
  maintenance runs: it gates the flow's alerts;
* `flowsight:flow_valid:increase1m` / `flowsight:flow_bad:increase1m` are the
  requests (and failures) of the last minute, recorded only when that minute
  counted;
* the error ratio over a window is the ratio of their sums, so windows, the
  SLO-window availability and the budget are ratios of increases, never
  means of ratios.

A window of W sums the W/1m samples in `[W - 30s]`: the same samples whether
the range is closed (Prometheus 2) or left-open (Prometheus 3).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flowsight.export.base import ExportOptions
from flowsight.export.escape import selector
from flowsight.export.sli import Objective, Queries
from flowsight.model import Flow, Workload
from flowsight.slo.maintenance import excluded_windows

MAINTENANCE = "flowsight:flow_maintenance"
COUNTED = "flowsight:flow_counted"
VALID = "flowsight:flow_valid:increase1m"
BAD = "flowsight:flow_bad:increase1m"
#: The flow group's evaluation interval: one sample per minute.
INTERVAL = "1m"
_HALF_INTERVAL = timedelta(seconds=30)


def duration(window: timedelta) -> str:
    """A Prometheus duration such as `2d23h59m30s`."""
    seconds = int(window.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _maintenance_expr(workload: Workload, flow: Flow, options: ExportOptions) -> str | None:
    start = int(options.horizon_start.timestamp())
    terms = [
        f"((vector(time()) >= bool {int(w.start.timestamp())}) "
        f"* (vector(time()) < bool {int(w.end.timestamp())}))"
        for w in excluded_windows(workload, flow)
        if w.end.timestamp() > start
    ]
    return f"clamp_max({' + '.join(terms)}, 1)" if terms else None


def gate_rules(
    workload: Workload, flow: Flow, options: ExportOptions, schedule_open: str
) -> list[dict[str, Any]]:
    """The flow's on-time maintenance and counted-minute recordings."""
    labels = {"flow": flow.id}
    counted = f"(max({schedule_open}) == bool 1)"
    rules = []
    maintenance = _maintenance_expr(workload, flow, options)
    if maintenance:
        rules.append({"record": MAINTENANCE, "expr": maintenance, "labels": labels})
        counted += f" * (1 - max({selector(MAINTENANCE, flow=flow.id)}))"
    rules.append({"record": COUNTED, "expr": counted, "labels": labels})
    return rules


def counted_now(flow: Flow) -> str:
    """PromQL that is present while the flow's current minute counts: the alert gate."""
    return f"({selector(COUNTED, flow=flow.id)} == 1)"


def increase_rules(objective: Objective, options: ExportOptions) -> list[dict[str, Any]]:
    """Requests and failures of the last minute, kept only when that minute counted."""
    labels = {"flow": objective.flow.id, "objective": objective.key}
    queries = Queries(objective, options)
    total = queries.total(INTERVAL)
    bad = (
        queries.bad(INTERVAL)
        if objective.threshold is None
        else f"({total} - {queries.good(INTERVAL)})"
    )
    last_minute = f"({selector(COUNTED, flow=objective.flow.id)} offset {INTERVAL} == 1)"
    return [
        {"record": VALID, "expr": f"({total} * 60) and on () {last_minute}", "labels": labels},
        {"record": BAD, "expr": f"({bad} * 60) and on () {last_minute}", "labels": labels},
    ]


def window_ratio(objective: Objective, window: timedelta) -> str:
    """Failed / valid requests over the counted minutes of the last `window`."""
    labels = {"flow": objective.flow.id, "objective": objective.key}
    span = duration(window - _HALF_INTERVAL)
    bad = f"sum_over_time({selector(BAD, **labels)}[{span}])"
    valid = f"sum_over_time({selector(VALID, **labels)}[{span}])"
    return f"{bad} / ({valid} > 0)"
