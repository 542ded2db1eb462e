"""The burn-rate alerting rules of a flow: expressions, labels and annotations.

Tiers, factors, thresholds and the severity a flow may raise come from the
SLO policy (flowsight.slo); every alert is gated by `flowsight:flow_counted`
(flowsight.export.counted), so it fires only in minutes `evaluate` counts.

Prometheus expands alert labels and annotations as Go templates, so every
piece of workload text (flow, party, schedule and impact text, extra label
values) passes through `template_literal` after the sentence is assembled:
`{{7*7}}` in a flow name is shown as `{{7*7}}`, never evaluated.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flowsight.export.base import ExportOptions
from flowsight.export.burnrate import TIERS, factor, number, threshold, window_label
from flowsight.export.counted import counted_now
from flowsight.export.escape import selector, template_literal
from flowsight.export.people import escalation_text, party_text
from flowsight.export.sli import Objective
from flowsight.model import Flow, Schedule, Workload, format_duration
from flowsight.slo.tiers import severity

SCHEDULE_OPEN = "flowsight:schedule_open"
ALERT_NAMES = {"availability": "FlowsightErrorBudgetBurn", "latency": "FlowsightLatencyBudgetBurn"}
#: The label every flowsight alert carries, so Alertmanager routes can match flowsight's own.
WORKLOAD_LABEL = "flowsight_workload"


def error_ratio_name(window: timedelta) -> str:
    return f"flowsight:flow_error_ratio:rate{window_label(window)}"


def workload_key(workload: Workload) -> str:
    """The workload's value of WORKLOAD_LABEL: its name, lower-cased, runs of others as '-'."""
    key = "".join(c if c.isascii() and c.isalnum() else "-" for c in workload.workload.name.lower())
    return "-".join(part for part in key.split("-") if part) or "workload"


def extra_labels(workload: Workload, flow: Flow, options: ExportOptions) -> dict[str, str]:
    """Labels from the workload, then the flow's operations target, then `--label` (last wins)."""
    operations = flow.targets.operations
    labels = dict(workload.workload.labels)
    labels.update(operations.labels if operations else {})
    labels.update(dict(options.alert_labels))
    return labels


def _alert_text(
    workload: Workload, objective: Objective, schedule: Schedule, parts: list[str]
) -> dict[str, str]:
    flow = objective.flow
    reliability = objective.reliability
    impact = flow.business_impact.description if flow.business_impact else "not declared"
    text = {
        "summary": (
            f"{flow.name} ({flow.criticality} criticality) is burning its "
            f"{objective.describe()} error budget too fast"
        ),
        "description": (
            f"Over the {reliability.window} SLO window, {' or '.join(parts)}. "
            f"The {schedule.name or schedule.id} schedule ({schedule.timezone}) is open. "
            f"Business impact: {impact}"
        ),
        "owner": party_text(workload, flow.owner),
        "escalation_path": escalation_text(workload, flow),
        "recovery_time_objective": format_duration(reliability.rto) if reliability.rto else "none",
    }
    return {key: template_literal(value) for key, value in text.items()}


def _clauses(
    objective: Objective, schedule: Schedule, burn: str, warnings: list[str]
) -> tuple[list[str], list[str]]:
    """PromQL clauses of the burn's tiers and the sentence explaining each."""
    flow, days = objective.flow, objective.reliability.window_days
    labels = {"flow": flow.id, "objective": objective.key}
    clauses, parts = [], []
    for tier in (t for t in TIERS if t.burn == burn):
        rate = factor(tier, schedule, days)
        limit = threshold(tier, schedule, days, objective.percent)
        if limit >= 1:
            warnings.append(
                f"{flow.id}: the {tier.name} tier of {objective.key} can never fire "
                f"(it needs an error ratio of {number(limit)}); it was left out"
            )
            continue
        long_, short = (selector(error_ratio_name(w), **labels) for w in (tier.long, tier.short))
        clauses.append(f"({long_} > {number(limit)} and {short} > {number(limit)})")
        parts.append(
            f"{format_duration(tier.long)} and {format_duration(tier.short)} error ratios exceed "
            f"{number(limit)} ({number(rate)}x the sustainable rate: "
            f"{number(tier.budget_share * 100)}% of the budget in {format_duration(tier.long)})"
        )
    return clauses, parts


def alert_rules(
    workload: Workload,
    objective: Objective,
    schedule: Schedule,
    options: ExportOptions,
    warnings: list[str],
) -> list[dict[str, Any]]:
    """The page (fast burn) and ticket (slow burn) alerts of one objective."""
    flow = objective.flow
    extra = {k: template_literal(v) for k, v in extra_labels(workload, flow, options).items()}
    rules = []
    for burn in ("fast", "slow"):
        level = severity(flow, burn)
        if level is None:
            continue
        clauses, parts = _clauses(objective, schedule, burn, warnings)
        if not clauses:
            continue
        rules.append(
            {
                "alert": ALERT_NAMES[objective.kind],
                "expr": f"({' or '.join(clauses)}) and on () {counted_now(flow)}",
                "labels": {
                    **extra,
                    "flow": flow.id,
                    "objective": objective.key,
                    "criticality": flow.criticality,
                    "severity": level,
                    "burn": burn,
                    "schedule": schedule.id,
                    WORKLOAD_LABEL: workload_key(workload),
                },
                "annotations": _alert_text(workload, objective, schedule, parts),
            }
        )
    return rules
