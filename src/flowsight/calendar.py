"""When a schedule is open, in UTC, across daylight-saving changes and holidays.

Everything that counts "time inside the schedule" (downtime budgets, telemetry
evaluation, alert gating) goes through these functions, so a schedule means the
same thing in every output.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flowsight.model import Schedule

#: Average days per month, for budgets quoted "per month".
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def _local(day: date, at: time | None, schedule: Schedule) -> datetime:
    """A local wall time as an aware UTC datetime; None means the next midnight."""
    if at is None:
        day, at = day + timedelta(days=1), time(0, 0)
    return datetime.combine(day, at, tzinfo=schedule.zone).astimezone(UTC)


def open_intervals(schedule: Schedule, start: datetime, end: datetime) -> Iterator[Interval]:
    """The schedule's open intervals clipped to [start, end), in UTC, merged and ordered."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("open_intervals needs aware datetimes")
    zone = schedule.zone
    holidays = set(schedule.holidays)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date()
    pending: Interval | None = None
    while day <= last_day:
        if day not in holidays:
            for range_start, range_end in schedule.ranges(day.weekday()):
                lo = max(_local(day, range_start, schedule), start)
                hi = min(_local(day, range_end, schedule), end)
                if hi <= lo:
                    continue
                if pending and lo <= pending.end:
                    pending = Interval(pending.start, max(pending.end, hi))
                else:
                    if pending:
                        yield pending
                    pending = Interval(lo, hi)
        day += timedelta(days=1)
    if pending:
        yield pending


def is_open(schedule: Schedule, at: datetime) -> bool:
    moment = at.astimezone(schedule.zone)
    if moment.date() in set(schedule.holidays):
        return False
    clock = moment.time().replace(tzinfo=None)
    return any(
        start <= clock and (end is None or clock < end)
        for start, end in schedule.ranges(moment.weekday())
    )


def open_minutes(schedule: Schedule, start: datetime, end: datetime) -> float:
    return sum(i.minutes for i in open_intervals(schedule, start, end))


def weekly_open_hours(schedule: Schedule) -> float:
    """Nominal open hours in a week (wall-clock ranges, no holidays, no DST shift)."""
    total = 0.0
    for weekday in range(7):
        for start, end in schedule.ranges(weekday):
            end_minutes = 24 * 60 if end is None else end.hour * 60 + end.minute
            total += (end_minutes - (start.hour * 60 + start.minute)) / 60
    return total


@dataclass(frozen=True)
class DowntimeBudget:
    """Downtime an objective allows, counted only while its schedule is open."""

    objective: float
    open_hours_per_week: float
    per_week_minutes: float
    per_month_minutes: float
    wall_clock_per_month_minutes: float


def downtime_budget(schedule: Schedule, objective_percent: float) -> DowntimeBudget:
    from flowsight.slo.budget import error_budget  # slo's factors read this module

    weekly = weekly_open_hours(schedule)
    allowed = error_budget(objective_percent)
    per_week = weekly * 60 * allowed
    return DowntimeBudget(
        objective=objective_percent,
        open_hours_per_week=weekly,
        per_week_minutes=per_week,
        per_month_minutes=per_week * DAYS_PER_MONTH / 7,
        wall_clock_per_month_minutes=DAYS_PER_MONTH * 24 * 60 * allowed,
    )


def format_minutes(minutes: float) -> str:
    """`125.5` -> `2 h 5 min 30 s`, short and readable in tables."""
    seconds = round(minutes * 60)
    hours, rest = divmod(seconds, 3600)
    mins, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if mins:
        parts.append(f"{mins} min")
    if secs and not hours:
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"
