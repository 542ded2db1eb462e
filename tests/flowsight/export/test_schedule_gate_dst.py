"""The exported PromQL gate on daylight-saving days, run by promtool.

The gate's expression (offset periods + weekly ranges on the rebuilt wall clock) is
evaluated by promtool at every quarter hour of each transition day of New York (1970) and
Sydney (1971/72) and compared with `flowsight.calendar.is_open`, the rule every other
surface uses. promtool starts its clock at the Unix epoch, hence the early years. The
expression is tested inline (it reads only `time()`), so no rule evaluation is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from export_support import run, tool

from flowsight.calendar import is_open
from flowsight.export.schedule_gate import build_gate
from flowsight.model import Schedule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: (zone, local transition day, a range starting or ending inside the repeated/skipped hour)
CASES = [
    ("America/New_York", datetime(1970, 4, 26), "sun", "00:00-02:30"),  # ends in the gap
    ("America/New_York", datetime(1970, 4, 26), "sun", "02:30-04:00"),  # starts in the gap
    ("America/New_York", datetime(1970, 10, 25), "sun", "00:00-01:30"),  # ends in repeat
    ("America/New_York", datetime(1970, 10, 25), "sun", "01:45-03:00"),  # starts in repeat
    ("Australia/Sydney", datetime(1971, 10, 31), "sun", "01:00-02:30"),  # ends in the gap
    ("Australia/Sydney", datetime(1972, 2, 27), "sun", "02:30-04:00"),  # starts in repeat
    ("Australia/Sydney", datetime(1972, 2, 27), "sun", "00:00-02:15"),  # ends in repeat
]


def _gate_expression(schedule: Schedule) -> str:
    gate = build_gate(schedule, EPOCH, 800)
    local = f"({gate.local_week_expr(f'({gate.offset_expr()})')})"
    expression = gate.open_expr(local)
    return expression if gate.always_open else f"vector({expression})"


@pytest.mark.slow
@pytest.mark.parametrize(("zone", "day", "weekday", "hours"), CASES)
def test_promtool_gate_matches_the_calendar_on_transition_days(
    tmp_path: Path, zone: str, day: datetime, weekday: str, hours: str
) -> None:
    schedule = Schedule(id="dst", timezone=zone, hours={weekday: [hours]})
    expression = _gate_expression(schedule)
    local_midnight = day.replace(tzinfo=schedule.zone).astimezone(UTC)
    cases: list[dict[str, Any]] = []
    opened = 0
    moment = local_midnight - timedelta(hours=2)
    while moment < local_midnight + timedelta(hours=28):
        expected = int(is_open(schedule, moment))
        opened += expected
        minutes = int((moment - EPOCH).total_seconds() // 60)
        cases.append(
            {
                "expr": expression,
                "eval_time": f"{minutes}m",
                "exp_samples": [{"labels": "{}", "value": expected}],
            }
        )
        moment += timedelta(minutes=15)
    assert 0 < opened < len(cases)
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1d",
        "tests": [{"interval": "1d", "input_series": [], "promql_expr_test": cases}],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = run([tool("promtool"), "test", "rules", "test.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
