"""`flowsight export prometheus`: recording rules and schedule-gated burn-rate alerts.

Per flow with a reliability target: error ratios over the SRE Workbook windows,
counted over the minutes `evaluate` counts (flowsight.export.counted: schedule
open, on-time maintenance excluded), and page and ticket alerts whose tiers and
factors come from the SLO policy (flowsight.slo), gated by
`flowsight:flow_counted` so they fire only while the flow's schedule is open
(flowsight.export.schedule_gate) and no on-time maintenance runs.
Alerts and their text are built in flowsight.export.prometheus_alerts; the
`prometheusrule` variant wraps the same groups in the operator's CRD
(flowsight.export.prometheus_crd). A flow's own PromQL SLI, when declared,
replaces the derived selectors (flowsight.export.sli).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import flowsight.export.counted as counted
from flowsight.export.base import (
    Artifact,
    ExportOptions,
    FunctionExporter,
    dump_yaml,
    register,
    variant,
)
from flowsight.export.burnrate import number, window_label, windows
from flowsight.export.escape import selector as _selector
from flowsight.export.escape import template_literal
from flowsight.export.prometheus_alerts import (
    ALERT_NAMES,
    SCHEDULE_OPEN,
    WORKLOAD_LABEL,
    alert_rules,
    error_ratio_name,
    workload_key,
)
from flowsight.export.prometheus_crd import prometheus_rule
from flowsight.export.schedule_gate import build_gate
from flowsight.export.sli import Objective, Queries, objectives, unmatched_selector_findings
from flowsight.model import Flow, Schedule, Workload, format_duration

__all__ = ["ALERT_NAMES", "SCHEDULE_OPEN", "build_rules", "error_ratio_name", "export_prometheus"]
SCHEDULE_OFFSET = "flowsight:schedule_utc_offset_seconds"
SCHEDULE_LOCAL = "flowsight:schedule_local_week_seconds"
SLICE_GOOD = "flowsight:flow_slice_good"
OBJECTIVE = "flowsight:flow_objective:ratio"
IN_SCHEDULE = "flowsight:flow_error_ratio_in_schedule:rate5m"
SLO_WINDOW = "flowsight:flow_error_ratio:slo_window"
REMAINING = "flowsight:flow_error_budget_remaining:ratio"
LATENCY = "flowsight:flow_latency_seconds:rate5m"
HORIZON_NOTICE = timedelta(days=30)
FORMATS = ("rules", "prometheusrule")


def schedule_group(
    workload: Workload, schedules: list[Schedule], options: ExportOptions
) -> dict[str, Any]:
    """Offset and open/closed recordings per schedule, plus the horizon-ending ticket."""
    rules: list[dict[str, Any]] = []
    end = 0
    for schedule in schedules:
        gate = build_gate(schedule, options.horizon_start, options.horizon_days)
        end = gate.horizon_end
        offset = _selector(SCHEDULE_OFFSET, schedule=schedule.id)
        rules.append(
            {
                "record": SCHEDULE_OFFSET,
                "expr": f"vector({gate.offset_expr()})",
                "labels": {"schedule": schedule.id},
            }
        )
        local = _selector(SCHEDULE_LOCAL, schedule=schedule.id)
        rules.append(
            {
                "record": SCHEDULE_LOCAL,
                "expr": gate.local_week_expr(offset),
                "labels": {"schedule": schedule.id},
            }
        )
        rules.append(
            {
                "record": SCHEDULE_OPEN,
                "expr": gate.open_expr(local),
                "labels": {"schedule": schedule.id},
            }
        )
    until = datetime.fromtimestamp(end, UTC).date().isoformat()
    rules.append(
        {
            "alert": "FlowsightScheduleHorizonEnding",
            "expr": f"vector(time()) > {end - int(HORIZON_NOTICE.total_seconds())}",
            "labels": {
                **{k: template_literal(v) for k, v in workload.workload.labels.items()},
                **{k: template_literal(v) for k, v in options.alert_labels},
                "severity": "ticket",
                WORKLOAD_LABEL: workload_key(workload),
            },
            "annotations": {
                "summary": f"flowsight schedule gates end on {until}; regenerate the rules",
                "description": (
                    f"The {SCHEDULE_OPEN} rules were generated for a horizon that ends on {until} "
                    "(UTC). After it every schedule reads closed and no flow alert fires. Run "
                    "`flowsight export prometheus` again and deploy the new rules."
                ),
            },
        }
    )
    return {"name": "flowsight-schedules", "rules": rules}


def _ratio_rules(objective: Objective, options: ExportOptions) -> list[dict[str, Any]]:
    labels = {"flow": objective.flow.id, "objective": objective.key}
    rules = [] if objective.timeslices else counted.increase_rules(objective, options)
    for window in windows():
        if objective.timeslices:
            expr = f"1 - avg_over_time({_selector(SLICE_GOOD, **labels)}[{window_label(window)}])"
        else:
            expr = counted.window_ratio(objective, window)
        rules.append({"record": error_ratio_name(window), "expr": expr, "labels": labels})
    return rules


def _meta_rules(objective: Objective, schedule: Schedule) -> list[dict[str, Any]]:
    labels = {"flow": objective.flow.id, "objective": objective.key}
    five = error_ratio_name(timedelta(minutes=5))
    return [
        {
            "record": OBJECTIVE,
            "expr": f"vector({number(objective.percent / 100)})",
            "labels": labels,
        },
        {
            "record": IN_SCHEDULE,
            "expr": (
                f"{_selector(five, **labels)} and on () "
                f"({_selector(SCHEDULE_OPEN, schedule=schedule.id)} == 1)"
            ),
            "labels": labels,
        },
    ]


def _latency_rule(objective: Objective, options: ExportOptions) -> dict[str, Any]:
    return {
        "record": LATENCY,
        "expr": Queries(objective, options).quantile(objective.percent, "5m"),
        "labels": {"flow": objective.flow.id, "quantile": number(objective.percent / 100)},
    }


def flow_groups(
    workload: Workload, flow: Flow, options: ExportOptions, warnings: list[str]
) -> list[dict[str, Any]]:
    """The flow's rule group (and its time-slice group when it budgets by slices)."""
    schedule = workload.flow_schedule(flow)
    groups: list[dict[str, Any]] = []
    open_ = _selector(SCHEDULE_OPEN, schedule=schedule.id)
    rules: list[dict[str, Any]] = counted.gate_rules(workload, flow, options, open_)
    for objective in objectives(flow):
        if objective.timeslices:
            groups.append(_slice_group(objective, options))
        rules += _ratio_rules(objective, options) + _meta_rules(objective, schedule)
        if objective.threshold is not None:
            rules.append(_latency_rule(objective, options))
        rules += alert_rules(workload, objective, schedule, options, warnings)
    groups.append(
        {"name": f"flowsight-flow-{flow.id}", "interval": counted.INTERVAL, "rules": rules}
    )
    return groups


