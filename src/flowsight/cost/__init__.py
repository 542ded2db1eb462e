"""Cost per flow: each component's cost shared among flows by the work they caused.

`allocate_costs` reads costs (the model's `monthly_cost`, a FOCUS export or a
plain CSV), measures each flow's share of each component's work in the
telemetry store, and reports cost per flow per month and per 1,000 executions
against the flow's cost target. Unattributed cost is reported, never spread.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flowsight.cost.allocate import BASES, allocate_lines, declaring_flows, flow_costs
from flowsight.cost.flags import criticality_findings, growth_findings, target_findings
from flowsight.cost.results import ComponentCost, CostReport, FlowCost, Share, Unattributed
from flowsight.cost.sources import FORMATS, Period, load_costs, month_of, period, previous_month
from flowsight.cost.usage import measure_usage
from flowsight.errors import UsageError
from flowsight.evaluate.base import Backend
from flowsight.model import Workload
from flowsight.telemetry.store import TelemetryStore

__all__ = [
    "BASES",
    "FORMATS",
    "ComponentCost",
    "CostReport",
    "FlowCost",
    "Share",
    "Unattributed",
    "allocate_costs",
    "declaring_flows",
    "periods_ending",
]


def periods_ending(month: str | None, months: int, now: datetime) -> list[Period]:
    """`months` consecutive calendar months ending with `month` (default: now's month)."""
    if months < 1:
        raise UsageError("--months must be at least 1")
    # At a month's first instant nothing of it has run yet: the default is the month before.
    names = [month or month_of(now - timedelta(microseconds=1))]
    while len(names) < months:
        names.insert(0, previous_month(names[0]))
    return [period(name, now) for name in names]


def _currency(workload: Workload) -> str:
    found = {f.targets.cost.currency for f in workload.flows if f.targets.cost}
    return found.pop() if len(found) == 1 else "USD"


def allocate_costs(
    workload: Workload,
    store: TelemetryStore | Backend,
    periods: list[Period],
    costs: str | Path | None = None,
    cost_format: str = "model",
    basis: str = "duration",
) -> CostReport:
    """Cost per flow and month from the costs and the work measured in the store."""
    if basis not in BASES:
        raise UsageError(f"unknown basis '{basis}'; use one of {', '.join(BASES)}")
    lines = load_costs(workload, periods, costs, cost_format)
    usage = measure_usage(workload, store, periods)
    components, unattributed = allocate_lines(workload, lines, usage, basis)
    flows = flow_costs(workload, components, usage, periods)
    currency = _currency(workload)
    findings = [f for cost in flows for f in target_findings(cost, currency)]
    findings += criticality_findings([f for f in flows if f.month == periods[-1].month], currency)
    findings += growth_findings(flows, {p.month: p.fraction for p in periods}, currency)
    return CostReport(
        [p.month for p in periods], basis, currency, flows, components, unattributed, findings
    )
