"""Reliable: error handling on every step, resilience on critical dependencies."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flow_components, flows, steps
from flowsight.findings import Finding
from flowsight.model import Dependency, Flow, Workload

RESILIENT_ACTIONS = ("retry", "fallback")


@rule(
    "reliable.step-error-handling",
    "reliable",
    "warning",
    "Every step that calls a component has error handling.",
    "The Azure Well-Architected guide asks to build error handling and exception paths into flows; a step that calls "
    "a component and says nothing about its failure leaves the outcome to chance. "
    "`on_error: [{action: fail}]` is a valid, explicit answer.",
)
def step_error_handling(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        for step, at in steps(flow, base):
            if step.components and not step.on_error:
                yield ctx.finding(
                    (*at, "on_error"),
                    f"step `{step.id}` of flow `{flow.id}` calls "
                    f"{', '.join(step.components)} but has no error handling",
                    "add `on_error:` with retry, fallback, compensate or fail",
                )


def _touched_by(workload: Workload, dependency: Dependency) -> set[str]:
    """Components through which a flow reaches a dependency."""
    if dependency.component:
        return {dependency.component}
    target = workload.flow(dependency.target)
    return flow_components(target) if target else set()


def _resilient(workload: Workload, flow: Flow, dependency: Dependency) -> bool:
    """A fallback flow, or a retry/fallback on a step that reaches the dependency."""
    if dependency.fallback_flow:
        return True
    touched = _touched_by(workload, dependency)
    return any(
        handling.action in RESILIENT_ACTIONS
        for step in flow.steps
        if touched & set(step.components)
        for handling in step.on_error
    )


@rule(
    "reliable.strong-dependency-resilience",
    "reliable",
    "warning",
    "High-criticality flows have retry or fallback on their strong dependencies.",
    "A strong dependency takes a critical flow down with it; transient faults should be "
    "retried and lasting ones should have a fallback, or the flow's availability can be no "
    "better than the dependency's.",
)
def strong_dependency_resilience(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.criticality != "high":
            continue
        for k, dependency in enumerate(flow.dependencies):
            if dependency.strength == "strong" and not _resilient(ctx.workload, flow, dependency):
                yield ctx.finding(
                    (*base, "dependencies", k),
                    f"high-criticality flow `{flow.id}` has no retry or fallback on its strong "
                    f"dependency `{dependency.target}`",
                    "add `fallback_flow:` to the dependency, or a retry to the steps that call it",
                )


@rule(
    "reliable.recovery-objectives",
    "reliable",
    "warning",
    "High-criticality flows state their RTO and RPO.",
    "The WAF's business-impact assumptions for a critical flow include how fast it must "
    "recover (RTO) and how much data it may lose (RPO); without them recovery cannot be "
    "designed or tested.",
)
def recovery_objectives(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        reliability = flow.targets.reliability
        if flow.criticality != "high":
            continue
        missing = [
            name
            for name in ("rto", "rpo")
            if reliability is None or getattr(reliability, name) is None
        ]
        if missing:
            yield ctx.finding(
                (*base, "targets", "reliability"),
                f"high-criticality flow `{flow.id}` has no {' and no '.join(missing).upper()}",
                "add `rto:` and `rpo:` (durations such as 15m) to `targets.reliability`",
            )


@rule(
    "reliable.availability-target",
    "reliable",
    "warning",
    "Medium and high criticality flows have an availability objective.",
    "The Azure Well-Architected guide: assess each flow's importance and set reliability targets accordingly. A flow "
    "that matters to the business without an objective cannot be measured, budgeted or "
    "checked for feasibility.",
)
def availability_target(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.criticality != "low" and flow.targets.reliability is None:
            yield ctx.finding(
                (*base, "targets"),
                f"{flow.criticality}-criticality flow `{flow.id}` has no availability objective",
                "add `targets.reliability.availability` (e.g. 99.9) and its schedule",
            )
