"""Composite availability: what a flow's strong dependencies let it achieve.

Pure functions over fractions (0..1) implement the Well-Architected composite
math (RE:04): serial parts multiply, fallback alternatives combine as
1 - prod(1 - a_i), redundant copies as 1 - (1 - a)^n. `flow_feasibility` applies
them to one flow of a workload and reports in percent, so `check` can judge an
objective and `docs` can print the same numbers. Independence of failures is
assumed, as in the WAF examples; shared components make real figures lower.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from flowsight.model import Dependency, Flow, Workload


def serial(parts: Iterable[float]) -> float:
    """All parts are required: availabilities multiply (an empty chain is 1)."""
    return math.prod(parts)


def parallel(alternatives: Iterable[float]) -> float:
    """Any one alternative suffices: 1 - product of the unavailabilities."""
    return 1 - math.prod(1 - a for a in alternatives)


def redundant(availability: float, copies: int) -> float:
    """`copies` independent instances of one part, any of which suffices."""
    if copies < 1:
        raise ValueError("a part has at least one copy")
    return 1 - (1 - availability) ** copies


def needed_alone(objective: float, others: Iterable[float]) -> float | None:
    """What one serial part must reach when the others stay as they are.

    None when even a perfect part could not make up for the others.
    """
    rest = serial(others)
    if rest <= 0:
        return None
    needed = objective / rest
    return needed if needed <= 1 else None


def equal_share(objective: float, parts: int) -> float:
    """What each of `parts` serial parts needs when they share the budget equally."""
    return objective ** (1 / parts) if parts else objective


def one_more_nine(objective: float) -> float:
    """The next nine above an objective: 0.999 -> 0.9999 (a tenth of the unavailability)."""
    return 1 - (1 - objective) / 10


@dataclass(frozen=True)
class DependencyAvailability:
    """One strong dependency of a flow as the composite math sees it (percent)."""

    target: str
    kind: Literal["flow", "component"]
    availability: float | None
    copies: int = 1
    fallback_flow: str | None = None
    fallback_availability: float | None = None
    needed_alone: float | None = None
    needed_equal_share: float | None = None

    @property
    def effective(self) -> float | None:
        """Availability with its fallback flow taken into account."""
        if self.availability is None:
            return None
        if self.fallback_availability is None:
            return self.availability
        return 100 * parallel([self.availability / 100, self.fallback_availability / 100])


@dataclass(frozen=True)
class Feasibility:
    """Whether a flow's availability objective is reachable from its strong dependencies."""

    flow: str
    objective: float | None
    ceiling: float | None
    effective: float | None
    dependencies: tuple[DependencyAvailability, ...]
    unknown: tuple[str, ...]

    @property
    def feasible(self) -> bool | None:
        """None when there is no objective or no number to compare it with."""
        if self.objective is None or self.effective is None:
            return None
        return self.effective + 1e-9 >= self.objective

    @property
    def one_more_nine(self) -> float | None:
        return None if self.objective is None else 100 * one_more_nine(self.objective / 100)


def _objective(workload: Workload, flow_id: str) -> float | None:
    found = workload.flow(flow_id)
    if found is None or found.targets.reliability is None:
        return None
    return found.targets.reliability.availability


def _dependency(workload: Workload, dependency: Dependency) -> DependencyAvailability:
    if dependency.flow is not None:
        kind: Literal["flow", "component"] = "flow"
        value, copies = _objective(workload, dependency.flow), 1
    else:
        kind = "component"
        component = workload.component(dependency.target)
        copies = component.instances if component else 1
        sla = component.sla if component else None
        value = None if sla is None else 100 * redundant(sla / 100, copies)
    fallback = dependency.fallback_flow
    return DependencyAvailability(
        target=dependency.target,
        kind=kind,
        availability=value,
        copies=copies,
        fallback_flow=fallback,
        fallback_availability=_objective(workload, fallback) if fallback else None,
    )


def _with_needs(
    parts: list[DependencyAvailability], objective: float | None
) -> list[DependencyAvailability]:
    """Add the objective each part would need (alone, and as an equal share)."""
    if objective is None or not parts:
        return parts
    goal = objective / 100
    share = 100 * equal_share(goal, len(parts))
    out = []
    for i, part in enumerate(parts):
        others = [(p.effective or 100) / 100 for j, p in enumerate(parts) if j != i]
        alone = needed_alone(goal, others)
        out.append(
            DependencyAvailability(
                **{
                    **part.__dict__,
                    "needed_alone": None if alone is None else 100 * alone,
                    "needed_equal_share": share,
                }
            )
        )
    return out


def flow_feasibility(workload: Workload, flow: Flow) -> Feasibility:
    """Ceiling (serial product, no fallbacks) and effective availability of a flow.

    Only strong dependencies count: a weak one degrades the flow without taking
    it down, which is the WAF's explicit reason to leave it out of the composite.
    """
    reliability = flow.targets.reliability
    objective = reliability.availability if reliability else None
    strong = [_dependency(workload, d) for d in flow.dependencies if d.strength == "strong"]
    known = [d for d in strong if d.availability is not None]
    unknown = tuple(d.target for d in strong if d.availability is None)
    ceiling = effective = None
    if known:
        ceiling = 100 * serial(d.availability / 100 for d in known if d.availability)
        effective = 100 * serial(d.effective / 100 for d in known if d.effective)
    return Feasibility(
        flow=flow.id,
        objective=objective,
        ceiling=ceiling,
        effective=effective,
        dependencies=tuple(_with_needs(strong, objective)),
        unknown=unknown,
    )


def format_percent(value: float) -> str:
    """Two significant digits of the unavailability: 99.745, 99.95, 99.99999."""
    missing = 100 - value
    if missing <= 1e-12:
        return "100"
    decimals = min(max(math.floor(-math.log10(missing)) + 2, 1), 10)
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")
