"""The one schedule-aware burn-rate factor rule.

A flow's error budget is earned and spent only while its schedule is open
(evaluate counts open minutes, on-time maintenance excluded), so a tier's
budget share is a share of the budget of the open hours in the SLO window:

    factor = budget_share x open_hours(SLO window) / open_hours(long window)

A long window shorter than a day is taken as wholly open (the alert is gated
to open minutes, so it can only fire then); a window of a day or more holds
the schedule's average share of open time (its duty cycle). For a 24/7
schedule and a 30-day window this is the Workbook's 14.4 / 6 / 3 / 1; for any
schedule the page tiers keep the Workbook's time to exhaustion (50 and 120
open hours), and the ticket tiers keep 3 and 1. docs/monitoring.md has the
arithmetic for every schedule of the example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from flowsight.calendar import weekly_open_hours
from flowsight.model import Schedule
from flowsight.slo.budget import error_budget
from flowsight.slo.tiers import TIERS, Tier

HOURS_PER_WEEK = 7 * 24


def duty_cycle(schedule: Schedule) -> float:
    """Share of a week the schedule is open (1.0 for 24/7)."""
    return weekly_open_hours(schedule) / HOURS_PER_WEEK


def period_open_hours(schedule: Schedule, window_days: float) -> float:
    """Open hours in an SLO window of this many days."""
    return weekly_open_hours(schedule) * window_days / 7


def window_open_hours(schedule: Schedule, window: timedelta) -> float:
    """Open hours a tier's long window is taken to hold."""
    hours = window.total_seconds() / 3600
    return hours if hours < 24 else hours * duty_cycle(schedule)


def factor(tier: Tier, schedule: Schedule, window_days: float) -> float:
    """Burn-rate factor of a tier, rounded to 6 significant digits for readable rules.

    A schedule that is never open can never spend its budget: its factor is
    infinite, so every tier is left out of the rules and never fires here.
    """
    window = window_open_hours(schedule, tier.long)
    if window <= 0:
        return math.inf
    exact = tier.budget_share * period_open_hours(schedule, window_days) / window
    return float(f"{exact:.6g}")


def threshold(tier: Tier, schedule: Schedule, window_days: float, objective: float) -> float:
    """The error ratio a tier fires above: factor x (1 - objective), as the rules print it."""
    return float(f"{factor(tier, schedule, window_days) * error_budget(objective):.12g}")


def exhaustion_hours(tier: Tier, schedule: Schedule, window_days: float) -> float:
    """Open hours a burn at the tier's factor takes to spend the whole budget."""
    return period_open_hours(schedule, window_days) / factor(tier, schedule, window_days)


@dataclass(frozen=True)
class TierArithmetic:
    """One row of the factor table the docs print for a schedule."""

    tier: Tier
    period_open_hours: float
    long_open_hours: float
    factor: float
    exhaustion_hours: float


def arithmetic(schedule: Schedule, window_days: float) -> list[TierArithmetic]:
    """Every tier's factor for this schedule, with the numbers it is made of."""
    return [
        TierArithmetic(
            tier,
            round(period_open_hours(schedule, window_days), 4),
            round(window_open_hours(schedule, tier.long), 4),
            factor(tier, schedule, window_days),
            round(exhaustion_hours(tier, schedule, window_days), 2),
        )
        for tier in TIERS
    ]
