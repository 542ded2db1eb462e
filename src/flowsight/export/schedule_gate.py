"""Schedule gating in pure PromQL: is a flow's schedule open at `time()`?

Prometheus has no time zones, so the wall clock is rebuilt from precomputed
data for a bounded horizon (default two years from the export):

* the UTC-offset periods of the schedule's zone (one per daylight-saving
  change, from `flowsight.calendar.offset_periods`), so local time is
  `time() + offset` exactly, on both sides of a change;
* the weekly opening ranges as seconds since local Monday 00:00;
* the holidays as UTC intervals of their local calendar day.

Reading the weekly ranges on the rebuilt wall clock is exactly the calendar's
daylight-saving rule (`flowsight.calendar.wall_instants`): both occurrences of a
repeated hour count, and no instant reads a skipped time, so a range starting
or ending in the gap opens or closes when the clock reads the gap's end.

The resulting rules need nothing but Prometheus. After the horizon the gate
reads closed; `FlowsightScheduleHorizonEnding` opens a ticket 30 days ahead so
the rules are regenerated in time. `ScheduleGate.is_open` evaluates the same
data in Python; tests compare it with `flowsight.calendar.is_open`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flowsight.calendar import OffsetPeriod, local_day_instants, offset_periods
from flowsight.model import Schedule

WEEK = 7 * 86400
#: 1970-01-05 00:00 was a Monday, so (t + SHIFT) % WEEK is seconds since Monday 00:00.
#: Adding 3 days rather than subtracting 4 keeps the dividend positive: PromQL's `%`
#: (Go's math.Mod) keeps the sign of the dividend, so it must never be negative.
SHIFT = 3 * 86400


@dataclass(frozen=True)
class ScheduleGate:
    schedule_id: str
    horizon_start: int
    horizon_end: int
    offsets: tuple[OffsetPeriod, ...]
    weekly: tuple[tuple[int, int], ...]  # [start, end) seconds since local Monday 00:00
    holidays: tuple[tuple[int, int], ...]  # [start, end) unix seconds

    @property
    def always_open(self) -> bool:
        return self.weekly == ((0, WEEK),) and not self.holidays

    def is_open(self, at: int) -> bool:
        """The gate's verdict at unix time `at`, from the same data the PromQL uses."""
        if not self.horizon_start <= at < self.horizon_end:
            return False
        if any(lo <= at < hi for lo, hi in self.holidays):
            return False
        offset = next((p.offset for p in self.offsets if p.start <= at < p.end), None)
        if offset is None:
            return False
        second = (at + offset + SHIFT) % WEEK
        return any(lo <= second < hi for lo, hi in self.weekly)

    def offset_expr(self) -> str:
        """UTC offset in seconds at `time()`; 0 outside the horizon (the gate is closed then)."""
        terms = [
            f"(time() >= bool {p.start}) * (time() < bool {p.end}) * {p.offset}"
            for p in self.offsets
            if p.offset
        ]
        return " + ".join(terms) if terms else "0"

    def local_week_expr(self, offset_series: str) -> str:
        """Seconds since local Monday 00:00 at `time()`."""
        return f"({offset_series} + time() + {SHIFT}) % {WEEK}"

    def open_expr(self, local_series: str) -> str:
        """1 while open, 0 while closed: weekly ranges x not-a-holiday x inside the horizon."""
        if self.always_open:
            return f"vector((time() >= bool {self.horizon_start}) * (time() < bool {self.horizon_end}))"
        local = local_series
        ranges = " + ".join(
            f"({local} >= bool {lo}) * ({local} < bool {hi})" for lo, hi in self.weekly
        )
        factors = [f"({ranges})"]
        if self.holidays:
            holidays = " + ".join(
                f"(time() >= bool {lo}) * (time() < bool {hi})" for lo, hi in self.holidays
            )
            factors.append(f"(1 - ({holidays}))")
        factors.append(
            f"(time() >= bool {self.horizon_start}) * (time() < bool {self.horizon_end})"
        )
        return " * ".join(factors)


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def weekly_ranges(schedule: Schedule) -> tuple[tuple[int, int], ...]:
    """Opening ranges as seconds since Monday 00:00, adjacent ranges merged."""
    raw: list[tuple[int, int]] = []
    for weekday in range(7):
        base = weekday * 86400
        for lo, hi in schedule.ranges(weekday):
            end = 86400 if hi is None else hi.hour * 3600 + hi.minute * 60
            raw.append((base + lo.hour * 3600 + lo.minute * 60, base + end))
    merged: list[tuple[int, int]] = []
    for first, last in sorted(raw):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return tuple(merged)


def build_gate(schedule: Schedule, start: datetime, days: int) -> ScheduleGate:
    """The gate of `schedule` for [start, start + days)."""
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    holidays = sorted(
        piece for day in set(schedule.holidays) for piece in local_day_instants(schedule, day)
    )
    lo, hi = _unix(start), _unix(end)
    return ScheduleGate(
        schedule_id=schedule.id,
        horizon_start=lo,
        horizon_end=hi,
        offsets=tuple(offset_periods(schedule.zone, start, end)),
        weekly=weekly_ranges(schedule),
        holidays=tuple((a, b) for a, b in holidays if b > lo and a < hi),
    )
