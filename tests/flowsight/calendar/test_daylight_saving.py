"""The one daylight-saving rule: an opening range covers every instant whose local wall clock
reads inside it. On a fall-back day that is both occurrences of a repeated hour; a time the
clock skips opens (or closes) when the clock reads the end of the gap.

Checked on both 2026 transition days of New York, Sydney (southern hemisphere, changes at
02:00/03:00) and Havana (changes at midnight), for `open_intervals` (evaluate, budgets,
report), `is_open` (/metrics) and the exported PromQL gate's data, minute by minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flowsight.calendar import is_open, open_intervals, open_minutes
from flowsight.export.schedule_gate import build_gate
from flowsight.model import Schedule

NEW_YORK, SYDNEY, HAVANA = "America/New_York", "Australia/Sydney", "America/Havana"
#: (zone, spring-forward day, fall-back day) of 2026.
TRANSITIONS = [
    (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1)),
    (SYDNEY, date(2026, 10, 4), date(2026, 4, 5)),
    (HAVANA, date(2026, 3, 8), date(2026, 11, 1)),
]


def _sunday(zone: str, *ranges: str, holidays: tuple[date, ...] = ()) -> Schedule:
    """All transition days of 2026 in these zones are Sundays."""
    return Schedule(id="s", timezone=zone, hours={"sun": list(ranges)}, holidays=list(holidays))


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _day_minutes(schedule: Schedule, day: date) -> float:
    around = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return open_minutes(schedule, around - timedelta(days=1), around + timedelta(days=2))


def _spans(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    around = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return [
        (i.start, i.end)
        for i in open_intervals(schedule, around - timedelta(days=1), around + timedelta(days=2))
    ]


# New York, fall back 2026-11-01: 02:00 EDT (06:00 UTC) -> 01:00 EST; 01:00-02:00 happens twice.
@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        ("01:45-03:00", 90),  # 15 min EDT + 15 min EST of the repeated hour + 02:00-03:00 EST
        ("00:00-01:45", 150),  # 105 min until 01:45 EDT, then 01:00-01:45 EST again
        ("00:00-01:30", 120),  # ends inside the repeated hour: both 01:00-01:30 count
        ("01:30-02:30", 90),  # starts inside it: 01:30-02:00 EDT and 01:30-02:30 EST
        ("01:00-02:00", 120),  # exactly the repeated hour: both occurrences
        ("00:00-24:00", 25 * 60),  # the 25-hour day
    ],
)
def test_new_york_fall_back_day_counts_both_occurrences(hours: str, minutes: int) -> None:
    assert _day_minutes(_sunday(NEW_YORK, hours), date(2026, 11, 1)) == minutes


def test_new_york_range_ending_in_the_repeated_hour_has_two_pieces() -> None:
    assert _spans(_sunday(NEW_YORK, "00:00-01:30"), date(2026, 11, 1)) == [
        (_utc(2026, 11, 1, 4), _utc(2026, 11, 1, 5, 30)),  # 00:00-01:30 EDT
        (_utc(2026, 11, 1, 6), _utc(2026, 11, 1, 6, 30)),  # 01:00-01:30 EST
    ]


# New York, spring forward 2026-03-08: 02:00 EST (07:00 UTC) -> 03:00 EDT; 02:00-03:00 is skipped.
@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        # ends in the gap: closes at the first instant after it (03:00 EDT), not 03:30
        ("00:00-02:30", [(_utc(2026, 3, 8, 5), _utc(2026, 3, 8, 7))]),
        # starts in the gap: opens at 03:00 EDT
        ("02:30-04:00", [(_utc(2026, 3, 8, 7), _utc(2026, 3, 8, 8))]),
        # lies inside the gap: never open
        ("02:10-02:50", []),
        ("00:00-24:00", [(_utc(2026, 3, 8, 5), _utc(2026, 3, 9, 4))]),  # a 23-hour day
    ],
)
def test_new_york_spring_forward_day_opens_after_the_gap(
    hours: str, expected: list[tuple[datetime, datetime]]
) -> None:
    assert _spans(_sunday(NEW_YORK, hours), date(2026, 3, 8)) == expected


# Sydney, fall back 2026-04-05: 03:00 AEDT (16:00 UTC Sat) -> 02:00 AEST; spring forward
# 2026-10-04: 02:00 AEST (16:00 UTC Sat) -> 03:00 AEDT.
@pytest.mark.parametrize(
    ("day", "hours", "minutes"),
    [
        (date(2026, 4, 5), "01:00-02:30", 120),  # ends in the repeated hour: 90 + 30
        (date(2026, 4, 5), "02:30-04:00", 120),  # starts in it: 30 + 90
        (date(2026, 4, 5), "00:00-24:00", 25 * 60),
        (date(2026, 10, 4), "01:00-02:30", 60),  # ends in the gap: closes at 03:00 AEDT
        (date(2026, 10, 4), "02:30-04:00", 60),  # starts in the gap: opens at 03:00 AEDT
        (date(2026, 10, 4), "00:00-24:00", 23 * 60),
    ],
)
def test_sydney_transition_days(day: date, hours: str, minutes: int) -> None:
    assert _day_minutes(_sunday(SYDNEY, hours), day) == minutes


def test_sydney_spring_forward_closes_when_the_clock_reads_three() -> None:
    assert _spans(_sunday(SYDNEY, "01:00-02:30"), date(2026, 10, 4)) == [
        (_utc(2026, 10, 3, 15), _utc(2026, 10, 3, 16))  # 01:00-02:00 AEST, then 03:00 AEDT
    ]


def test_havana_midnight_transitions_and_a_holiday_on_the_fall_back_day() -> None:
    """Havana skips 00:00-01:00 on 2026-03-08 and repeats 00:00-01:00 on 2026-11-01."""
    assert _day_minutes(_sunday(HAVANA, "00:00-02:00"), date(2026, 3, 8)) == 60
    assert _day_minutes(_sunday(HAVANA, "00:00-02:00"), date(2026, 11, 1)) == 180
    closed = _sunday(HAVANA, "00:00-24:00", holidays=(date(2026, 11, 1),))
    assert _day_minutes(closed, date(2026, 11, 1)) == 0


SCHEDULES = [
    "00:00-01:30",
    "01:45-03:00",
    "02:30-04:00",
    "00:00-02:30",
    "01:30-02:30",
    "02:00-03:00",
    "00:00-24:00",
]


@pytest.mark.parametrize(("zone", "spring", "fall"), TRANSITIONS)
@pytest.mark.parametrize("hours", SCHEDULES)
def test_intervals_is_open_and_gate_agree_every_minute(
    zone: str, spring: date, fall: date, hours: str
) -> None:
    """One rule, three readers: the intervals evaluate counts, the /metrics gauge's
    `is_open` and the exported gate's data, minute by minute over both transition days.
    The Saturday before the fall-back day is a holiday, so a holiday next to a change counts."""
    schedule = Schedule(
        id="s",
        timezone=zone,
        hours={"sun": [hours], "sat": ["00:00-24:00"], "mon": [hours]},
        holidays=[fall - timedelta(days=1)],
    )
    gate = build_gate(schedule, _utc(2026, 1, 1), 365)
    for day in (spring, fall):
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=2)
        end = start + timedelta(days=4)
        intervals = list(open_intervals(schedule, start, end))
        moment, wrong = start, []
        while moment < end:
            inside = any(i.start <= moment < i.end for i in intervals)
            gated = gate.is_open(int(moment.timestamp()))
            if not inside == is_open(schedule, moment) == gated:
                wrong.append((moment, inside, is_open(schedule, moment), gated))
            moment += timedelta(minutes=1)
        assert wrong == []
