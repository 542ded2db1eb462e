"""The weekly shape of traffic, as opening hours a team would recognise.

Traffic arrives counted per UTC hour; each hour is placed on the local week of the
chosen time zone (zoneinfo, so daylight saving moves it as it moves the people), and
the narrowest daily range that holds `COVERAGE` of it is proposed, on weekdays only
when weekends carry less than `WEEKEND_SHARE` of the traffic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COVERAGE = 0.95
WEEKEND_SHARE = 0.05
#: A weekly shape needs traffic spread over at least this many hours (six days).
MIN_HISTORY_HOURS = 6 * 24
SCHEDULE_ID = "observed-hours"


def _week(hours: dict[int, int], zone: ZoneInfo) -> list[list[int]]:
    week = [[0] * 24 for _ in DAYS]
    for hour, count in hours.items():
        local = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone)
        week[local.weekday()][local.hour] += count
    return week


def _narrowest(week: list[list[int]], days: range, need: float) -> tuple[int, int]:
    best = (0, 24)
    for start in range(24):
        for end in range(start + 1, 25):
            if end - start >= best[1] - best[0]:
                break
            held = sum(week[d][h] for d in days for h in range(start, end))
            if held >= need:
                best = (start, end)
                break
    return best


def suggest_schedule(
    hours: dict[int, int], timezone: str, history_hours: float
) -> tuple[dict[str, Any], str] | None:
    """A schedule holding 95 % of the traffic and its comment; None when traffic never rests
    or when less than a week of it was seen."""
    total = sum(hours.values())
    if total == 0 or history_hours < MIN_HISTORY_HOURS:
        return None  # no traffic, or less than a week of it: no weekly shape to read
    zone = ZoneInfo(timezone)
    week = _week(hours, zone)
    weekend = sum(sum(week[d]) for d in (5, 6))
    days = range(5) if weekend < WEEKEND_SHARE * total else range(7)
    start, end = _narrowest(week, days, COVERAGE * total)
    if (start, end) == (0, 24) and len(days) == 7:
        return None
    held = sum(week[d][h] for d in days for h in range(start, end))
    text = f"{start:02d}:00-{end:02d}:00"
    schedule = {
        "id": SCHEDULE_ID,
        "name": "Observed busy hours",
        "timezone": timezone,
        "hours": {DAYS[d]: [text] for d in days},
    }
    span = "Mon-Fri" if len(days) == 5 else "every day"
    comment = f"observed: {100 * held / total:.1f} % of traffic {span} {text} {timezone}"
    return schedule, comment
