"""Consistency: objectives follow criticality, and strong dependencies are no weaker."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding
from flowsight.model import Flow


@rule(
    "consistency.criticality-order",
    "consistency",
    "warning",
    "A more critical flow's availability objective is not below a less critical one's.",
    "The Azure Well-Architected guide: higher criticality flows require more stringent reliability targets. A high "
    "flow targeted below a medium one says the ratings or the targets are wrong.",
)
def criticality_order(ctx: RuleContext) -> Iterator[Finding]:
    targeted = [
        (flow, base, reliability.availability)
        for flow, base in flows(ctx.workload)
        if (reliability := flow.targets.reliability)
    ]
    # The most demanding objective per criticality rank: one pass, not flows x flows.
    best_by_rank: dict[int, tuple[float, Flow]] = {}
    for flow, _, objective in targeted:
        if flow.rank not in best_by_rank or objective > best_by_rank[flow.rank][0]:
            best_by_rank[flow.rank] = (objective, flow)
    for flow, base, objective in targeted:
        higher = [
            pair for rank, pair in best_by_rank.items() if rank < flow.rank and pair[0] > objective
        ]
        if higher:
            top_objective, top = max(higher, key=lambda pair: pair[0])
            yield ctx.finding(
                (*base, "targets", "reliability", "availability"),
                f"{flow.criticality}-criticality flow `{flow.id}` targets {objective:g}%, below "
                f"{top.criticality}-criticality flow `{top.id}` ({top_objective:g}%)",
                "raise this objective or revisit the criticality ratings",
            )


@rule(
    "consistency.dependency-criticality",
    "consistency",
    "warning",
    "A flow's strong flow dependency has no lower criticality or objective than the flow.",
    "FMA guidance: the targets of strong dependencies must align with the flow's. A flow "
    "cannot be more critical, or promise more, than a flow it cannot work without.",
)
def dependency_criticality(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        for k, dependency in enumerate(flow.dependencies):
            target = ctx.workload.flow(dependency.flow) if dependency.flow else None
            if target is None or dependency.strength != "strong":
                continue
            at = (*base, "dependencies", k)
            if target.rank < flow.rank:
                yield ctx.finding(
                    at,
                    f"{flow.criticality}-criticality flow `{flow.id}` strongly depends on "
                    f"{target.criticality}-criticality flow `{target.id}`",
                    f"raise `{target.id}` to {flow.criticality} criticality, or make the "
                    "dependency weak with a fallback",
                )
            mine, theirs = flow.targets.reliability, target.targets.reliability
            if mine and theirs and theirs.availability < mine.availability:
                yield ctx.finding(
                    at,
                    f"flow `{flow.id}` targets {mine.availability:g}% but strongly depends on "
                    f"`{target.id}`, which targets only {theirs.availability:g}%",
                    f"raise `{target.id}`'s objective or lower this one",
                )
