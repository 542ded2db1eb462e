"""User-centric: user flows promise users a response time."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding


@rule(
    "user-centric.latency-target",
    "user-centric",
    "warning",
    "Every user flow has a latency target.",
    "A user flow is judged by the person waiting for it; aligning with user expectations "
    "needs a stated response time (a percentile and a threshold) that tests and monitoring "
    "can hold the flow to. System flows are exempt.",
)
def latency_target(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        performance = flow.targets.performance
        if flow.kind == "user" and not (performance and performance.latency):
            yield ctx.finding(
                (*base, "targets", "performance"),
                f"user flow `{flow.id}` has no latency target",
                "add `targets.performance.latency: [{percentile: 95, threshold: 500ms}]`",
            )
