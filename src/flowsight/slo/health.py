"""Health states of flows and their roll-up to the workload (health modeling).

A flow's state follows its evaluation verdict: meeting -> healthy, at risk ->
degraded, breached -> unhealthy, no data -> unknown. The workload's state is the
worst of its flows' contributions, and what a flow contributes depends on its
business criticality, as the impact settings of Azure Monitor health models:

* high: standard impact, the state propagates as it is; an unknown critical
  flow is a problem (a monitoring gap), never read as healthy;
* medium: limited impact, degraded is not propagated, unhealthy becomes degraded;
* low: limited impact as medium, and unknown is suppressed.

Computed once here and carried in the evaluation result (`health` of each flow
and of the workload in `evaluate --format json`); the report, the dashboard and
/metrics read it. Every state carries a label and a symbol besides its color,
so no view ever relies on color alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

STATES = ("healthy", "degraded", "unhealthy", "unknown")
#: Worse states rank higher; unknown ranks above healthy so it is never hidden.
RANK = {"healthy": 0, "unknown": 1, "degraded": 2, "unhealthy": 3}
FROM_VERDICT = {
    "meeting": "healthy",
    "at_risk": "degraded",
    "breached": "unhealthy",
    "no_data": "unknown",
}
LABEL = {
    "healthy": "Healthy",
    "degraded": "Degraded",
    "unhealthy": "Unhealthy",
    "unknown": "Unknown",
}
SYMBOL = {"healthy": "✓", "degraded": "!", "unhealthy": "✕", "unknown": "?"}
#: Traffic-light colors (with the label and symbol, never alone).
COLOR = {"healthy": "#1a7f37", "degraded": "#9a6700", "unhealthy": "#cf222e", "unknown": "#57606a"}
IMPACT = {"high": "standard", "medium": "limited", "low": "limited"}


class Judged(Protocol):
    """What health needs of a flow's result: its name, criticality, verdict and reasons."""

    @property
    def name(self) -> str: ...

    @property
    def criticality(self) -> str: ...

    @property
    def verdict(self) -> str: ...

    @property
    def reasons(self) -> list[str]: ...


class HasFlows(Protocol):
    @property
    def flows(self) -> Sequence[Judged]: ...


@dataclass(frozen=True)
class Health:
    state: str
    reasons: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return LABEL[self.state]

    @property
    def symbol(self) -> str:
        return SYMBOL[self.state]

    @property
    def color(self) -> str:
        return COLOR[self.state]

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state, "label": self.label, "reasons": list(self.reasons)}


def verdict_health(verdict: str, reasons: Iterable[str] = ()) -> Health:
    return Health(FROM_VERDICT[verdict], tuple(reasons))


def flow_health(result: Judged) -> Health:
    """The health of one flow, with the evaluation's reasons."""
    return verdict_health(result.verdict, result.reasons)


def contribution(criticality: str, state: str) -> str | None:
    """What a flow of this criticality in this state contributes to the workload."""
    if criticality == "high":
        return state
    if state == "unhealthy":
        return "degraded"
    if state == "unknown" and criticality == "medium":
        return "unknown"
    return None


def roll_up(flows: Sequence[Judged]) -> Health:
    """The worst contribution of all flows; the reasons name the flows behind it."""
    worst, reasons = "healthy", []
    for result in flows:
        state = flow_health(result).state
        given = contribution(result.criticality, state)
        if given is None or given == "healthy":
            continue
        reasons.append(f"{result.name} ({result.criticality} criticality) is {state}")
        if RANK[given] > RANK[worst]:
            worst = given
    if not flows:
        worst = "unknown"
    return Health(worst, tuple(reasons))


def workload_health(evaluation: HasFlows) -> Health:
    return roll_up(evaluation.flows)


def counts(evaluation: HasFlows) -> dict[str, int]:
    """How many flows are in each state, in STATES order."""
    tally = dict.fromkeys(STATES, 0)
    for result in evaluation.flows:
        tally[FROM_VERDICT[result.verdict]] += 1
    return tally
