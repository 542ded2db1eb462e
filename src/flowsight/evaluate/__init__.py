"""Measure every flow of a workload against its targets, from OpenTelemetry traces.

`evaluate_workload` resolves each flow's window and counted minutes (schedule,
maintenance), asks a backend for a few aggregates computed in its engine, and
turns them into an `Evaluation`: verdicts, budgets, burn rates, latency, gaps,
security and signals, plus the time series the report and dashboard chart.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from flowsight.errors import UsageError
from flowsight.evaluate.assemble import FlowData, assemble
from flowsight.evaluate.base import (
    NS_PER_MINUTE,
    Aggregates,
    Backend,
    Columns,
    QueryPlan,
)
from flowsight.evaluate.duckdb import DuckDBBackend
from flowsight.evaluate.measure import MinuteRows, minutes_of, window_counts
from flowsight.evaluate.plan import FlowPlan, at_minute, plan_flow, resolve_window
from flowsight.evaluate.results import Evaluation, FlowResult, Unmatched
from flowsight.model import Workload
from flowsight.slo.alerts import AlertState, alert_state
from flowsight.slo.attribution import attribution_rules
from flowsight.slo.maintenance import counted_at
from flowsight.telemetry.store import TelemetryStore, open_store

__all__ = ["Evaluation", "FlowResult", "alert_timeline", "evaluate_workload", "sort_key"]

#: Series use minutes up to this window length (in days), hours beyond.
MINUTE_SERIES_MAX_DAYS = 2
TOP_UNMATCHED = 20


def _split(plan: FlowPlan) -> list[tuple[int, int, int]]:
    """Counted ranges tagged 1 inside the window, 0 in the burn-rate look-back before it."""
    cut = plan.start_minute
    out = []
    for lo, hi in plan.counted:
        if lo < cut:
            out.append((lo, min(hi, cut), 0))
        if hi > cut:
            out.append((max(lo, cut), hi, 1))
    return out


def _query_plan(workload: Workload, plans: list[FlowPlan], resolution: int) -> QueryPlan:
    attributes, routes = attribution_rules(workload)
    scan_start = min(min((lo for lo, _ in p.counted), default=p.start_minute) for p in plans)
    scan_start = min(scan_start, *(p.start_minute for p in plans))
    return QueryPlan(
        start_ns=scan_start * NS_PER_MINUTE,
        end_ns=max(p.end_minute for p in plans) * NS_PER_MINUTE,
        attribute_rules=attributes,
        route_rules=routes,
        counted={p.flow.id: _split(p) for p in plans},
        thresholds_ns={
            p.flow.id: [
                t.threshold // timedelta(microseconds=1) * 1000
                for t in p.flow.targets.performance.latency
            ]
            for p in plans
            if p.flow.targets.performance
        },
        series_minutes=resolution,
        window_start_ns=min(p.start_minute for p in plans) * NS_PER_MINUTE,
    )


def _per_flow(columns: Columns) -> dict[str, Columns]:
    """Columns per flow (the first column), each sorted by its next two key columns."""
    flows = columns["flow"]
    keys = [c for name, c in columns.items() if name != "flow"][:2]
    out = {}
    for flow in set(flows.tolist()):
        mask = flows == flow
        order = np.lexsort([k[mask] for k in reversed(keys)])
        out[str(flow)] = {name: c[mask][order] for name, c in columns.items() if name != "flow"}
    return out


def _index(aggregates: Aggregates) -> dict[str, FlowData]:
    data: dict[str, FlowData] = {}

    def of(flow: object) -> FlowData:
        return data.setdefault(str(flow), FlowData())

    for flow, c in _per_flow(aggregates.minutes).items():
        of(flow).minutes = MinuteRows(c["minute"], c["total"], c["ok"], c["client"], c["bad"])
    for row in aggregates.steps:
        of(row[0]).steps.append(row)
    for flow, step, bucket, count in aggregates.histogram:
        hist = of(flow).histograms.setdefault(step, {})
        hist[bucket] = hist.get(bucket, 0) + count
    for flow, c in _per_flow(aggregates.series_histogram).items():
        of(flow).series = (c["point"], c["bucket"], c["count"])
    for row in aggregates.signals:
        of(row[0]).signal_row = row
    return data


def sort_key(result: FlowResult) -> tuple[int, float]:
    """Most critical first, then least remaining budget first."""
    rank = {"high": 0, "medium": 1, "low": 2}[result.criticality]
    remaining = result.budget.remaining_ratio if result.budget else None
    return rank, remaining if remaining is not None else float("inf")


def _backend(source: Backend | TelemetryStore | str | os.PathLike[str]) -> Backend:
    if isinstance(source, TelemetryStore):
        return DuckDBBackend(source)
    if isinstance(source, str | os.PathLike):
        return DuckDBBackend(open_store(source))
    return source


def evaluate_workload(
    workload: Workload,
    store: Backend | TelemetryStore | str | os.PathLike[str],
    window: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    resolution_minutes: int | None = None,
) -> Evaluation:
    """Evaluate every flow; `now` fixes the clock, `start`/`end` override the windows."""
    now = now or datetime.now(UTC)
    for moment in (now, start, end):
        if moment is not None and moment.tzinfo is None:
            raise UsageError("times need a UTC offset, e.g. 2026-11-20T12:00:00Z")
    if not workload.flows:
        raise UsageError("the workload declares no flows to evaluate")
    plans = []
    for flow in workload.flows:
        lo, hi = resolve_window(flow, workload, window, start, end, now)
        plans.append(plan_flow(workload, flow, lo, hi))
    longest = max((p.end - p.start).total_seconds() / 86400 for p in plans)
    resolution = resolution_minutes or (1 if longest <= MINUTE_SERIES_MAX_DAYS else 60)
    backend = _backend(store)
    aggregates = backend.aggregate(_query_plan(workload, plans, resolution))
    data = _index(aggregates)
    flows = sorted(
        (assemble(workload, p, data.get(p.flow.id, FlowData()), resolution) for p in plans),
        key=sort_key,
    )
    unmatched: list[dict[str, Any]] = [
        {"service": s, "method": m, "route": r, "spans": int(n)}
        for s, m, r, n in aggregates.unmatched
    ]
    findings = [f for p in plans for f in p.findings]
    return Evaluation(
        now=now,
        backend=backend.name,
        flows=flows,
        unmatched=Unmatched(sum(u["spans"] for u in unmatched), unmatched[:TOP_UNMATCHED]),
        findings=findings,
    )


def alert_timeline(
    workload: Workload,
    store: Backend | TelemetryStore | str | os.PathLike[str],
    flow_id: str,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, AlertState]]:
    """The flow's alert state at every minute in [start, end), from one engine query.

    Each state is what `evaluate_workload(now=minute)` reports as `alert`: the
    same counted minutes, window counts and policy, so tests can hold the
    exported rules to `evaluate` minute by minute.
    """
    flow = next((f for f in workload.flows if f.id == flow_id), None)
    if flow is None or flow.targets.reliability is None:
        raise UsageError(f"no flow '{flow_id}' with a reliability target to follow")
    target, schedule = flow.targets.reliability, workload.flow_schedule(flow)
    plan = plan_flow(workload, flow, start, end)
    data = _index(_backend(store).aggregate(_query_plan(workload, [plan], 60)))
    rows = data.get(flow.id, FlowData()).minutes
    late = minutes_of(plan.late)
    timeline = []
    for minute in range(plan.start_minute, plan.end_minute):
        counts = window_counts(rows, late, target, minute)
        counting = counted_at(workload, flow, at_minute(minute))
        state = alert_state(flow, schedule, counts, target.availability, counting)
        timeline.append((at_minute(minute), state))
    return timeline
