"""Maintainable: steps name their components; shared components are visible."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flow_components, flows, steps
from flowsight.findings import Finding


@rule(
    "maintainable.step-components",
    "maintainable",
    "warning",
    "Every step names the components it uses.",
    "Modular design starts with knowing which component each step touches: without it a "
    "change to a component cannot be traced to the flows and steps it affects.",
)
def step_components(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        for step, at in steps(flow, base):
            if not step.components:
                yield ctx.finding(
                    (*at, "components"),
                    f"step `{step.id}` of flow `{flow.id}` names no components",
                    "list the components the step calls under `components:`",
                )


@rule(
    "maintainable.shared-blast-radius",
    "maintainable",
    "info",
    "A component carrying several high-criticality flows is reported as a shared blast radius.",
    "A component that several critical flows use cannot be modified without affecting all of "
    "them; the Azure Well-Architected guide asks for components you can change without affecting the entire workload. "
    "Sharing is often right, but it should be a decision, with the change and failure risk "
    "known.",
)
def shared_blast_radius(ctx: RuleContext) -> Iterator[Finding]:
    high = [f for f in ctx.workload.flows if f.criticality == "high"]
    for i, component in enumerate(ctx.workload.components):
        users = sorted(f.id for f in high if component.id in flow_components(f))
        if len(users) >= 2:
            yield ctx.finding(
                ("components", i),
                f"component `{component.id}` carries {len(users)} high-criticality flows "
                f"({', '.join(users)}): a failure or change there hits all of them",
                "make sure its SLA, redundancy and change process match the most demanding "
                "of these flows, or split it",
            )
