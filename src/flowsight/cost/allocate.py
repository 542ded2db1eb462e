"""Divide each component's cost among flows by the work each flow caused.

Measured components (span rules or a service) are shared by span duration, or
span count with `basis="count"`; the work of spans in no flow's trace is the
unattributed part. Components nothing measures are shared by the executions of
the flows that declare them (steps or dependencies). Whatever cannot be shared
this way (no spans, no declaring flow, no traffic, an unmapped charge) is
reported as unattributed with its reason: never spread over the flows.
"""

from __future__ import annotations

from collections import defaultdict

from flowsight.cost.results import ComponentCost, FlowCost, Share, Unattributed
from flowsight.cost.sources.base import CostLine, Period
from flowsight.cost.usage import Usage, Work, measured
from flowsight.model import Component, Workload

BASES = ("duration", "count")


def declaring_flows(workload: Workload, component_id: str) -> list[str]:
    """Flows whose steps or dependencies name the component, in declaration order."""
    return [
        flow.id
        for flow in workload.flows
        if any(component_id in step.components for step in flow.steps)
        or any(dep.component == component_id for dep in flow.dependencies)
    ]


def _amount(work: Work, basis: str) -> float:
    return float(work.duration_ns if basis == "duration" else work.spans)


def _by_spans(component: Component, line: CostLine, usage: Usage, basis: str) -> ComponentCost:
    works = usage.work.get((line.month, component.id), {})
    total = sum(_amount(w, basis) for w in works.values())
    if total <= 0:
        return ComponentCost(
            component.id,
            line.month,
            line.cost,
            "none",
            [],
            line.cost,
            f"no span of the component was recorded in {line.month}",
        )
    shares = [
        Share(
            flow,
            _amount(work, basis) / total,
            line.cost * _amount(work, basis) / total,
            work.spans,
            work.duration_ns / 1e9,
            usage.executions.get((line.month, flow), 0),
        )
        for flow, work in sorted(works.items(), key=lambda kv: str(kv[0]))
        if flow is not None
    ]
    rest = line.cost - sum(s.amount for s in shares)
    reason = "spans in traces that no flow's entry span claimed" if rest > 1e-9 else None
    return ComponentCost(component.id, line.month, line.cost, "spans", shares, rest, reason)


def _by_executions(
    workload: Workload, component: Component, line: CostLine, usage: Usage
) -> ComponentCost:
    flows = declaring_flows(workload, component.id)
    if not flows:
        return ComponentCost(
            component.id,
            line.month,
            line.cost,
            "none",
            [],
            line.cost,
            "no span rule measures it and no flow declares it",
        )
    counts = {f: usage.executions.get((line.month, f), 0) for f in flows}
    total = sum(counts.values())
    if total == 0:
        return ComponentCost(
            component.id,
            line.month,
            line.cost,
            "none",
            [],
            line.cost,
            f"the flows declaring it ({', '.join(flows)}) had no executions in {line.month}",
        )
    shares = [Share(f, n / total, line.cost * n / total, 0, 0.0, n) for f, n in counts.items() if n]
    return ComponentCost(component.id, line.month, line.cost, "executions", shares, 0.0)


def allocate_lines(
    workload: Workload, lines: list[CostLine], usage: Usage, basis: str
) -> tuple[list[ComponentCost], list[Unattributed]]:
    """Each cost line shared out; unmapped lines and unshared rests become Unattributed."""
    components, unattributed = [], []
    for line in lines:
        component = workload.component(line.component) if line.component else None
        if component is None:
            unattributed.append(
                Unattributed(line.month, line.label, None, line.cost, "not mapped to a component")
            )
            continue
        if measured(component):
            result = _by_spans(component, line, usage, basis)
        else:
            result = _by_executions(workload, component, line, usage)
        components.append(result)
        if result.unattributed > 1e-9:
            unattributed.append(
                Unattributed(
                    line.month,
                    component.id,
                    component.id,
                    result.unattributed,
                    result.reason or "",
                )
            )
    return components, unattributed


def flow_costs(
    workload: Workload, components: list[ComponentCost], usage: Usage, periods: list[Period]
) -> list[FlowCost]:
    """Per flow and month: the sum of its shares, per 1,000 executions, against its targets."""
    charged: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for component in components:
        for share in component.shares:
            charged[(component.month, share.flow)][component.component] += share.amount
    out = []
    for period in periods:
        for flow in workload.flows:
            parts = dict(charged.get((period.month, flow.id), {}))
            cost = sum(parts.values())
            executions = usage.executions.get((period.month, flow.id), 0)
            target = flow.targets.cost
            out.append(
                FlowCost(
                    flow.id,
                    flow.name,
                    flow.criticality,
                    period.month,
                    cost,
                    cost / period.fraction if period.fraction > 0 else cost,
                    executions,
                    cost * 1000 / executions if executions else None,
                    target.monthly_budget if target else None,
                    target.per_1000_executions if target else None,
                    parts,
                )
            )
    return out
