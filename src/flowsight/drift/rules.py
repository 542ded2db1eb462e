"""The `drift.*` rules: the model against what the traces of a window show.

Each rule is registered like a design-review rule (id, practice, severity, rationale,
so `explain` and SARIF know it) but in its own registry: `check` reads only the YAML,
drift needs the measurements too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flowsight.check.availability import flow_feasibility, format_percent
from flowsight.check.base import Rule, RuleContext
from flowsight.check.rules._common import flow_components, flows, steps
from flowsight.cost.usage import component_condition
from flowsight.cost.usage import measured as is_measured
from flowsight.drift import Measured
from flowsight.drift.stats import CONFIDENCE, availability_upper, below_objective
from flowsight.findings import Finding, Severity
from flowsight.load import LoadedWorkload

#: Observations below this many moves between two steps contradict no declared order.
MIN_MOVES = 5
#: At most this many unclaimed routes are listed one by one.
MAX_UNCLAIMED = 20

DRIFT_REGISTRY: dict[str, Rule] = {}


@dataclass
class DriftContext(RuleContext):
    measured: Measured | None = None

    @property
    def m(self) -> Measured:
        assert self.measured is not None
        return self.measured


DriftFunction = Callable[[DriftContext], Iterable[Finding]]


def drift_rule(
    rule_id: str, practice: str, severity: Severity, summary: str, rationale: str
) -> Callable[[DriftFunction], DriftFunction]:
    def register(function: DriftFunction) -> DriftFunction:
        DRIFT_REGISTRY[rule_id] = Rule(rule_id, practice, severity, summary, rationale, function)  # type: ignore[arg-type]
        return function

    return register


def run_drift_rules(loaded: LoadedWorkload, measured: Measured) -> list[Finding]:
    findings: list[Finding] = []
    for rule_id, registered in sorted(DRIFT_REGISTRY.items()):
        if loaded.workload.rules.get(rule_id) == "off":
            continue
        setting = loaded.workload.rules.get(rule_id)
        ctx = DriftContext(loaded, registered, measured)
        for finding in registered.function(ctx):
            findings.append(finding if setting is None else _with(finding, setting))
    return findings


def _with(finding: Finding, severity: str) -> Finding:
    from dataclasses import replace

    return replace(finding, severity=severity)  # type: ignore[arg-type]


@drift_rule(
    "drift.unclaimed-route",
    "scoped",
    "warning",
    "Every entry point with traffic belongs to a flow.",
    "A route, consumer or job that receives traffic but that no flow's telemetry mapping "
    "claims is work nobody measures: its failures count against no target and page nobody. "
    "Either it is a new step of an existing flow, a new flow, or it should be retired.",
)
def unclaimed_route(ctx: DriftContext) -> Iterator[Finding]:
    unclaimed = [e for e in ctx.m.observation.entries if e.key.group is None]
    unclaimed.sort(key=lambda e: (-e.count, e.key.label()))
    for entry in unclaimed[:MAX_UNCLAIMED]:
        yield ctx.finding(
            ("flows",),
            f"{entry.key.label()} received {entry.count} requests that no flow claims",
            "add a route rule (telemetry.routes) to the flow it belongs to, or a new flow",
        )
    if len(unclaimed) > MAX_UNCLAIMED:
        rest = sum(e.count for e in unclaimed[MAX_UNCLAIMED:])
        yield ctx.finding(
            ("flows",),
            f"{len(unclaimed) - MAX_UNCLAIMED} more unclaimed entry points ({rest} requests)",
        )


@drift_rule(
    "drift.idle-flow",
    "scoped",
    "warning",
    "Every flow with a telemetry mapping has traffic.",
    "A flow whose mapping claims no span in the window is either not running or mapped to "
    "routes that no longer exist; either way its targets are judged on nothing.",
)
def idle_flow(ctx: DriftContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.telemetry and ctx.m.flows.get(flow.id, 0) == 0:
            yield ctx.finding(
                (*base, "telemetry"),
                f"flow `{flow.id}` had no traffic in the window",
                "check its routes against the service's current routes (a rename?)",
            )


def _attributes_steps(flow_telemetry: object) -> bool:
    routes = getattr(flow_telemetry, "routes", [])
    return bool(getattr(flow_telemetry, "step_attribute", None)) or any(r.step for r in routes)


@drift_rule(
    "drift.idle-step",
    "logical",
    "warning",
    "Every step of a flow with traffic has traffic.",
    "A step that no span reaches while its flow runs was removed from the system, renamed, "
    "or is mapped wrongly; the model then describes a flow that no longer exists.",
)
def idle_step(ctx: DriftContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if not flow.telemetry or not _attributes_steps(flow.telemetry):
            continue
        if ctx.m.flows.get(flow.id, 0) == 0:
            continue
        for step, at in steps(flow, base):
            if ctx.m.steps.get((flow.id, step.id), 0) == 0:
                yield ctx.finding(
                    (*at, "id"),
                    f"step `{step.id}` of flow `{flow.id}` had no traffic while the flow ran",
                    "remove the step if the system no longer has it, or fix its route rule",
                )


def _declared_paths(flow_index: int, ctx: DriftContext) -> dict[str, tuple[str | int, ...]]:
    flow = ctx.workload.flows[flow_index]
    base: tuple[str | int, ...] = ("flows", flow_index)
    paths: dict[str, tuple[str | int, ...]] = {}
    for j, dep in enumerate(flow.dependencies):
        if dep.component:
            paths.setdefault(dep.component, (*base, "dependencies", j, "component"))
    for step, at in steps(flow, base):
        for k, cid in enumerate(step.components):
            paths.setdefault(cid, (*at, "components", k))
    return paths


@drift_rule(
    "drift.unobserved-dependency",
    "maintainable",
    "warning",
    "A declared dependency that spans can show is seen in the flow's traces.",
    "When a component has span rules (or a service) and the flow ran, yet none of its spans "
    "appear in the flow's traces, the flow no longer calls it: the model's composite "
    "availability and cost shares are computed from a dependency that is not there.",
)
def unobserved_dependency(ctx: DriftContext) -> Iterator[Finding]:
    for i, flow in enumerate(ctx.workload.flows):
        if ctx.m.flows.get(flow.id, 0) == 0:
            continue
        used = ctx.m.uses.get(flow.id, {})
        for cid, path in _declared_paths(i, ctx).items():
            component = ctx.workload.component(cid)
            if component is None or not is_measured(component) or cid in used:
                continue
            yield ctx.finding(
                path,
                f"flow `{flow.id}` declares `{cid}`, but none of its spans appear in the "
                f"flow's {ctx.m.flows[flow.id]} traces",
                "remove the dependency if the flow no longer calls it, or fix the "
                "component's span rules",
            )


def _twins(ctx: DriftContext) -> dict[str, set[str]]:
    """Components whose span rules are the same: spans cannot tell them apart (e.g. a web
    app and an API served by one service), so declaring one covers the others."""
    by_rule: dict[str, set[str]] = {}
    for component in ctx.workload.components:
        rule = component_condition(component)
        if rule is not None:
            by_rule.setdefault(rule, set()).add(component.id)
    return {cid: same for same in by_rule.values() for cid in same}


@drift_rule(
    "drift.undeclared-dependency",
    "maintainable",
    "warning",
    "Every downstream call the flow's traces show is declared.",
    "A call the traces show but the model omits is a dependency nobody designed for: it is "
    "missing from the composite availability, the cost shares and the escalation context. "
    "Components whose span rules are identical cannot be told apart in traces, so "
    "declaring one of them covers all.",
)
def undeclared_dependency(ctx: DriftContext) -> Iterator[Finding]:
    twins = _twins(ctx)
    for i, flow in enumerate(ctx.workload.flows):
        declared = {twin for cid in flow_components(flow) for twin in twins.get(cid, {cid})}
        for cid, (spans_seen, _) in sorted(ctx.m.uses.get(flow.id, {}).items()):
            if cid not in declared:
                yield ctx.finding(
                    ("flows", i, "dependencies"),
                    f"flow `{flow.id}`'s traces hold {spans_seen} spans of component `{cid}`, "
                    "which the flow does not declare",
                    f"add `{{component: {cid}}}` to its dependencies (strong or weak)",
                )
        for (attribute, target), calls in sorted(ctx.m.strangers.get(flow.id, {}).items()):
            yield ctx.finding(
                ("flows", i, "dependencies"),
                f"flow `{flow.id}` calls `{attribute}={target}` ({calls} calls), which no "
                "component describes",
                f"add a component with `spans: [{{attribute: {attribute}, values: [{target}]}}]` "
                "and declare it",
            )


@drift_rule(
    "drift.step-order",
    "logical",
    "warning",
    "The declared order of steps is the order users follow.",
    "When users go from one step to another many times and never the declared way, the "
    "model's `next` describes a journey nobody takes, and tests and probes built on it "
    "exercise the wrong path.",
)
def step_order(ctx: DriftContext) -> Iterator[Finding]:
    moves = ctx.m.moves
    for flow, base in flows(ctx.workload):
        for step, at in steps(flow, base):
            for k, following in enumerate(step.next):
                forward = moves.get((flow.id, step.id, following), 0)
                backward = moves.get((flow.id, following, step.id), 0)
                if forward == 0 and backward >= MIN_MOVES:
                    yield ctx.finding(
                        (*at, "next", k),
                        f"users went from `{following}` to `{step.id}` {backward} times and "
                        f"never from `{step.id}` to `{following}` as flow `{flow.id}` declares",
                        "swap the order of the steps, or check the route rules of both",
                    )


@drift_rule(
    "drift.component-below-sla",
    "feasibility",
    "warning",
    "A component's measured availability is not below its declared SLA.",
    "An SLA is a promise; the spans measure what was delivered. Judged at 99 % confidence, "
    "so a single failure among few calls is not drift, but a steady shortfall is: design "
    "feasibility computed from the SLA is then optimistic.",
)
def component_below_sla(ctx: DriftContext) -> Iterator[Finding]:
    for c, component in enumerate(ctx.workload.components):
        seen = ctx.m.components.get(component.id)
        if component.sla is None or not seen:
            continue
        spans_seen, bad = seen
        if below_objective(spans_seen, bad, component.sla):
            measured = 100.0 * (spans_seen - bad) / spans_seen
            yield ctx.finding(
                ("components", c, "sla"),
                f"component `{component.id}` delivered {measured:.3f} % ({bad} of {spans_seen} "
                f"spans failed), below its SLA of {component.sla:g} % "
                f"(at {100 * CONFIDENCE:g} % confidence)",
                "raise the issue with its owner, add redundancy, or declare the real figure",
            )


@drift_rule(
    "drift.measured-feasibility",
    "feasibility",
    "warning",
    "The measured strong dependencies still allow the flow's objective.",
    "The design review's feasibility rule multiplies declared SLAs. Fed with what the "
    "dependencies delivered instead (each at the best value its counts leave plausible at "
    "99 % confidence), the same math says whether the objective is still reachable.",
)
def measured_feasibility(ctx: DriftContext) -> Iterator[Finding]:
    changed = []
    for component in ctx.workload.components:
        seen = ctx.m.components.get(component.id)
        if seen and seen[0] > 0:
            upper = availability_upper(*seen)
            if component.sla is None or upper < component.sla:
                changed.append(component.model_copy(update={"sla": upper}))
    if not changed:
        return
    by_id = {c.id: c for c in changed}
    reality = ctx.workload.model_copy(
        update={"components": [by_id.get(c.id, c) for c in ctx.workload.components]}
    )
    for flow, base in flows(reality):
        result = flow_feasibility(reality, flow)
        if result.feasible is False and any(d.target in by_id for d in result.dependencies):
            parts = ", ".join(
                f"{d.target} {format_percent(d.availability)} %"
                for d in result.dependencies
                if d.availability is not None
            )
            yield ctx.finding(
                (*base, "targets", "reliability", "availability"),
                f"measured, the strong dependencies of `{flow.id}` allow at most "
                f"{format_percent(result.effective or 0)} % ({parts}), below its objective "
                f"of {result.objective:g} %",
                "lower the objective, add a fallback or redundancy, or fix the dependency",
            )
