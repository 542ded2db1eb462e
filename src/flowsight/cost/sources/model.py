"""Costs from the workload model: each component's `monthly_cost`, prorated to the period."""

from __future__ import annotations

from flowsight.cost.sources.base import CostLine, Period
from flowsight.model import Workload


def model_costs(workload: Workload, periods: list[Period]) -> list[CostLine]:
    """A running month costs its elapsed share, so per-1,000 figures stay comparable."""
    return [
        CostLine(component.id, component.id, period.month, component.monthly_cost * period.fraction)
        for period in periods
        for component in workload.components
        if component.monthly_cost is not None
    ]
