"""Defined: every step says what triggers it."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows, steps
from flowsight.findings import Finding


@rule(
    "defined.step-trigger",
    "defined",
    "warning",
    "Every step has its trigger or condition.",
    "The Azure Well-Architected guide asks for specific conditions that trigger or guide each step, so the flow "
    "responds accurately to user input, data changes or system state; a step without one "
    "cannot be tested or attributed in telemetry.",
)
def step_trigger(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        for step, at in steps(flow, base):
            if not (step.trigger and step.trigger.strip()):
                yield ctx.finding(
                    (*at, "trigger"),
                    f"step `{step.id}` of flow `{flow.id}` has no trigger",
                    "add `trigger:` with the event or condition that starts the step",
                )
