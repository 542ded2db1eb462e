"""What `flowsight cost` reports: cost per flow and month, how each component was shared,
and every amount no flow could be charged for. Field names are the JSON shape."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from flowsight.findings import Finding


@dataclass
class Share:
    flow: str
    share: float
    amount: float
    spans: int
    work_seconds: float
    executions: int


@dataclass
class ComponentCost:
    """One component's cost in one month and how it was divided."""

    component: str
    month: str
    cost: float
    #: "spans" (measured work), "executions" (of the flows declaring it) or "none".
    basis: str
    shares: list[Share]
    unattributed: float
    reason: str | None = None


@dataclass
class Unattributed:
    """Cost no flow was charged for, with why; shown, never spread."""

    month: str
    label: str
    component: str | None
    amount: float
    reason: str


@dataclass
class FlowCost:
    flow: str
    name: str
    criticality: str
    month: str
    cost: float
    #: the month's cost at the rate seen so far (cost / covered fraction of the month).
    monthly_rate: float
    executions: int
    per_1000: float | None
    monthly_budget: float | None
    per_1000_target: float | None
    components: dict[str, float] = field(default_factory=dict)

    @property
    def over_budget(self) -> bool:
        return self.monthly_budget is not None and self.monthly_rate > self.monthly_budget

    @property
    def budget_used(self) -> float | None:
        if not self.monthly_budget:
            return None
        return self.monthly_rate / self.monthly_budget


@dataclass
class CostReport:
    months: list[str]
    basis: str
    currency: str
    flows: list[FlowCost]
    components: list[ComponentCost]
    unattributed: list[Unattributed]
    findings: list[Finding]

    def flow(self, flow_id: str, month: str | None = None) -> FlowCost | None:
        month = month or self.months[-1]
        return next((f for f in self.flows if f.flow == flow_id and f.month == month), None)

    def total(self, month: str) -> float:
        return sum(c.cost for c in self.components if c.month == month) + sum(
            u.amount for u in self.unattributed if u.month == month and u.component is None
        )

    def unattributed_total(self, month: str) -> float:
        return sum(u.amount for u in self.unattributed if u.month == month)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for flow, raw in zip(self.flows, data["flows"], strict=True):
            raw["over_budget"] = flow.over_budget
            raw["budget_used"] = flow.budget_used
        data["totals"] = {
            m: {"cost": self.total(m), "unattributed": self.unattributed_total(m)}
            for m in self.months
        }
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
