"""Downtime budgets and schedule coverage: availability objectives in minutes.

A percentage means little until it is turned into time: 95% over business
hours allows about 8.7 hours a month inside those hours, not the 36 hours of
wall time the same percentage allows around the clock. `check` (as info
findings and a `budgets` key in its JSON) and `docs` both call these functions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flowsight.calendar import downtime_budget, open_intervals
from flowsight.model import Flow, Schedule, Workload

#: 52 weeks that every schedule is compared over (holidays of 2026 count).
REFERENCE_START = datetime(2026, 1, 5, tzinfo=UTC)
REFERENCE_WEEKS = 52


@dataclass(frozen=True)
class FlowBudget:
    """The downtime a flow's objective allows, counted inside its schedule."""

    flow: str
    objective: float
    schedule: str
    open_hours_per_week: float
    per_week_minutes: float
    per_month_minutes: float
    wall_clock_per_month_minutes: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def flow_budget(workload: Workload, flow: Flow) -> FlowBudget | None:
    """None when the flow has no availability objective."""
    reliability = flow.targets.reliability
    if reliability is None:
        return None
    schedule = workload.flow_schedule(flow)
    budget = downtime_budget(schedule, reliability.availability)
    return FlowBudget(
        flow=flow.id,
        objective=reliability.availability,
        schedule=schedule.id,
        open_hours_per_week=budget.open_hours_per_week,
        per_week_minutes=budget.per_week_minutes,
        per_month_minutes=budget.per_month_minutes,
        wall_clock_per_month_minutes=budget.wall_clock_per_month_minutes,
    )


def downtime_budgets(workload: Workload) -> list[FlowBudget]:
    """One budget per flow that has an availability objective, in declaration order."""
    return [b for f in workload.flows if (b := flow_budget(workload, f)) is not None]


def uncovered_hours_per_week(needed: Schedule, offered: Schedule) -> float:
    """Average weekly hours when `needed` is open but `offered` is closed.

    Compared in UTC over a reference year, so time zones, daylight-saving shifts and
    holidays all count.
    """
    end = REFERENCE_START + timedelta(weeks=REFERENCE_WEEKS)
    cover = list(open_intervals(offered, REFERENCE_START, end))
    gap_minutes = 0.0
    k = 0
    for interval in open_intervals(needed, REFERENCE_START, end):
        covered = 0.0
        while k < len(cover) and cover[k].end <= interval.start:
            k += 1
        j = k
        while j < len(cover) and cover[j].start < interval.end:
            lo, hi = max(cover[j].start, interval.start), min(cover[j].end, interval.end)
            covered += (hi - lo).total_seconds() / 60
            j += 1
        gap_minutes += interval.minutes - covered
    return gap_minutes / 60 / REFERENCE_WEEKS