def _slice_group(objective: Objective, options: ExportOptions) -> dict[str, Any]:
    """One evaluation per slice: the slice is good when its success ratio meets the threshold."""
    reliability = objective.reliability
    slice_ = reliability.slice or timedelta(minutes=1)
    threshold = (reliability.slice_threshold or reliability.availability) / 100
    ratio = Queries(objective, options).error_ratio(format_duration(slice_))
    return {
        "name": f"flowsight-slices-{objective.flow.id}",
        "interval": format_duration(slice_),
        "rules": [
            {
                "record": SLICE_GOOD,
                "expr": f"(1 - ({ratio})) >= bool {number(threshold)}",
                "labels": {"flow": objective.flow.id, "objective": objective.key},
            }
        ],
    }


def slo_window_group(workload: Workload, flows: list[Flow]) -> dict[str, Any]:
    """Error ratio over each SLO window (counted minutes only) and the budget left.

    A ratio of increases (failed / valid requests), as `evaluate` counts, so
    Grafana and the report agree however uneven the traffic is.
    """
    rules = []
    for flow in flows:
        for objective in objectives(flow):
            labels = {"flow": flow.id, "objective": objective.key}
            days = timedelta(days=objective.reliability.window_days)
            expr = (
                f"1 - avg_over_time({_selector(SLICE_GOOD, **labels)}[{counted.duration(days)}])"
                if objective.timeslices
                else counted.window_ratio(objective, days)
            )
            rules.append({"record": SLO_WINDOW, "expr": expr, "labels": labels})
            rules.append(
                {
                    "record": REMAINING,
                    "expr": f"1 - {_selector(SLO_WINDOW, **labels)} / {number(objective.budget)}",
                    "labels": labels,
                }
            )
    return {"name": "flowsight-slo-window", "interval": "5m", "rules": rules}


def build_rules(workload: Workload, options: ExportOptions) -> tuple[dict[str, Any], list[str]]:
    """The rule file as data, and warnings about tiers that could never fire."""
    flows = [f for f in workload.flows if f.targets.reliability is not None]
    warnings: list[str] = []
    schedules = sorted(
        {workload.flow_schedule(f).id: workload.flow_schedule(f) for f in flows}.items()
    )
    groups = [schedule_group(workload, [s for _, s in schedules], options)]
    for flow in flows:
        groups += flow_groups(workload, flow, options, warnings)
    groups.append(slo_window_group(workload, flows))
    return {"groups": groups}, warnings


def export_prometheus(workload: Workload, options: ExportOptions) -> Artifact:
    """A Prometheus rule file, or (`--format prometheusrule`) the operator's PrometheusRule."""
    chosen = variant(options, FORMATS)
    data, warnings = build_rules(workload, options)
    findings = tuple(unmatched_selector_findings(workload, options))
    if chosen == "prometheusrule":
        resource = prometheus_rule(workload, data, options)
        return Artifact(
            dump_yaml(resource), "flowsight-prometheusrule.yaml", tuple(warnings), findings
        )
    return Artifact(dump_yaml(data), "flowsight-rules.yaml", tuple(warnings), findings)


EXPORTER = register(
    FunctionExporter(
        "prometheus",
        "Prometheus recording rules and schedule-gated burn-rate alerts",
        export_prometheus,
    )
)
