"""When a schedule is open, in UTC, across daylight-saving changes and holidays.

Everything that counts "time inside the schedule" (downtime budgets, telemetry
evaluation, alert gating) goes through these functions, so a schedule means the
same thing in every output.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

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


@dataclass(frozen=True)
class OffsetPeriod:
    """A stretch of constant UTC offset of a zone, in unix seconds [start, end)."""

    start: int
    end: int
    offset: int  # seconds east of UTC


#: Zones change offset at most a few times a year; probing hourly finds every change.
_PROBE = timedelta(hours=1)


def _offset(zone: tzinfo, at: datetime) -> int:
    delta = at.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def _change_instant(zone: tzinfo, lo: datetime, hi: datetime) -> datetime:
    """Bisect to the first second with the offset of `hi` (zones change on whole seconds)."""
    target = _offset(zone, hi)
    while (hi - lo) > timedelta(seconds=1):
        mid = (lo + (hi - lo) / 2).replace(microsecond=0)
        if _offset(zone, mid) == target:
            hi = mid
        else:
            lo = mid
    return hi


def offset_periods(zone: tzinfo, start: datetime, end: datetime) -> list[OffsetPeriod]:
    """Maximal periods of constant UTC offset covering [start, end)."""
    periods: list[OffsetPeriod] = []
    period_start, current = start, _offset(zone, start)
    probe = start
    while probe < end:
        nxt = min(probe + _PROBE, end)
        if nxt < end and _offset(zone, nxt) != current:
            change = _change_instant(zone, probe, nxt)
            periods.append(OffsetPeriod(_unix(period_start), _unix(change), current))
            period_start, current = change, _offset(zone, change)
        probe = nxt
    periods.append(OffsetPeriod(_unix(period_start), _unix(end), current))
    return periods


def _unix(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _wall(day: date, at: time | None) -> int:
    """A local wall time as seconds on the zone's own clock (as if it were UTC)."""
    if at is None:
        day, at = day + timedelta(days=1), time(0, 0)
    return _unix(datetime.combine(day, at, tzinfo=UTC))


def wall_instants(periods: list[OffsetPeriod], lo: int, hi: int) -> list[tuple[int, int]]:
    """The instants whose local wall clock reads within [lo, hi), as unix [start, end) pieces.

    This is THE daylight-saving rule: a wall-clock range covers every instant whose
    clock shows a time inside it. So on a fall-back day a range covers both
    occurrences of a repeated hour (as far as it reaches into it), and a range
    starting or ending at a time that does not exist opens or closes at the first
    instant after the gap (when the clock reads the end of the gap).
    """
    pieces = []
    for period in periods:
        start = max(period.start, lo - period.offset)
        end = min(period.end, hi - period.offset)
        if start < end:
            pieces.append((start, end))
    return pieces


def _merged(pieces: list[tuple[datetime, datetime]]) -> Iterator[Interval]:
    pending: Interval | None = None
    for lo, hi in sorted(pieces):
        if pending and lo <= pending.end:
            pending = Interval(pending.start, max(pending.end, hi))
            continue
        if pending:
            yield pending
        pending = Interval(lo, hi)
    if pending:
        yield pending


def open_intervals(schedule: Schedule, start: datetime, end: datetime) -> Iterator[Interval]:
    """The schedule's open intervals clipped to [start, end), in UTC, merged and ordered.

    Exactly the instants `is_open` calls open (see `wall_instants` for the rule)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("open_intervals needs aware datetimes")
    if end <= start:
        return
    zone = schedule.zone
    holidays = set(schedule.holidays)
    periods = offset_periods(zone, start - timedelta(days=2), end + timedelta(days=2))
    day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    pieces: list[tuple[datetime, datetime]] = []
    while day <= last_day:
        if day not in holidays:
            for range_start, range_end in schedule.ranges(day.weekday()):
                for lo, hi in wall_instants(
                    periods, _wall(day, range_start), _wall(day, range_end)
                ):
                    clipped = (max(_at(lo), start), min(_at(hi), end))
                    if clipped[0] < clipped[1]:
                        pieces.append(clipped)
        day += timedelta(days=1)
    yield from _merged(pieces)


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def local_day_instants(schedule: Schedule, day: date) -> list[tuple[int, int]]:
    """The instants of one local calendar day (a holiday), by the same rule."""
    around = datetime.combine(day, time(12), tzinfo=UTC)
    periods = offset_periods(schedule.zone, around - timedelta(days=2), around + timedelta(days=2))
    return wall_instants(periods, _wall(day, time(0)), _wall(day, None))


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether the schedule's local wall clock at `at` reads inside an opening range."""
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
