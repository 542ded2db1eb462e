"""What every cost source yields: cost lines per component and month.

A source only reads and maps; allocation never needs to know whether a cost
came from the model's `monthly_cost`, a FOCUS export or a plain CSV. A line
whose component is None could not be mapped to any component: allocation
shows it as unattributed instead of spreading it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flowsight.errors import UsageError

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A calendar month in UTC, cut at `end` when it is not over yet."""

    month: str
    start: datetime
    end: datetime

    @property
    def month_end(self) -> datetime:
        return next_month_start(self.start)

    @property
    def fraction(self) -> float:
        """Share of the month covered (1.0 for a finished month)."""
        return (self.end - self.start) / (self.month_end - self.start)


@dataclass(frozen=True)
class CostLine:
    """Cost incurred by one component (or an unmapped charge) in one month."""

    component: str | None
    label: str
    month: str
    cost: float


def next_month_start(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def month_start(month: str) -> datetime:
    match = MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"'{month}' is not a month; write YYYY-MM, e.g. 2026-11")
    return datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC)


def month_of(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m}"


def period(month: str, now: datetime) -> Period:
    """The month, cut at `now` when it is still running; a future month is refused."""
    start = month_start(month)
    if start >= now:
        raise UsageError(f"month {month} has not started yet (now is {now:%Y-%m-%d %H:%M} UTC)")
    return Period(month, start, min(next_month_start(start), now))


def previous_month(month: str) -> str:
    start = month_start(month)
    year, number = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
    return f"{year:04d}-{number:02d}"


def days_in(month: str) -> int:
    start = month_start(month)
    return calendar.monthrange(start.year, start.month)[1]
