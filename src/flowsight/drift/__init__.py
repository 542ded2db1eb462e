"""Where the model and the running system part (`flowsight drift`).

The spans of the window are observed once (`flowsight.discover.observe`) with the
workload's own attribution (the SQL `evaluate` uses) and its components' span rules
(the SQL `cost` uses), so a route, flow, step or dependency means here what it means
on every other surface. The `drift.*` rules then compare that with the model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flowsight.cost.usage import component_condition
from flowsight.discover.observe import Grouping, Observation, observe_store
from flowsight.evaluate.base import QueryPlan
from flowsight.evaluate.duckdb import DIALECT
from flowsight.evaluate.sql import flow_case, step_case
from flowsight.findings import Finding, sort_findings
from flowsight.load import LoadedWorkload
from flowsight.model import Workload
from flowsight.slo.attribution import attribution_rules
from flowsight.telemetry.store import TelemetryStore


@dataclass
class Measured:
    """The observation folded onto the model's flows, steps and components."""

    observation: Observation
    flows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    steps: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    #: flow -> component -> [spans, bad]
    uses: dict[str, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(dict))
    #: component -> [spans, bad], over every trace
    components: dict[str, list[int]] = field(default_factory=dict)
    #: flow -> (attribute, target) -> calls that no component's span rules match
    strangers: dict[str, dict[tuple[str, str], int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    #: (flow, from step, to step) -> consecutive entries of one user
    moves: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))


def grouping(workload: Workload) -> Grouping:
    attributes, routes = attribution_rules(workload)
    plan = QueryPlan(0, 0, attributes, routes, {}, {})
    conditions = tuple(
        (c.id, sql) for c in workload.components if (sql := component_condition(c)) is not None
    )
    return Grouping(
        flow=flow_case(plan, DIALECT),
        group="flow",
        step=step_case(plan, DIALECT),
        components=conditions,
        shape=False,
    )


def _traced_services(workload: Workload) -> set[str]:
    """Services whose own spans some component's rules describe."""
    found = {c.service for c in workload.components if c.service and not c.spans}
    found.update(r.service for c in workload.components for r in c.spans if r.service)
    return found


def fold(observation: Observation, workload: Workload) -> Measured:
    measured = Measured(observation)
    described = _traced_services(workload)
    for entry in observation.entries:
        if entry.key.group is not None:
            measured.flows[entry.key.group] += entry.count
            if entry.key.step is not None:
                measured.steps[(entry.key.group, entry.key.step)] += entry.count
    for work in observation.work:
        total = measured.components.setdefault(work.component, [0, 0])
        total[0] += work.spans
        total[1] += work.bad
        if work.entry is not None and work.entry.group is not None:
            used = measured.uses[work.entry.group].setdefault(work.component, [0, 0])
            used[0] += work.spans
            used[1] += work.bad
    for call in observation.calls:
        known = call.components or (call.attribute == "service" and call.target in described)
        if call.entry.group is not None and not known:
            measured.strangers[call.entry.group][(call.attribute, call.target)] += call.calls
    for a, b, count in observation.transitions:
        same_flow = a.group is not None and a.group == b.group
        if same_flow and a.step and b.step and a.step != b.step:
            measured.moves[(str(a.group), a.step, b.step)] += count
    return measured


def measure_drift(
    workload: Workload, store: TelemetryStore, start: datetime, end: datetime
) -> Measured:
    """The model's flows, steps and components as the traces of [start, end) show them."""
    observation = observe_store(
        store,
        int(start.timestamp() * 1_000_000_000),
        int(end.timestamp() * 1_000_000_000),
        grouping(workload),
    )
    return fold(observation, workload)


def detect_drift(
    loaded: LoadedWorkload, store: TelemetryStore, start: datetime, end: datetime
) -> list[Finding]:
    """Every `drift.*` finding for the window, most severe first."""
    from flowsight.drift.rules import run_drift_rules

    measured = measure_drift(loaded.workload, store, start, end)
    return sort_findings(run_drift_rules(loaded, measured))
