"""Efficient: every flow has a cost target, and money follows criticality."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding
from flowsight.model import Flow


@rule(
    "efficient.cost-target",
    "efficient",
    "warning",
    "Every flow has a cost target.",
    "Efficient use of resources without over-provisioning needs a budget to compare against; "
    "a flow without one cannot be judged efficient or wasteful.",
)
def cost_target(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        cost = flow.targets.cost
        if cost is None or (cost.monthly_budget is None and cost.per_1000_executions is None):
            yield ctx.finding(
                (*base, "targets", "cost"),
                f"flow `{flow.id}` has no cost target",
                "add `targets.cost.monthly_budget` or `per_1000_executions`",
            )


@rule(
    "efficient.budget-order",
    "efficient",
    "warning",
    "A lower-criticality flow is not budgeted above a higher-criticality one.",
    "Cost optimization aligns the cost of each flow with its priority: don't spend more on a "
    "flow than it is worth. A less critical flow with a larger monthly budget than a more "
    "critical one is either over-provisioned or the criticality is wrong.",
)
def budget_order(ctx: RuleContext) -> Iterator[Finding]:
    budgeted = [
        (flow, base, cost.monthly_budget, cost.currency)
        for flow, base in flows(ctx.workload)
        if (cost := flow.targets.cost) and cost.monthly_budget is not None
    ]
    # The smallest budget per (criticality rank, currency): one pass, not flows x flows.
    cheapest_by_rank: dict[tuple[int, str], tuple[float, Flow]] = {}
    for flow, _, budget, currency in budgeted:
        key = (flow.rank, currency)
        if key not in cheapest_by_rank or budget < cheapest_by_rank[key][0]:
            cheapest_by_rank[key] = (budget, flow)
    for flow, base, budget, currency in budgeted:
        above = [
            pair
            for (rank, other_currency), pair in cheapest_by_rank.items()
            if rank > flow.rank and other_currency == currency and pair[0] < budget
        ]
        if above:
            cheapest_budget, cheapest = min(above, key=lambda pair: pair[0])
            yield ctx.finding(
                (*base, "targets", "cost", "monthly_budget"),
                f"{flow.criticality}-criticality flow `{flow.id}` is budgeted {budget:g} "
                f"{currency}/month, above {cheapest.criticality}-criticality flow "
                f"`{cheapest.id}` ({cheapest_budget:g} {currency}/month)",
                "lower this budget, raise the other's, or revisit the criticality ratings",
            )
