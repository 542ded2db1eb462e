"""Scalable: the load a flow must carry is known, and its throughput target covers it."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding


@rule(
    "scalable.execution-profile",
    "scalable",
    "warning",
    "The flow's use case gives its expected and peak execution rate.",
    "The Azure Well-Architected guide asks to understand the operational frequency and variability of a use case to "
    "anticipate load; without expected and peak rates nobody can size the flow or write its "
    "load test.",
)
def execution_profile(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        use_case = ctx.workload.use_case(flow.use_case) if flow.use_case else None
        execution = use_case.execution if use_case else None
        if execution and execution.expected_per_minute is not None and execution.peak_per_minute:
            continue
        where = (
            ("use_cases", ctx.workload.use_cases.index(use_case), "execution")
            if use_case
            else (*base, "use_case")
        )
        yield ctx.finding(
            where,
            f"flow `{flow.id}` has no execution profile with expected and peak rates"
            + (f" (use case `{use_case.id}`)" if use_case else " (it names no use case)"),
            "add `execution: {expected_per_minute: N, peak_per_minute: M}` to its use case",
        )


@rule(
    "scalable.throughput-below-peak",
    "scalable",
    "warning",
    "A flow's throughput target is not below its use case's peak rate.",
    "A throughput target below the known peak plans for the flow to fail exactly when it is "
    "busiest; the target should cover the peak (the load test then proves it).",
)
def throughput_below_peak(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        performance = flow.targets.performance
        use_case = ctx.workload.use_case(flow.use_case) if flow.use_case else None
        peak = use_case.execution.peak_per_minute if use_case and use_case.execution else None
        target = performance.throughput_per_minute if performance else None
        if peak is not None and target is not None and target < peak:
            yield ctx.finding(
                (*base, "targets", "performance", "throughput_per_minute"),
                f"flow `{flow.id}` targets {target:g}/min, below its use case's peak of "
                f"{peak:g}/min",
                f"raise `throughput_per_minute` to at least {peak:g}",
            )
