"""Small helpers the rule modules share: walking flows with their dotted paths."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.load.source import PathKey
from flowsight.model import Flow, Step, Workload


def flows(workload: Workload) -> Iterator[tuple[Flow, PathKey]]:
    """Each flow with the path of its declaration, for located findings."""
    for i, flow in enumerate(workload.flows):
        yield flow, ("flows", i)


def steps(flow: Flow, base: PathKey) -> Iterator[tuple[Step, PathKey]]:
    for j, step in enumerate(flow.steps):
        yield step, (*base, "steps", j)


def flow_components(flow: Flow) -> set[str]:
    """Every component a flow touches, through its steps or its dependencies."""
    found = {c for step in flow.steps for c in step.components}
    found.update(d.component for d in flow.dependencies if d.component)
    return found
