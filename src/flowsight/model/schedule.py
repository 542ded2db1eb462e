"""Schedules: the hours during which a target applies."""

from __future__ import annotations

import itertools
import re
from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from flowsight.model.base import Identifier, StrictModel

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "always"

_RANGE = re.compile(r"^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$")


def parse_time_range(text: str) -> tuple[time, time | None]:
    """`09:00-17:00` -> (09:00, 17:00); an end of `24:00` is returned as None (midnight)."""
    match = _RANGE.match(text.strip())
    if not match:
        raise ValueError(
            f"'{text}' is not a time range; write it as 'HH:MM-HH:MM', e.g. '08:00-18:00'"
        )
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(f"'{text}' has an hour or minute out of range (00:00 to 24:00)")
    start = time(start_h, start_m)
    end = None if end_h == 24 else time(end_h, end_m)
    if end is not None and end <= start:
        raise ValueError(
            f"'{text}' ends before it starts; split a range that crosses midnight into two days"
        )
    return start, end


TimeRange = Annotated[str, Field(examples=["09:00-17:00"])]


class Schedule(StrictModel):
    """A weekly calendar in one IANA time zone, with holidays when it is closed."""

    id: Identifier
    name: str | None = None
    timezone: str = "UTC"
    hours: dict[str, list[TimeRange]] = Field(
        default_factory=dict,
        description="Opening hours per weekday (mon..sun); a missing day is closed.",
    )
    holidays: list[date] = Field(default_factory=list)
    description: str | None = None

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays_are_dates(cls, value: object) -> object:
        if isinstance(value, list):
            return [date.fromisoformat(v) if isinstance(v, str) else v for v in value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as error:
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as 'America/New_York'"
            ) from error
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"'{day}' is not a weekday; use one of {', '.join(WEEKDAYS)}")
            parsed = sorted(parse_time_range(r) for r in ranges)
            for (_, end), (next_start, _) in itertools.pairwise(parsed):
                if end is None or end > next_start:
                    raise ValueError(f"the ranges of '{day}' overlap")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ranges(self, weekday: int) -> list[tuple[time, time | None]]:
        """Opening ranges of a weekday (0 = Monday), sorted."""
        return sorted(parse_time_range(r) for r in self.hours.get(WEEKDAYS[weekday], []))


def always_schedule() -> Schedule:
    """The built-in 24/7 schedule every workload has."""
    return Schedule(
        id=ALWAYS,
        name="24/7",
        timezone="UTC",
        hours={day: ["00:00-24:00"] for day in WEEKDAYS},
        description="Built in: every minute of every day.",
    )
