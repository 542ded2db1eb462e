"""Downtime budgets counted inside schedules, and schedule coverage."""

from __future__ import annotations

import pytest

from flowsight.check.budgets import downtime_budgets, uncovered_hours_per_week
from flowsight.load import load_workload
from flowsight.model import Schedule, always_schedule

from .conftest import RELECLOUD

OFFICE = Schedule(
    id="office", hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
)


def test_relecloud_budgets_are_counted_inside_the_schedule() -> None:
    budgets = {b.flow: b for b in downtime_budgets(load_workload(RELECLOUD).workload)}
    create = budgets["create-concerts"]
    assert create.objective == 95 and create.schedule == "business-hours"
    assert create.per_week_minutes == pytest.approx(0.05 * 40 * 60)
    # far less than the 36 h a month of wall time 95% allows around the clock
    assert create.per_month_minutes < create.wall_clock_per_month_minutes / 4
    assert create.wall_clock_per_month_minutes == pytest.approx(0.05 * 365.25 / 12 * 24 * 60)
    telemetry = budgets["collect-telemetry"]
    assert telemetry.per_month_minutes == pytest.approx(telemetry.wall_clock_per_month_minutes)
    assert set(budgets) == {f.id for f in load_workload(RELECLOUD).workload.flows}


def test_budget_json_is_rounded_and_complete() -> None:
    budget = downtime_budgets(load_workload(RELECLOUD).workload)[0].to_dict()
    assert set(budget) == {
        "flow",
        "objective",
        "schedule",
        "open_hours_per_week",
        "per_week_minutes",
        "per_month_minutes",
        "wall_clock_per_month_minutes",
    }
    assert budget["per_month_minutes"] == round(budget["per_month_minutes"], 3)


def test_always_covers_office_hours_but_not_the_reverse() -> None:
    assert uncovered_hours_per_week(OFFICE, always_schedule()) == 0
    assert uncovered_hours_per_week(always_schedule(), OFFICE) == pytest.approx(128)


def test_time_zones_shift_coverage() -> None:
    new_york = OFFICE.model_copy(update={"id": "ny", "timezone": "America/New_York"})
    gap = uncovered_hours_per_week(new_york, OFFICE)
    # 09:00-17:00 New York is 13:00-21:00 UTC in summer, 14:00-22:00 in winter, so
    # a UTC office leaves 4 or 5 hours a weekday uncovered.
    assert 20 < gap < 25


def test_holidays_of_the_dependency_leave_gaps() -> None:
    closed = Schedule.model_validate({**OFFICE.model_dump(), "id": "c", "holidays": ["2026-03-02"]})
    gap = uncovered_hours_per_week(OFFICE, closed)
    assert gap == pytest.approx(8 / 52)
