"""Announced maintenance as Alertmanager time intervals that mute a flow's alerts.

Only windows announced with the notice the flow requires mute it (which those
are is owned by flowsight.slo.maintenance.excluded_windows, as for evaluate and
the rules): a window announced late counts as downtime when flowsight measures
the flow, so its alerts must still reach people. Alertmanager intervals are recurring
(times of day, days of month, months, years), so one absolute window becomes
one entry per UTC calendar day it touches, minutes rounded outwards.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from flowsight.model import MaintenanceWindow

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def interval_name(window: MaintenanceWindow) -> str:
    return f"maintenance-{window.id}"


def _clock(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def _day_intervals(window: MaintenanceWindow) -> list[dict[str, Any]]:
    start = window.start.astimezone(UTC)
    end = window.end.astimezone(UTC)
    first = int(start.timestamp() // 60)
    last = math.ceil(end.timestamp() / 60)
    intervals = []
    minute = first
    while minute < last:
        day = datetime.fromtimestamp(minute * 60, UTC)
        midnight = int(day.replace(hour=0, minute=0).timestamp() // 60)
        upto = min(last, midnight + 24 * 60)
        intervals.append(
            {
                "times": [
                    {"start_time": _clock(minute - midnight), "end_time": _clock(upto - midnight)}
                ],
                "days_of_month": [f"{day.day}:{day.day}"],
                "months": [MONTHS[day.month - 1]],
                "years": [f"{day.year}:{day.year}"],
                "location": "UTC",
            }
        )
        minute = upto
    return intervals


def time_intervals(windows: list[MaintenanceWindow]) -> list[dict[str, Any]]:
    """Alertmanager `time_intervals` entries, one named interval per window, by id."""
    unique = {w.id: w for w in windows}
    return [
        {"name": interval_name(w), "time_intervals": _day_intervals(w)}
        for _, w in sorted(unique.items())
    ]
