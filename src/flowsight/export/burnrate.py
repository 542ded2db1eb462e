"""Multiwindow, multi-burn-rate alert math (SRE Workbook ch. 5, Table 5-8).

Factors are derived from the share of the error budget a tier may consume,
not copied as constants, so they are exact for any SLO window and schedule:

    factor = budget_share * open_hours(SLO window) / open_hours(long window)

A flow's budget is only spent while its schedule is open, so the period is
counted in open hours. A long window shorter than a day is assumed to lie
inside open hours (the alert can only fire then); a window of a day or more
holds the schedule's average share of open time. For a 24/7 schedule and a
30-day window this gives the Workbook's 14.4 / 6 / 3 / 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flowsight.calendar import weekly_open_hours
from flowsight.model import Schedule, format_duration

HOURS_PER_WEEK = 7 * 24


@dataclass(frozen=True)
class Tier:
    """One window pair: fires when both windows burn faster than the factor."""

    burn: str  # "fast" pages, "slow" opens a ticket
    name: str
    budget_share: float
    long: timedelta
    short: timedelta


#: The Workbook's four pairs (Sloth's google-30d catalog), fastest first.
TIERS = (
    Tier("fast", "page-quick", 0.02, timedelta(hours=1), timedelta(minutes=5)),
    Tier("fast", "page-slow", 0.05, timedelta(hours=6), timedelta(minutes=30)),
    Tier("slow", "ticket-quick", 0.10, timedelta(days=1), timedelta(hours=2)),
    Tier("slow", "ticket-slow", 0.10, timedelta(days=3), timedelta(hours=6)),
)


def windows() -> list[timedelta]:
    """Every window a recording rule is needed for, shortest first."""
    return sorted({w for tier in TIERS for w in (tier.long, tier.short)})


def window_label(window: timedelta) -> str:
    """`5m`, `1h`, `1d`, `3d`: the suffix of recording-rule names."""
    return format_duration(window)


def duty_cycle(schedule: Schedule) -> float:
    """Share of a week the schedule is open (1.0 for 24/7)."""
    return weekly_open_hours(schedule) / HOURS_PER_WEEK


def period_open_hours(schedule: Schedule, window_days: int) -> float:
    return weekly_open_hours(schedule) * window_days / 7


def window_open_hours(schedule: Schedule, window: timedelta) -> float:
    hours = window.total_seconds() / 3600
    return hours if hours < 24 else hours * duty_cycle(schedule)


def factor(tier: Tier, schedule: Schedule, window_days: int) -> float:
    """Burn-rate factor of a tier, rounded to 6 significant digits for readable rules."""
    exact = (
        tier.budget_share
        * period_open_hours(schedule, window_days)
        / window_open_hours(schedule, tier.long)
    )
    return float(f"{exact:.6g}")


def error_budget(objective_percent: float) -> float:
    """1 - objective, rounded so 99.9 gives 0.001 rather than 0.0010000000000000009."""
    return round(1 - objective_percent / 100, 12)


def number(value: float) -> str:
    """A float as PromQL/YAML text without binary noise: 0.001, 14.4, 2."""
    text = f"{value:.12g}"
    return text
