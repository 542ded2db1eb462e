"""Logical: every step is reachable, leads somewhere, and every loop has a way out.

The first step listed is the flow's entry; edges are `next`, branches and
`on_error` fallback steps.
"""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows, steps
from flowsight.findings import Finding
from flowsight.model import Flow


def successors(flow: Flow) -> dict[str, list[str]]:
    """Step id -> the steps it can continue at."""
    graph: dict[str, list[str]] = {}
    for step in flow.steps:
        targets = list(step.next) + [b.next for b in step.branches]
        targets += [h.fallback_step for h in step.on_error if h.fallback_step]
        graph[step.id] = [t for t in targets if flow.step(t) is not None]
    return graph


def reachable(graph: dict[str, list[str]], start: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, []))
    return seen


def can_finish(flow: Flow, graph: dict[str, list[str]]) -> set[str]:
    """Steps from which some end step is reachable (fixed point over the reversed graph)."""
    reverse: dict[str, list[str]] = {s: [] for s in graph}
    for node, targets in graph.items():
        for target in targets:
            reverse[target].append(node)
    return reachable(reverse, [s.id for s in flow.steps if s.end])


@rule(
    "logical.unreachable-step",
    "logical",
    "error",
    "Every step can be reached from the flow's first step.",
    "A step that no path reaches is either dead design or a missing `next`; either way the "
    "documented order of steps is not the order the flow can follow.",
)
def unreachable_step(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if not flow.steps:
            continue
        graph = successors(flow)
        seen = reachable(graph, [flow.steps[0].id])
        for step, at in steps(flow, base):
            if step.id not in seen:
                yield ctx.finding(
                    (*at, "id"),
                    f"step `{step.id}` of flow `{flow.id}` cannot be reached from its first "
                    f"step `{flow.steps[0].id}`",
                    "add it to the `next` or `branches` of an earlier step, or remove it",
                )


@rule(
    "logical.dead-end",
    "logical",
    "error",
    "Every step either continues or is marked as an end.",
    "A step with no `next`, no branches and no `end: true` leaves the flow nowhere: the "
    "design does not say whether the flow is done or forgot its next step.",
)
def dead_end(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        graph = successors(flow)
        for step, at in steps(flow, base):
            if not step.end and not graph[step.id]:
                yield ctx.finding(
                    at,
                    f"step `{step.id}` of flow `{flow.id}` is a dead end: no `next`, no "
                    "branches and not an end step",
                    "add `next:` or set `end: true` if the flow may finish here",
                )


@rule(
    "logical.cycle-without-exit",
    "logical",
    "error",
    "Every loop of steps has a way out to an end step.",
    "Loops are normal (a rejected card returns to the cart) but a loop from which no end step "
    "can be reached traps the user or the system forever.",
)
def cycle_without_exit(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        graph = successors(flow)
        finishing = can_finish(flow, graph)
        for step, at in steps(flow, base):
            in_cycle = step.id in reachable(graph, graph[step.id])
            if step.id in finishing or not in_cycle:
                continue
            yield ctx.finding(
                at,
                f"step `{step.id}` of flow `{flow.id}` loops without a way to an end step",
                "give one step of the loop a branch to an end step, or mark it `end: true`",
            )


@rule(
    "logical.branch-criterion",
    "logical",
    "warning",
    "Every decision branch states its criterion.",
    "The Azure Well-Architected guide asks to capture decision criteria and pathways; a branch without a criterion "
    "is a pathway nobody can test or explain.",
)
def branch_criterion(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        for step, at in steps(flow, base):
            for k, branch in enumerate(step.branches):
                if not (branch.criterion and branch.criterion.strip()):
                    yield ctx.finding(
                        (*at, "branches", k),
                        f"branch to `{branch.next}` in step `{step.id}` of flow `{flow.id}` "
                        "has no criterion",
                        "add `criterion:` saying when the flow takes this branch",
                    )
