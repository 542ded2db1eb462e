"""The schedule gate's data against flowsight.calendar, over the whole default horizon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowsight.calendar import is_open
from flowsight.export.schedule_gate import WEEK, build_gate, weekly_ranges
from flowsight.model import Schedule, Workload

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("schedule_id", ["business-hours", "extended-hours", "always"])
def test_gate_agrees_with_the_calendar_every_15_minutes_for_two_years(
    relecloud: Workload, schedule_id: str
) -> None:
    schedule = relecloud.schedule(schedule_id)
    assert schedule is not None
    gate = build_gate(schedule, START, 730)
    moment, disagreements = START, []
    while moment < START + timedelta(days=730):
        if gate.is_open(int(moment.timestamp())) != is_open(schedule, moment):
            disagreements.append(moment)
        moment += timedelta(minutes=15)
    assert disagreements == []


def test_new_york_offsets_change_at_the_2026_daylight_saving_instants(relecloud: Workload) -> None:
    schedule = relecloud.schedule("extended-hours")
    assert schedule is not None
    gate = build_gate(schedule, START, 365)
    changes = [datetime.fromtimestamp(p.start, UTC) for p in gate.offsets[1:]]
    assert changes == [
        datetime(2026, 3, 8, 7, tzinfo=UTC),  # 02:00 EST -> 03:00 EDT
        datetime(2026, 11, 1, 6, tzinfo=UTC),  # 02:00 EDT -> 01:00 EST
    ]
    assert [p.offset for p in gate.offsets] == [-18000, -14400, -18000]


def test_christmas_is_closed_on_a_friday_that_would_be_open(relecloud: Workload) -> None:
    schedule = relecloud.schedule("extended-hours")
    assert schedule is not None
    gate = build_gate(schedule, START, 730)
    noon_christmas = datetime(2026, 12, 25, 17, tzinfo=UTC)  # Friday 12:00 EST
    assert not gate.is_open(int(noon_christmas.timestamp()))
    assert gate.is_open(int((noon_christmas + timedelta(days=7)).timestamp()))


def test_gate_is_closed_after_its_horizon(relecloud: Workload) -> None:
    gate = build_gate(relecloud.schedule("always") or Schedule(id="x"), START, 30)
    assert gate.is_open(int((START + timedelta(days=29)).timestamp()))
    assert not gate.is_open(int((START + timedelta(days=30)).timestamp()))


def test_round_the_clock_days_merge_into_one_weekly_range() -> None:
    schedule = Schedule(id="x", hours={"mon": ["00:00-24:00"], "tue": ["00:00-12:00"]})
    assert weekly_ranges(schedule) == ((0, 86400 + 43200),)
    assert weekly_ranges(
        Schedule(
            id="y",
            hours={d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        )
    ) == ((0, WEEK),)
