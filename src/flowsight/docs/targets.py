"""Human sentences for a flow's targets, shared by the docs, the report and reviews."""

from __future__ import annotations

from flowsight.calendar import downtime_budget, format_minutes
from flowsight.model import Flow, Workload, format_duration


def schedule_name(workload: Workload, schedule_id: str) -> str:
    schedule = workload.schedule(schedule_id)
    return (schedule.name or schedule.id) if schedule else schedule_id


def reliability_text(workload: Workload, flow: Flow) -> str | None:
    target = flow.targets.reliability
    if target is None:
        return None
    parts = [
        f"{target.availability:g}% availability during {schedule_name(workload, target.schedule)}",
        f"budgeted by {target.budgeting}"
        + (f" ({format_duration(target.slice)} slices)" if target.slice else ""),
        f"window {target.window}",
    ]
    if target.rto is not None:
        parts.append(f"RTO {format_duration(target.rto)}")
    if target.rpo is not None:
        parts.append(f"RPO {format_duration(target.rpo)}")
    if target.maintenance.notice is not None:
        parts.append(f"maintenance announced ≥ {format_duration(target.maintenance.notice)} ahead")
    if target.maintenance.outside_schedule_free:
        parts.append("maintenance outside the schedule is free")
    return "; ".join(parts)


def downtime_text(workload: Workload, flow: Flow) -> str | None:
    target = flow.targets.reliability
    if target is None:
        return None
    budget = downtime_budget(workload.flow_schedule(flow), target.availability)
    return (
        f"{format_minutes(budget.per_month_minutes)} per month "
        f"({format_minutes(budget.per_week_minutes)} per week) inside "
        f"{budget.open_hours_per_week:g} open hours a week"
    )


def performance_text(flow: Flow) -> str | None:
    target = flow.targets.performance
    if target is None:
        return None
    parts = [f"p{t.percentile:g} ≤ {format_duration(t.threshold)}" for t in target.latency]
    if target.throughput_per_minute is not None:
        parts.append(f"sustains {target.throughput_per_minute:g} requests/min")
    if target.max_error_rate is not None:
        parts.append(f"error rate ≤ {target.max_error_rate:g}%")
    return "; ".join(parts) or None


def security_text(flow: Flow) -> str | None:
    target = flow.targets.security
    if target is None:
        return None
    parts = [f"{target.classification} data"]
    parts.append("authentication required" if target.authentication else "no authentication")
    if target.roles:
        parts.append("roles " + ", ".join(target.roles))
    if target.payment_data:
        parts.append("handles payment data")
    if target.compliance:
        parts.append("compliance " + ", ".join(target.compliance))
    return "; ".join(parts)


def cost_text(flow: Flow) -> str | None:
    target = flow.targets.cost
    if target is None:
        return None
    parts = []
    if target.monthly_budget is not None:
        parts.append(f"{target.monthly_budget:g} {target.currency} per month")
    if target.per_1000_executions is not None:
        parts.append(f"{target.per_1000_executions:g} {target.currency} per 1,000 executions")
    return "; ".join(parts) or None


def operations_text(flow: Flow) -> str | None:
    target = flow.targets.operations
    if target is None:
        return None
    parts = []
    if target.signals:
        parts.append("signals " + ", ".join(target.signals))
    parts.append(f"alerts {target.alert_severity}")
    if target.dashboards:
        parts.append("dashboards " + ", ".join(target.dashboards))
    return "; ".join(parts)


def target_rows(workload: Workload, flow: Flow) -> list[tuple[str, str]]:
    """(pillar, sentence) for all five pillars; a missing target says so."""
    missing = "not set"
    return [
        ("Reliability", reliability_text(workload, flow) or missing),
        ("Security", security_text(flow) or missing),
        ("Cost", cost_text(flow) or missing),
        ("Operations", operations_text(flow) or missing),
        ("Performance", performance_text(flow) or missing),
    ]
