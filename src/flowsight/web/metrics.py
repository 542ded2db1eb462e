"""`/metrics`: the evaluation in Prometheus text exposition format (version 0.0.4).

Per flow: health, availability, objective, request counts, error budget, burn
rates, alert state and latency over the evaluation window; per schedule,
whether it is open now. Every value is read from the `Evaluation`; nothing is
measured twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from flowsight.calendar import is_open
from flowsight.evaluate.results import Evaluation, FlowResult
from flowsight.model import Schedule, Workload
from flowsight.report.health import STATES, flow_health, workload_health
from flowsight.slo.tiers import STATES as ALERT_STATES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Sample = tuple[dict[str, str], float | None]


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def family(name: str, help_text: str, samples: Iterable[Sample]) -> list[str]:
    """One gauge family; samples whose value is None are left out."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        if value is None:
            continue
        inner = ",".join(f'{key}="{_label(text)}"' for key, text in labels.items())
        lines.append(f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}")
    return lines


def _per_flow(flows: list[FlowResult]) -> list[str]:
    def each(pick: Callable[[FlowResult], float | None]) -> list[Sample]:
        return [({"flow": f.flow}, pick(f)) for f in flows]

    def share(value: float | None) -> float | None:
        return None if value is None else value / 100

    lines: list[str] = []
    lines += family(
        "flowsight_flow_health",
        "1 for the flow's current health state (healthy, degraded, unhealthy, unknown).",
        (
            (
                {"flow": f.flow, "criticality": f.criticality, "state": s},
                float(flow_health(f).state == s),
            )
            for f in flows
            for s in STATES
        ),
    )
    lines += family(
        "flowsight_flow_availability_ratio",
        "Good / valid over the window, in the schedule.",
        each(lambda f: share(f.availability)),
    )
    lines += family(
        "flowsight_flow_objective_ratio",
        "The flow's availability objective.",
        each(lambda f: share(f.objective)),
    )
    lines += family(
        "flowsight_flow_requests", "Requests counted in the window.", each(lambda f: f.requests)
    )
    lines += family(
        "flowsight_flow_bad_requests", "Bad requests counted in the window.", each(lambda f: f.bad)
    )
    lines += _budgets(flows)
    lines += family(
        "flowsight_flow_burn_rate",
        "Error-budget burn rate over the look-back window.",
        (({"flow": f.flow, "window": w}, r) for f in flows for w, r in f.burn_rates.items()),
    )
    lines += family(
        "flowsight_flow_alert",
        "1 for the multi-window burn-rate alert state (page, ticket, ok, no_data).",
        (
            ({"flow": f.flow, "state": s}, float(f.alert.state == s))
            for f in flows
            if f.alert
            for s in ALERT_STATES
        ),
    )
    lines += _latency(flows)
    lines += family(
        "flowsight_flow_monitoring_gap_minutes",
        "Scheduled minutes without data (high criticality).",
        each(lambda f: f.monitoring_gap_minutes),
    )
    return lines


def _budgets(flows: list[FlowResult]) -> list[str]:
    lines: list[str] = []
    for part in ("allowed", "consumed", "remaining"):
        lines += family(
            f"flowsight_flow_error_budget_{part}",
            f"Error budget {part}, in the budget's unit (requests or minutes).",
            (
                ({"flow": f.flow, "unit": f.budget.unit}, getattr(f.budget, part))
                for f in flows
                if f.budget
            ),
        )
    lines += family(
        "flowsight_flow_error_budget_remaining_ratio",
        "Share of the error budget left (negative when overspent).",
        (({"flow": f.flow}, f.budget.remaining_ratio) for f in flows if f.budget),
    )
    return lines


def _latency(flows: list[FlowResult]) -> list[str]:
    def seconds(value: float | None) -> float | None:
        return None if value is None else value / 1000

    lines = family(
        "flowsight_flow_latency_seconds",
        "Latency percentiles over the window.",
        (
            ({"flow": f.flow, "quantile": f"{float(key[1:]) / 100:g}"}, seconds(value))
            for f in flows
            for key, value in f.percentiles_ms.items()
        ),
    )
    lines += family(
        "flowsight_flow_latency_target_seconds",
        "Latency thresholds of the flow's performance target.",
        (
            ({"flow": f.flow, "quantile": f"{t.percentile / 100:g}"}, seconds(t.threshold_ms))
            for f in flows
            for t in f.latency
        ),
    )
    return lines


def exposition(workload: Workload, evaluation: Evaluation, now: datetime) -> str:
    """The whole /metrics page."""
    rolled = workload_health(evaluation).state
    lines = family(
        "flowsight_workload_health",
        "1 for the workload's rolled-up health state.",
        (({"workload": workload.workload.name, "state": s}, float(rolled == s)) for s in STATES),
    )
    lines += _per_flow(evaluation.flows)
    lines += family(
        "flowsight_schedule_open",
        "1 while the schedule is open (its local hours, holidays honoured).",
        (({"schedule": s.id}, float(is_open(s, now))) for s in _schedules(workload)),
    )
    lines += family(
        "flowsight_unmatched_spans",
        "Entry spans that matched no flow in the window.",
        [({}, evaluation.unmatched.spans)],
    )
    lines += family(
        "flowsight_evaluation_timestamp_seconds",
        "When the evaluation was made.",
        [({}, evaluation.now.timestamp())],
    )
    return "\n".join(lines) + "\n"


def _schedules(workload: Workload) -> list[Schedule]:
    seen = {s.id: s for s in workload.schedules}
    for flow in workload.flows:
        schedule = workload.flow_schedule(flow)
        seen.setdefault(schedule.id, schedule)
    return list(seen.values())
