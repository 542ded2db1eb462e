"""Cost sources: the model's monthly costs, FOCUS exports and the plain cost CSV."""

from __future__ import annotations

from pathlib import Path

from flowsight.cost.sources.base import (
    CostLine,
    Period,
    month_of,
    period,
    previous_month,
)
from flowsight.cost.sources.csv import csv_costs
from flowsight.cost.sources.focus import focus_costs
from flowsight.cost.sources.model import model_costs
from flowsight.errors import UsageError
from flowsight.model import Workload

FORMATS = ("model", "focus", "csv")

__all__ = [
    "FORMATS",
    "CostLine",
    "Period",
    "csv_costs",
    "focus_costs",
    "load_costs",
    "model_costs",
    "month_of",
    "period",
    "previous_month",
]


def load_costs(
    workload: Workload, periods: list[Period], path: str | Path | None = None, fmt: str = "model"
) -> list[CostLine]:
    """Cost lines of the periods' months from the model or from a cost file."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown cost format '{fmt}'; use one of {', '.join(FORMATS)}")
    if fmt == "model":
        if path is not None:
            raise UsageError("a cost file needs --cost-format focus or csv")
        return model_costs(workload, periods)
    if path is None:
        raise UsageError(f"--cost-format {fmt} needs a cost file (--costs FILE)")
    lines = focus_costs(path, workload) if fmt == "focus" else csv_costs(path, workload)
    months = {p.month for p in periods}
    return [line for line in lines if line.month in months]
