"""Spend out of line with what a flow is worth, as findings.

"Don't spend more than a flow is worth": a flow over its budget or its cost per
1,000 executions, a lower-criticality flow costing more than a higher one, and
a flow whose cost grew faster than its traffic month over month.
"""

from __future__ import annotations

from itertools import pairwise

from flowsight.cost.results import FlowCost
from flowsight.findings import Finding
from flowsight.model import CRITICALITY_RANK

#: Cost may outgrow traffic by this much before it is flagged (10 %).
GROWTH_TOLERANCE = 0.10


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def target_findings(cost: FlowCost, currency: str) -> list[Finding]:
    found = []
    if cost.over_budget and cost.monthly_budget is not None:
        found.append(
            Finding(
                "cost.over-budget",
                "warning",
                f"flow '{cost.flow}' costs {_money(cost.monthly_rate, currency)} a month in "
                f"{cost.month}, over its budget of {_money(cost.monthly_budget, currency)}",
                path=f"flows.{cost.flow}.targets.cost.monthly_budget",
            )
        )
    target = cost.per_1000_target
    if target is not None and cost.per_1000 is not None and cost.per_1000 > target:
        found.append(
            Finding(
                "cost.per-execution-over",
                "warning",
                f"flow '{cost.flow}' costs {_money(cost.per_1000, currency)} per 1,000 executions "
                f"in {cost.month}, over its target of {_money(target, currency)}",
                path=f"flows.{cost.flow}.targets.cost.per_1000_executions",
            )
        )
    return found


def criticality_findings(costs: list[FlowCost], currency: str) -> list[Finding]:
    """Each flow costing more than a more critical flow of the same month."""
    found = []
    for low in costs:
        pricier = [
            high.flow
            for high in costs
            if high.month == low.month
            and CRITICALITY_RANK[high.criticality] > CRITICALITY_RANK[low.criticality]
            and low.cost > high.cost
        ]
        if pricier:
            found.append(
                Finding(
                    "cost.criticality-order",
                    "warning",
                    f"{low.criticality}-criticality flow '{low.flow}' costs "
                    f"{_money(low.cost, currency)} in {low.month}, more than the more critical "
                    f"{', '.join(pricier)}",
                    path=f"flows.{low.flow}",
                    hint="a low-priority flow can run on a cheaper configuration (WAF CO:09)",
                )
            )
    return found


def growth_findings(
    costs: list[FlowCost], covered: dict[str, float], currency: str
) -> list[Finding]:
    """Month over month: cost growth beyond traffic growth, both as monthly rates.

    `covered` is the share of each month measured, so a running month compares fairly.
    """
    found = []
    months = sorted(covered)
    index = {(c.flow, c.month): c for c in costs}
    for before, after in pairwise(months):
        for cost in (c for c in costs if c.month == after):
            old = index.get((cost.flow, before))
            if old is None or old.monthly_rate <= 0 or old.executions == 0 or cost.executions == 0:
                continue
            cost_growth = cost.monthly_rate / old.monthly_rate
            traffic_growth = (cost.executions / covered[after]) / (old.executions / covered[before])
            if cost_growth > traffic_growth * (1 + GROWTH_TOLERANCE):
                found.append(
                    Finding(
                        "cost.grew-faster-than-traffic",
                        "warning",
                        f"flow '{cost.flow}' cost {_money(cost.monthly_rate, currency)} a month in "
                        f"{after}, {100 * (cost_growth - 1):+.0f} % on {before}, while its traffic "
                        f"changed {100 * (traffic_growth - 1):+.0f} %",
                        path=f"flows.{cost.flow}",
                    )
                )
    return found
