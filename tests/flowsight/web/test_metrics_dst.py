"""The /metrics gauge `flowsight_schedule_open` on New York's fall-back and spring-forward
days follows the one daylight-saving rule, read from the calendar like every other surface.

Extended hours get `00:00-01:30` and `02:30-04:00` on Sundays: on 2026-11-01 01:00-01:30
happens twice and both occurrences are open; on 2026-03-08 02:30 does not exist and the
range opens at 03:00 EDT, the first instant after the gap.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from flowsight.calendar import open_intervals
from flowsight.load import load_workload
from flowsight.telemetry import open_store
from flowsight.web import DashboardConfig, create_app
from tests.flowsight.conftest import EXAMPLE

GAUGE = re.compile(r'^flowsight_schedule_open\{schedule="extended-hours"\} (\d)$', re.MULTILINE)


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dst-metrics")
    text = EXAMPLE.read_text()
    old = '      sun: ["09:00-18:00"]\n'
    assert text.count(old) == 1
    path = folder / "workload.yaml"
    path.write_text(text.replace(old, '      sun: ["00:00-01:30", "02:30-04:00", "09:00-18:00"]\n'))
    open_store(folder / "store", create=True)
    return path


def _gauge(workload: Path, now: datetime) -> int:
    config = DashboardConfig(workload, open_store(workload.parent / "store"), now=now)
    text = TestClient(create_app(config), base_url="http://127.0.0.1").get("/metrics").text
    match = GAUGE.search(text)
    assert match, text
    return int(match.group(1))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 1, 5, 15, tzinfo=UTC), 1),  # 01:15 EDT, first occurrence
        (datetime(2026, 11, 1, 5, 45, tzinfo=UTC), 0),  # 01:45 EDT
        (datetime(2026, 11, 1, 6, 15, tzinfo=UTC), 1),  # 01:15 EST, second occurrence
        (datetime(2026, 11, 1, 6, 45, tzinfo=UTC), 0),  # 01:45 EST
        (datetime(2026, 3, 8, 6, 45, tzinfo=UTC), 0),  # 01:45 EST, before the gap
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), 1),  # 03:00 EDT, first instant after it
        (datetime(2026, 3, 8, 7, 59, tzinfo=UTC), 1),  # 03:59 EDT
        (datetime(2026, 3, 8, 8, 0, tzinfo=UTC), 0),  # 04:00 EDT
    ],
)
def test_metrics_open_gauge_on_transition_days(
    workload: Path, now: datetime, expected: int
) -> None:
    assert _gauge(workload, now) == expected
    schedule = load_workload(workload).workload.schedule("extended-hours")
    assert schedule is not None
    day = list(open_intervals(schedule, now - timedelta(hours=12), now + timedelta(hours=12)))
    assert any(i.start <= now < i.end for i in day) is bool(expected)
