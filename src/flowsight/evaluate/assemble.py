"""One FlowResult from the engine's aggregates and the flow's plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from flowsight.evaluate.latency import (
    STANDARD_PERCENTILES,
    Ceilings,
    Histogram,
    grouped_percentiles,
    merge,
    percentiles,
    quantiles,
)
from flowsight.evaluate.measure import (
    MinuteRows,
    Tally,
    burn_rates,
    failing_slice_minutes,
    flow_budget,
    gaps,
    minutes_of,
    tally,
    window_counts,
)
from flowsight.evaluate.plan import FlowPlan, at_minute, range_minutes
from flowsight.evaluate.results import (
    Contact,
    FlowResult,
    Gap,
    LatencyResult,
    Security,
    SeriesPoint,
    StepResult,
)
from flowsight.evaluate.signals import signals
from flowsight.evaluate.verdicts import verdict
from flowsight.model import Workload
from flowsight.slo.alerts import AlertState, alert_state
from flowsight.slo.health import verdict_health
from flowsight.slo.maintenance import counted_at

MAX_GAPS_LISTED = 100


def _no_series() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass
class FlowData:
    """The aggregates of one flow, indexed."""

    minutes: MinuteRows = field(default_factory=MinuteRows.empty)
    steps: list[tuple[object, ...]] = field(default_factory=list)
    histograms: dict[str | None, Histogram] = field(default_factory=dict)
    #: series latency buckets: point, bucket, count columns sorted by point then bucket
    series: tuple[np.ndarray, np.ndarray, np.ndarray] = field(default_factory=_no_series)
    signal_row: tuple[object, ...] | None = None


def _latency(plan: FlowPlan, total: int, unders: list[int], hist: Histogram) -> list[LatencyResult]:
    """Latency verdicts, decided exactly on the share under each threshold (see latency.py)."""
    performance = plan.flow.targets.performance
    targets = performance.latency if performance else []
    shares = [
        unders[slot] / total if total and slot < len(unders) else None
        for slot in range(len(targets))
    ]
    ceilings = _ceilings(
        (t.percentile, t.threshold.total_seconds() * 1000, share >= t.percentile / 100)
        for t, share in zip(targets, shares, strict=True)
        if share is not None
    )
    return [
        LatencyResult(
            target.percentile,
            target.threshold.total_seconds() * 1000,
            percentiles(hist, [target.percentile], ceilings)[f"p{target.percentile:g}"],
            None if share is None else round(share, 6),
            None if share is None else share >= target.percentile / 100,
        )
        for target, share in zip(targets, shares, strict=True)
    ]


def _ceilings(verdicts: Iterable[tuple[float, float, bool]]) -> Ceilings:
    """percentile -> the smallest threshold a met target proves it is within."""
    ceilings: dict[float, float] = {}
    for percentile, threshold_ms, met in verdicts:
        if met:
            ceilings[percentile] = min(threshold_ms, ceilings.get(percentile, threshold_ms))
    return ceilings


def _met(latency: list[LatencyResult]) -> Ceilings:
    return _ceilings((t.percentile, t.threshold_ms, bool(t.met)) for t in latency)


def _wanted(plan: FlowPlan) -> list[float]:
    performance = plan.flow.targets.performance
    extra = [t.percentile for t in performance.latency] if performance else []
    return sorted({*STANDARD_PERCENTILES, *extra})


def _steps(plan: FlowPlan, data: FlowData, bad_clients: bool) -> list[StepResult]:
    results = []
    for row in sorted(data.steps, key=lambda r: str(r[1] or "")):
        step, total, ok, client = row[1], int(row[2]), int(row[3]), int(row[4])  # type: ignore[call-overload]
        good = ok if bad_clients else ok + client
        hist = data.histograms.get(step, {})  # type: ignore[call-overload]
        unders = [int(v) for v in row[7:]]  # type: ignore[call-overload]
        latency = _latency(plan, total, unders, hist)
        results.append(
            StepResult(
                None if step is None else str(step),
                total,
                good,
                total - good,
                round(100 * good / total, 6) if total else None,
                percentiles(hist, _wanted(plan), _met(latency)),
                latency,
            )
        )
    return results


def _series(
    plan: FlowPlan,
    data: FlowData,
    resolution: int,
    bad_clients: bool,
    remaining_after: Callable[[int], float | None] | None,
    failing_slices: np.ndarray | None = None,
) -> list[SeriesPoint]:
    """Points of the window with the budget's burn-down: `remaining_after(spent units)`
    is the budget's own remaining ratio; the units spent by a point's end are bad
    requests, or with `failing_slices` (bad slices' first minutes, sorted) bad slices."""
    inside = data.minutes.between(plan.start_minute, plan.end_minute)
    points, starts = np.unique(inside.minute // resolution, return_index=True)
    if not len(points):
        return []
    totals = np.add.reduceat(inside.total, starts).tolist()
    goods = np.add.reduceat(inside.good(bad_clients), starts).tolist()
    latency = grouped_percentiles(*data.series, (50.0, 95.0, 99.0))
    empty = percentiles({}, (50.0, 95.0, 99.0))
    series, spent = [], 0
    for point, total, good in zip(points.tolist(), totals, goods, strict=True):
        if failing_slices is None:
            spent += total - good
        else:
            spent = int(np.searchsorted(failing_slices, (point + 1) * resolution))
        series.append(
            SeriesPoint(
                at_minute(point * resolution),
                total,
                good,
                total - good,
                round(100 * good / total, 6) if total else None,
                latency.get(point, empty),
                remaining_after(spent) if remaining_after else None,
            )
        )
    return series


def _remaining_after(result: Tally, objective: float) -> Callable[[int], float | None]:
    """The budget's remaining ratio had `spent` units been bad: flow_budget (slo.budget)
    computes every point, so the burn-down ends on the budget's own number."""
    return lambda spent: flow_budget(replace(result, bad=spent), objective).remaining_ratio


def _security(plan: FlowPlan, data: FlowData) -> Security | None:
    security = plan.flow.targets.security
    if not security or not security.authentication:
        return None
    ok = sum(int(r[3]) for r in data.steps)  # type: ignore[call-overload]
    unauthenticated = sum(int(r[6]) for r in data.steps)  # type: ignore[call-overload]
    share = round(unauthenticated / ok, 6) if ok else None
    return Security(True, ok, unauthenticated, share, unauthenticated > 0)


def _escalation(workload: Workload, plan: FlowPlan) -> list[Contact]:
    contacts = []
    for party_id in plan.flow.escalation_path:
        party = workload.party(party_id)
        contacts.append(
            Contact(
                party_id,
                party.name if party else None,
                party.contact_label if party else None,
                bool(party and party.on_call),
            )
        )
    return contacts


def assemble(workload: Workload, plan: FlowPlan, data: FlowData, resolution: int) -> FlowResult:
    flow, target = plan.flow, plan.flow.targets.reliability
    window = (plan.start_minute, plan.end_minute)
    counted = [
        (max(lo, window[0]), min(hi, window[1]))
        for lo, hi in plan.counted
        if hi > window[0] and lo < window[1]
    ]
    late = minutes_of(plan.late)
    bad_clients = bool(target and target.client_errors_are_bad)
    rows = data.minutes.between(*window)
    requests = int(rows.total.sum())
    good = int(rows.good(bad_clients).sum())
    result = tally(data.minutes, late, target, *window)
    budget = flow_budget(result, target.availability) if target else None
    counts = window_counts(data.minutes, late, target, window[1]) if target else {}
    burns = burn_rates(counts, target) if target else {}
    alert = _alert(workload, plan, counts)
    all_hist: Histogram = {}
    for hist in data.histograms.values():
        merge(all_hist, hist.items())
    unders = [
        sum(int(r[7 + i]) for r in data.steps)  # type: ignore[call-overload]
        for i in range(len(flow.targets.performance.latency) if flow.targets.performance else 0)
    ]
    latency = _latency(plan, requests, unders, all_hist)
    gap_runs = gaps(counted, rows) if flow.criticality == "high" else []
    counted_minutes = range_minutes(counted)
    performance = flow.targets.performance
    security = _security(plan, data)
    signal_list = signals(plan, data.signal_row)
    availability = None
    if result.valid:
        availability = round(100 * result.good / result.valid, 6)
    slices = None
    if target and target.budgeting == "timeslices":
        slices = {
            "valid": result.valid,
            "good": result.good,
            "bad": result.bad,
            "minutes": result.unit_minutes,
        }
    from flowsight.evaluate.results import Throughput

    flow_result = FlowResult(
        flow=flow.id,
        name=flow.name,
        criticality=flow.criticality,
        verdict="no_data",
        reasons=[],
        start=plan.start,
        end=plan.end,
        schedule=workload.flow_schedule(flow).id,
        objective=target.availability if target else None,
        budgeting=target.budgeting if target else None,
        availability=availability,
        requests=requests,
        good=good,
        bad=requests - good,
        client_errors=int(rows.client.sum()),
        slices=slices,
        budget=budget,
        burn_rates=burns,
        alert=alert,
        latency=latency,
        percentiles_ms=percentiles(all_hist, _wanted(plan), _met(latency)),
        throughput=Throughput(
            requests,
            counted_minutes,
            round(requests / counted_minutes, 4) if counted_minutes else None,
            int(rows.total.max()) if len(rows.total) else 0,
            performance.throughput_per_minute if performance else None,
        ),
        steps=_steps(plan, data, bad_clients),
        maintenance=plan.findings,
        monitoring_gaps=[
            Gap(at_minute(lo), at_minute(hi), hi - lo) for lo, hi in gap_runs[:MAX_GAPS_LISTED]
        ],
        monitoring_gap_minutes=sum(hi - lo for lo, hi in gap_runs),
        security=security,
        signals=signal_list,
        escalation_path=_escalation(workload, plan),
        series_resolution="minute" if resolution == 1 else "hour",
        series=_series(
            plan,
            data,
            resolution,
            bad_clients,
            _remaining_after(result, target.availability) if target else None,
            (
                failing_slice_minutes(data.minutes, late, target, *window)
                if target and result.unit_minutes
                else None
            ),
        ),
    )
    flow_result.quantiles = quantiles(flow_result.percentiles_ms)
    flow_result.verdict, flow_result.reasons = verdict(flow_result)
    flow_result.health = verdict_health(flow_result.verdict, flow_result.reasons)
    return flow_result


def _alert(
    workload: Workload, plan: FlowPlan, counts: dict[str, tuple[float, float]]
) -> AlertState | None:
    """The alert state at the window's end, as the exported rules would have it."""
    target = plan.flow.targets.reliability
    if target is None:
        return None
    schedule = workload.flow_schedule(plan.flow)
    counting = counted_at(workload, plan.flow, plan.end)
    return alert_state(plan.flow, schedule, counts, target.availability, counting)
