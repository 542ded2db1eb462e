"""The traffic mix of a load run: each flow's arrival rate from its use case's execution profile.

The model already says how often each use case runs (`execution.expected_per_minute`
and `peak_per_minute`); a load test that invents its own mix tests a workload
nobody runs. Flows without journeys or without an execution profile are left
out, and the report says so instead of silently testing less.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from flowsight.errors import UsageError
from flowsight.model import Flow, Journey, Workload

Profile = Literal["expected", "peak"]


@dataclass
class FlowRate:
    """Journeys per minute offered to one flow."""

    flow: Flow
    per_minute: float


@dataclass
class Mix:
    rates: list[FlowRate]
    skipped: dict[str, str]

    @property
    def per_second(self) -> float:
        return sum(r.per_minute for r in self.rates) / 60

    def offered(self, flow_id: str) -> float:
        return next((r.per_minute for r in self.rates if r.flow.id == flow_id), 0.0)

    def pick(self, rng: random.Random) -> tuple[Flow, Journey]:
        """A flow by its rate, then one of its journeys by weight."""
        rate = rng.choices(self.rates, weights=[r.per_minute for r in self.rates])[0]
        journeys = rate.flow.journeys
        return rate.flow, rng.choices(journeys, weights=[j.weight for j in journeys])[0]


def _model_rate(workload: Workload, flow: Flow, profile: Profile) -> float | None:
    use_case = workload.use_case(flow.use_case) if flow.use_case else None
    execution = use_case.execution if use_case else None
    if execution is None:
        return None
    value = execution.peak_per_minute if profile == "peak" else execution.expected_per_minute
    return value if value else None


def plan_mix(
    workload: Workload, flows: list[Flow], rate_per_second: float | None, profile: Profile
) -> Mix:
    """Rates proportional to the model; scaled so they total `rate_per_second` when given."""
    rates, skipped = [], {}
    for flow in flows:
        model_rate = _model_rate(workload, flow, profile)
        if not flow.journeys:
            skipped[flow.id] = "declares no journeys"
        elif model_rate is None:
            skipped[flow.id] = f"its use case has no {profile}_per_minute execution profile"
        else:
            rates.append(FlowRate(flow, model_rate))
    if not rates:
        raise UsageError(
            "no flow has both journeys and an execution profile, so there is no mix to run",
            hint="add journeys and use_cases[].execution.expected_per_minute to the workload",
        )
    if rate_per_second is not None:
        if rate_per_second <= 0:
            raise UsageError("--rate must be a positive number of journeys per second")
        factor = rate_per_second * 60 / sum(r.per_minute for r in rates)
        rates = [FlowRate(r.flow, r.per_minute * factor) for r in rates]
    return Mix(rates, skipped)
