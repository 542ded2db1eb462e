"""Proposed actions, most important first: by criticality, then urgency, then gap.

Urgency tiers: 2 a target is missed (availability, latency, security), 1 a
target is at risk or a signal is missing, 0 an optimization (cost). The gap is
how far off the flow is, in units of its own target: the error budget
overspent (1.0 = one whole budget over), latency over the threshold (0.5 = 50 %
slower), cost over the budget. A fix is proposed from the design where it can
be: a strong dependency without a fallback, or a dependency whose availability
caps the flow below its objective; a lower-criticality flow that keeps missing
a target its dependencies cannot reach gets "relax the target" instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flowsight.check.availability import Feasibility
from flowsight.cost.results import FlowCost
from flowsight.evaluate.results import FlowResult
from flowsight.findings import Finding
from flowsight.model import CRITICALITY_RANK, Flow, Workload

BREACHED, AT_RISK, OPTIMIZE = 2, 1, 0


@dataclass
class Action:
    flow: str
    criticality: str
    tier: int
    gap: float
    kind: str  # restore | add-fallback | raise-dependency | relax-target | cut-cost | ...
    text: str

    def key(self) -> tuple[int, int, float]:
        return (-CRITICALITY_RANK[self.criticality], -self.tier, -self.gap)


def _availability_fixes(
    flow: Flow, result: FlowResult, feasibility: Feasibility | None, repeated: bool
) -> list[tuple[str, str]]:
    """(kind, text) fixes from the design for a missed availability objective."""
    fixes = []
    if feasibility and feasibility.feasible is False:
        weakest = min(
            (d for d in feasibility.dependencies if d.effective is not None),
            key=lambda d: d.effective or 0,
            default=None,
        )
        if flow.criticality != "high" and repeated:
            fixes.append(
                (
                    "relax-target",
                    f"relax the {result.objective:g} % objective: its strong "
                    f"dependencies allow at most {feasibility.effective:.3f} %",
                )
            )
        elif weakest is not None:
            fixes.append(
                (
                    "raise-dependency",
                    f"raise {weakest.kind} '{weakest.target}' "
                    f"({weakest.effective:.3f} %) so the flow can reach {result.objective:g} %",
                )
            )
    for dependency in flow.dependencies:
        if dependency.strength == "strong" and dependency.fallback_flow is None:
            fixes.append(
                ("add-fallback", f"add a fallback for strong dependency '{dependency.target}'")
            )
            break
    return fixes


def _availability(
    flow: Flow, result: FlowResult, feasibility: Feasibility | None, repeated: bool
) -> list[Action]:
    budget = result.budget
    if budget is None or budget.remaining_ratio is None or result.availability is None:
        return []
    ratio = budget.remaining_ratio
    if ratio < 0:
        head = (
            f"restore availability: {result.availability:.3f} % against {result.objective:g} %, "
            f"error budget overspent by {100 * -ratio:.0f} %"
        )
        contact = result.escalation_path[0].id if result.escalation_path else None
        actions = [
            Action(
                flow.id,
                flow.criticality,
                BREACHED,
                -ratio,
                "restore",
                head + (f"; escalate to {contact}" if contact else ""),
            )
        ]
        actions += [
            Action(flow.id, flow.criticality, BREACHED, -ratio, kind, text)
            for kind, text in _availability_fixes(flow, result, feasibility, repeated)
        ]
        return actions
    if ratio < 0.25:
        return [
            Action(
                flow.id,
                flow.criticality,
                AT_RISK,
                1 - ratio,
                "protect-budget",
                f"only {100 * ratio:.0f} % of the error budget is left: slow down risky changes",
            )
        ]
    return []


def _other_pillars(flow: Flow, result: FlowResult) -> list[Action]:
    actions = []
    for latency in result.latency:
        if latency.met is False and latency.value_ms is not None:
            gap = latency.value_ms / latency.threshold_ms - 1
            actions.append(
                Action(
                    flow.id,
                    flow.criticality,
                    BREACHED,
                    gap,
                    "speed-up",
                    f"bring p{latency.percentile:g} latency from {math.ceil(latency.value_ms):,} ms "
                    f"under {latency.threshold_ms:,.0f} ms",
                )
            )
    security = result.security
    if security and security.violation:
        actions.append(
            Action(
                flow.id,
                flow.criticality,
                BREACHED,
                security.share or 0.0,
                "enforce-auth",
                f"require authentication: {security.unauthenticated} successful requests "
                "had no authenticated principal",
            )
        )
    for signal in result.signals:
        if signal.arriving is False:
            actions.append(
                Action(
                    flow.id,
                    flow.criticality,
                    AT_RISK,
                    0.0,
                    "restore-signal",
                    f"restore the '{signal.signal}' signal",
                )
            )
    return actions


def _cost(flow: Flow, cost: FlowCost | None) -> list[Action]:
    if cost is None or not cost.over_budget or cost.monthly_budget is None:
        return []
    gap = cost.monthly_rate / cost.monthly_budget - 1 if cost.monthly_budget else 1.0
    verb = "cut the cost of over-served low flow" if flow.criticality == "low" else "cut the cost"
    return [
        Action(
            flow.id,
            flow.criticality,
            OPTIMIZE,
            gap,
            "cut-cost",
            f"{verb}: {cost.monthly_rate:,.2f} a month against a budget of "
            f"{cost.monthly_budget:,.2f}",
        )
    ]


def propose_actions(
    flow: Flow,
    result: FlowResult | None,
    cost: FlowCost | None,
    feasibility: Feasibility | None,
    repeated: bool,
) -> list[Action]:
    """Every action for one flow; `repeated`: the objective was also missed last review."""
    actions = []
    if result is not None:
        actions += _availability(flow, result, feasibility, repeated)
        actions += _other_pillars(flow, result)
    actions += _cost(flow, cost)
    return actions


def prioritize(actions: list[Action]) -> list[Action]:
    return sorted(actions, key=Action.key)


def drift_actions(workload: Workload, drift: list[Finding]) -> list[Action]:
    """A model that no longer matches the traces is at risk: fix the model or the system."""
    actions = []
    for finding in drift:
        if finding.severity == "info" or not finding.path or not finding.path.startswith("flows["):
            continue
        index = int(finding.path[len("flows[") :].split("]", 1)[0])
        flow = workload.flows[index]
        actions.append(
            Action(flow.id, flow.criticality, AT_RISK, 0.0, "fix-drift", finding.message)
        )
    return actions
