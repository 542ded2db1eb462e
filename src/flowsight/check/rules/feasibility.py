"""Feasibility: objectives the dependencies can carry, over the hours they apply.

The numbers come from `flowsight.check.availability` and
`flowsight.check.budgets`, which `docs` uses too.
"""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.calendar import format_minutes
from flowsight.check.availability import (
    Feasibility,
    flow_feasibility,
    format_percent,
    one_more_nine,
    serial,
)
from flowsight.check.base import RuleContext, rule
from flowsight.check.budgets import flow_budget, uncovered_hours_per_week
from flowsight.check.rules._common import flows
from flowsight.findings import Finding


def _chain(result: Feasibility) -> str:
    return " x ".join(
        f"{d.target} {format_percent(d.availability)}%"
        for d in result.dependencies
        if d.availability is not None
    )


def _with_one_more_nine(result: Feasibility) -> float:
    """The composite if every strong dependency got one more nine than the objective."""
    goal = one_more_nine((result.objective or 0) / 100)
    return 100 * serial(max(goal, (d.effective or 0) / 100) for d in result.dependencies)


def _hint(result: Feasibility) -> str:
    count = len(result.dependencies)
    share = result.dependencies[0].needed_equal_share or 0
    nine = result.one_more_nine or 0
    return (
        f"each of its {count} strong dependencies would need {format_percent(share)}% "
        f"(one more nine, {format_percent(nine)}% each, allows "
        f"{format_percent(_with_one_more_nine(result))}%); or add a fallback_flow, add "
        f"redundant instances, or lower the objective to {format_percent(result.effective or 0)}%"
    )


@rule(
    "feasibility.objective-above-ceiling",
    "feasibility",
    "warning",
    "A flow's availability objective is not above what its strong dependencies allow.",
    "Serial dependencies multiply: a flow that needs two 99.9% flows can reach at most about "
    "99.8%. An objective above that ceiling is a promise the design cannot keep; raise the "
    "dependencies (one more nine), add fallbacks or redundancy, or lower the objective.",
)
def objective_above_ceiling(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        result = flow_feasibility(ctx.workload, flow)
        if result.feasible is False:
            yield ctx.finding(
                (*base, "targets", "reliability", "availability"),
                f"flow `{flow.id}` targets {format_percent(result.objective or 0)}% but its "
                f"strong dependencies allow at most {format_percent(result.effective or 0)}% "
                f"({_chain(result)})",
                _hint(result),
            )


@rule(
    "feasibility.fallback-effect",
    "feasibility",
    "info",
    "Reports how much a fallback raises a flow's effective availability.",
    "A fallback alternative combines with the dependency as 1 - (1 - a)(1 - b); showing the "
    "availability with and without it tells whether the fallback is worth maintaining. "
    "Failures are assumed independent, so shared components make the real gain smaller.",
)
def fallback_effect(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        result = flow_feasibility(ctx.workload, flow)
        fallbacks = [d for d in result.dependencies if d.fallback_availability is not None]
        if not fallbacks or result.ceiling is None or result.effective is None:
            continue
        k = next(i for i, d in enumerate(flow.dependencies) if d.fallback_flow)
        names = ", ".join(f"`{d.target}` -> `{d.fallback_flow}`" for d in fallbacks)
        yield ctx.finding(
            (*base, "dependencies", k, "fallback_flow"),
            f"flow `{flow.id}`: fallback ({names}) raises its effective availability from "
            f"{format_percent(result.ceiling)}% to {format_percent(result.effective)}%",
            None,
        )


@rule(
    "feasibility.unknown-availability",
    "feasibility",
    "info",
    "Every strong dependency has a number: a component SLA or a flow objective.",
    "A strong dependency without an SLA or objective is left out of the composite, so the "
    "ceiling reported for the flow is optimistic.",
)
def unknown_availability(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        result = flow_feasibility(ctx.workload, flow)
        for target in result.unknown:
            k = next(i for i, d in enumerate(flow.dependencies) if d.target == target)
            yield ctx.finding(
                (*base, "dependencies", k),
                f"strong dependency `{target}` of flow `{flow.id}` has no SLA or objective; "
                "it is left out of the flow's composite availability",
                "give the component an `sla:` or the flow a `targets.reliability`",
            )


@rule(
    "feasibility.schedule-coverage",
    "feasibility",
    "warning",
    "A flow's strong flow dependency is targeted at least over the flow's own schedule.",
    "An objective only covers its schedule: a 99.9% extended-hours flow cannot lean on a flow "
    "targeted only in business hours, because nothing is promised for the evenings.",
)
def schedule_coverage(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.targets.reliability is None:
            continue
        needed = ctx.workload.flow_schedule(flow)
        for k, dependency in enumerate(flow.dependencies):
            target = ctx.workload.flow(dependency.flow) if dependency.flow else None
            if target is None or dependency.strength != "strong":
                continue
            if target.targets.reliability is None:
                gap_text = "has no objective at all"
            else:
                offered = ctx.workload.flow_schedule(target)
                gap = uncovered_hours_per_week(needed, offered)
                if gap < 0.05:
                    continue
                gap_text = f"is targeted over `{offered.id}`, leaving {gap:.1f} h a week uncovered"
            yield ctx.finding(
                (*base, "dependencies", k),
                f"flow `{flow.id}` (objective over `{needed.id}`) strongly depends on "
                f"`{target.id}`, which {gap_text}",
                f"target `{target.id}` over `{needed.id}` or a wider schedule",
            )


@rule(
    "feasibility.downtime-budget",
    "feasibility",
    "info",
    "Reports the downtime each objective allows, counted inside its schedule.",
    "Downtime = (1 - A) x the time the objective applies. A 95% business-hours target allows "
    "far less than the 36 h a month of wall time the same percentage allows around the clock.",
)
def downtime_budget(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        budget = flow_budget(ctx.workload, flow)
        if budget is None:
            continue
        yield ctx.finding(
            (*base, "targets", "reliability"),
            f"flow `{flow.id}`: {format_percent(budget.objective)}% over `{budget.schedule}` "
            f"({budget.open_hours_per_week:g} h a week) allows "
            f"{format_minutes(budget.per_week_minutes)} of downtime a week and "
            f"{format_minutes(budget.per_month_minutes)} a month inside the schedule "
            f"({format_minutes(budget.wall_clock_per_month_minutes)} of wall time a month)",
            None,
        )
