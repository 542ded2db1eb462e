"""The dashboard's time range: a preset (1 h to 30 d), a custom from/to, or the default.

The default fits the data: when `serve` was given no window and the store holds
less than a day of telemetry (a `flowsight demo` run, say), the dashboard opens on
the smallest preset holding all of it, so a few minutes of traffic are measured
per minute instead of collapsing into one hourly point of a 30-day window. With
more data it keeps each flow's own objective window, as `evaluate` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flowsight.errors import UsageError

PRESETS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
#: `range=window`: each flow's own objective window (or the one `serve` was given).
OWN_WINDOW = "window"
#: Data spanning more than this keeps the flows' own windows by default.
FIT_UP_TO = timedelta(days=1)


@dataclass(frozen=True)
class TimeRange:
    """What to evaluate: `key` is a preset, "custom" (with start and end), "window" (each
    flow's own window, asked for) or "default" (the same, by default)."""

    key: str
    start: datetime | None = None
    end: datetime | None = None

    def query(self) -> str:
        """The query string that selects this range again ('' for the default)."""
        if self.key == "custom" and self.start and self.end:
            return urlencode({"from": _text(self.start), "to": _text(self.end)})
        return "" if self.key == "default" else urlencode({"range": self.key})

    def window(self, now: datetime) -> tuple[datetime, datetime] | None:
        """[start, end) to evaluate, or None for each flow's own window."""
        if self.key in PRESETS:
            return now - PRESETS[self.key], now
        if self.key == "custom" and self.start and self.end:
            return self.start, self.end
        return None


DEFAULT = TimeRange("default")


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _moment(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"query parameter {name}={text!r} is not a time",
            hint="write it as YYYY-MM-DDTHH:MM in UTC, e.g. 2026-11-25T20:00",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_range(query: Mapping[str, str]) -> TimeRange | None:
    """The range a request asks for (None: the dashboard's default); bad input is a
    UsageError naming the parameter."""
    preset, start, end = query.get("range"), query.get("from"), query.get("to")
    if preset and (start or end):
        raise UsageError("give either range= or from=/to=, not both")
    if preset:
        if preset not in PRESETS and preset != OWN_WINDOW:
            raise UsageError(
                f"query parameter range={preset!r} is not a time range",
                hint=f"use one of {', '.join(PRESETS)}, {OWN_WINDOW}, or from= and to=",
            )
        return TimeRange(preset)
    if start or end:
        if not (start and end):
            raise UsageError("a custom range needs both from= and to=")
        lo, hi = _moment("from", start), _moment("to", end)
        if lo >= hi:
            raise UsageError(f"the range is empty: from={start} is not before to={end}")
        return TimeRange("custom", lo, hi)
    return None


def fitting_range(first_span: datetime | None, now: datetime) -> TimeRange:
    """The smallest preset holding all data when it spans at most FIT_UP_TO, else DEFAULT."""
    if first_span is None:
        return DEFAULT
    extent = now - first_span
    for key, length in PRESETS.items():
        if length > FIT_UP_TO:
            break
        if extent <= length:
            return TimeRange(key)
    return DEFAULT
