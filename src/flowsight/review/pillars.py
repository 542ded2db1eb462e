"""Targets against measured values, one row per pillar, and the values a snapshot keeps."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flowsight.cost.results import FlowCost
from flowsight.docs.targets import target_rows
from flowsight.evaluate.results import FlowResult
from flowsight.model import Flow, Workload
from flowsight.review.snapshot import FlowSnapshot


@dataclass
class PillarRow:
    pillar: str
    target: str
    measured: str
    status: str  # met | missed | at risk | no data | not measured


def _reliability(result: FlowResult | None) -> tuple[str, str]:
    if result is None or result.availability is None or result.budget is None:
        return "no requests counted", "no data"
    budget = result.budget
    consumed = 1 - (budget.remaining_ratio or 0)
    text = f"{result.availability:.3f} %, {100 * consumed:.0f} % of the error budget consumed"
    if budget.remaining < 0:
        return text, "missed"
    return text, "at risk" if (budget.remaining_ratio or 0) < 0.25 else "met"


def _performance(result: FlowResult | None) -> tuple[str, str]:
    if result is None or not result.latency:
        return "-", "not measured"
    parts = [
        f"p{t.percentile:g} {'-' if t.value_ms is None else f'{math.ceil(t.value_ms):,}'} ms"
        for t in result.latency
    ]
    missed = any(t.met is False for t in result.latency)
    measured = any(t.met is not None for t in result.latency)
    return ", ".join(parts), "missed" if missed else ("met" if measured else "no data")


def _security(result: FlowResult | None) -> tuple[str, str]:
    if result is None or result.security is None:
        return "-", "not measured"
    security = result.security
    text = f"{security.unauthenticated} of {security.successful_requests} unauthenticated"
    return text, "missed" if security.violation else "met"


def _cost(cost: FlowCost | None) -> tuple[str, str]:
    if cost is None:
        return "-", "not measured"
    text = f"{cost.monthly_rate:,.2f} a month"
    if cost.per_1000 is not None:
        text += f", {cost.per_1000:,.2f} per 1,000 executions"
    over_unit = cost.per_1000_target is not None and (cost.per_1000 or 0) > cost.per_1000_target
    return text, "missed" if cost.over_budget or over_unit else "met"


def _operations(result: FlowResult | None) -> tuple[str, str]:
    if result is None or not result.signals:
        return "-", "not measured"
    missing = [s.signal for s in result.signals if s.arriving is False]
    if missing:
        return f"missing: {', '.join(missing)}", "missed"
    return "named signals arriving", "met"


def pillar_rows(
    workload: Workload, flow: Flow, result: FlowResult | None, cost: FlowCost | None
) -> list[PillarRow]:
    measured = {
        "Reliability": _reliability(result),
        "Performance": _performance(result),
        "Security": _security(result),
        "Cost": _cost(cost),
        "Operations": _operations(result),
    }
    return [PillarRow(p, target, *measured[p]) for p, target in target_rows(workload, flow)]


def flow_snapshot(
    flow: Flow, result: FlowResult | None, cost: FlowCost | None, incident_minutes: int
) -> FlowSnapshot:
    snapshot = FlowSnapshot(flow.id, flow.criticality, result.verdict if result else "no_data")
    if result is not None:
        snapshot.objective = result.objective
        snapshot.availability = result.availability
        ratio = result.budget.remaining_ratio if result.budget else None
        snapshot.budget_consumed = None if ratio is None else round(1 - ratio, 6)
        snapshot.requests = result.requests
        snapshot.latency = {
            f"p{t.percentile:g}": [t.value_ms, t.threshold_ms] for t in result.latency
        }
        snapshot.unauthenticated = result.security.unauthenticated if result.security else None
        snapshot.signals_missing = [s.signal for s in result.signals if s.arriving is False]
    if cost is not None:
        snapshot.cost = round(cost.monthly_rate, 4)
        snapshot.cost_budget = cost.monthly_budget
        snapshot.per_1000 = None if cost.per_1000 is None else round(cost.per_1000, 4)
    snapshot.incident_minutes = incident_minutes
    return snapshot


def trend(previous: FlowSnapshot | None, current: FlowSnapshot) -> list[str]:
    """Sentences comparing this review with the previous one."""
    if previous is None:
        return []
    out = []
    if previous.availability is not None and current.availability is not None:
        delta = current.availability - previous.availability
        word = "better" if delta > 0 else ("worse" if delta < 0 else "unchanged")
        out.append(
            f"availability {previous.availability:.3f} % -> {current.availability:.3f} % "
            f"({delta:+.3f} points, {word})"
        )
    if previous.cost is not None and current.cost is not None:
        out.append(f"cost {previous.cost:,.2f} -> {current.cost:,.2f} a month")
    if previous.verdict != current.verdict:
        out.append(f"verdict {previous.verdict} -> {current.verdict}")
    return out
