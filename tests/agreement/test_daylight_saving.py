"""Agreement on the daylight-saving days of New York and Sydney.

Kept apart from test_agreement.py because it depends on the daylight-saving
semantics of issue 12 item 3 (opening hours are wall-clock times; a repeated
hour is open in both occurrences; a skipped local time opens at the first
instant after the gap), which the `time` helper lands in calendar.py and the
PromQL gate. Each scenario burns 10x from local midnight to 08:00 on the
transition day, with opening ranges that start or end inside the repeated or
skipped hour, and holds evaluate and the exported rules to the same alert
state minute by minute.

The calendar's daylight-saving rule (flowsight.calendar.wall_instants) is the
one owner of these open minutes: evaluate reads them through open_intervals and
the exported gate through the same offset periods, so both sides agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsight.calendar import open_minutes
from flowsight.model import Schedule
from tests.agreement.harness import Scenario, burn, judge, local, steady

pytestmark = pytest.mark.slow  # each scenario runs a day through evaluate and promtool

#: Every day 00:00-01:45 and 02:30-06:00: on both transition days one range
#: edge falls inside the repeated or the skipped hour.
NIGHT_SHIFTS = (
    '{mon: ["00:00-01:45", "02:30-06:00"], tue: ["00:00-01:45", "02:30-06:00"], '
    'wed: ["00:00-01:45", "02:30-06:00"], thu: ["00:00-01:45", "02:30-06:00"], '
    'fri: ["00:00-01:45", "02:30-06:00"], sat: ["00:00-01:45", "02:30-06:00"], '
    'sun: ["00:00-01:45", "02:30-06:00"]}'
)

DAYS = [
    ("new-york-spring-forward", "2026-03-08", "America/New_York"),
    ("new-york-fall-back", "2026-11-01", "America/New_York"),
    ("sydney-fall-back", "2026-04-05", "Australia/Sydney"),
    ("sydney-spring-forward", "2026-10-04", "Australia/Sydney"),
]


def _fall_back_minutes() -> float:
    """Open minutes of New York's 00:00-01:45 on 2026-11-01, 00:00 EDT to 02:00 EST."""
    schedule = Schedule.model_validate(
        {"id": "probe", "timezone": "America/New_York", "hours": {"sun": ["00:00-01:45"]}}
    )
    return open_minutes(schedule, local("2026-11-01T00:00"), local("2026-11-01T07:00", "UTC"))


def _scenario(name: str, day: str, zone: str) -> Scenario:
    return Scenario(
        name,
        local(f"{day}T00:00", zone),
        burn(steady(), 0, 8 * 60),
        zone=zone,
        hours=NIGHT_SHIFTS,
    )


@pytest.mark.parametrize(("name", "day", "zone"), DAYS, ids=[d[0] for d in DAYS])
def test_a_burn_on_a_daylight_saving_day_agrees(
    name: str, day: str, zone: str, tmp_path: Path
) -> None:
    scenario = _scenario(name, day, zone)
    outcome = judge(scenario, tmp_path)
    assert outcome.agrees, outcome.promtool.stdout[-4000:] + outcome.promtool.stderr[-2000:]
    assert outcome.firing_minutes("fast"), "the burn pages while the schedule is open"


def test_the_fall_back_day_counts_both_occurrences_of_the_repeated_hour() -> None:
    """New York, 2026-11-01: 00:00-01:45 is open 150 minutes (01:00-01:45 happens twice)."""
    assert _fall_back_minutes() == 150
