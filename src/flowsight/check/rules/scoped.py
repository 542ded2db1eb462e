"""Scoped: a flow has a distinct start and end, and knows which use case it serves."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding


@rule(
    "scoped.boundary-events",
    "scoped",
    "warning",
    "A flow has a start event and an end event.",
    "The events that start and end a flow are its boundaries; without them nobody can say "
    "where the flow's measurements begin or what counts as done. A flow may inherit them "
    "from its use case.",
)
def boundary_events(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        use_case = ctx.workload.use_case(flow.use_case) if flow.use_case else None
        for name in ("start_event", "end_event"):
            if getattr(flow, name) or (use_case and getattr(use_case, name)):
                continue
            yield ctx.finding(
                (*base, name),
                f"flow `{flow.id}` has no {name.replace('_', ' ')} (nor does its use case)",
                f"add `{name}:` describing the event that {name[:-6]}s the flow",
            )


@rule(
    "scoped.steps",
    "scoped",
    "warning",
    "A flow lists its steps.",
    "A flow without steps has boundaries but no path between them: the logical, defined "
    "and reliable reviews have nothing to check and telemetry cannot be attributed to a step.",
)
def has_steps(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if not flow.steps:
            yield ctx.finding(
                (*base, "steps"),
                f"flow `{flow.id}` has no steps",
                "outline each action of the flow as a step with a trigger and components",
            )


@rule(
    "scoped.use-case",
    "scoped",
    "warning",
    "A flow names the use case it supports.",
    "The Azure Well-Architected guide's prerequisite to documenting a flow is identifying the use case (and business "
    "process) it supports: the use case carries its purpose, criticality, consumers and "
    "execution profile.",
)
def names_use_case(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.use_case is None:
            yield ctx.finding(
                base,
                f"flow `{flow.id}` names no use case",
                "add `use_case:` with the id of a declared use case",
            )
