"""`evaluate` and the exported Prometheus rules agree on page / ticket / none, minute by minute.

Each scenario is one day (Tuesday 2026-11-17 in New York unless said) of a
`checkout` flow with a 99 % objective on business hours (09:00-17:00 New York,
Monday to Friday). promtool asserts, for each of the day's 1439 minutes, the
alerts evaluate says are firing (tests/agreement/harness.py), so any minute of
disagreement fails the test. The last tests change one side's factors and
expect promtool to disagree, so the suite cannot pass vacuously.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from flowsight.export import prometheus_alerts
from flowsight.slo import alerts
from tests.agreement.harness import Outcome, Scenario, burn, judge, local, silence, steady

pytestmark = pytest.mark.slow  # each scenario runs a day through evaluate and promtool

DAY = local("2026-11-17T00:00")
HOUR = 60


def _minutes(start: str, end: str) -> set[int]:
    """Scenario minutes (since T0) of a local [start, end) on the scenario day."""
    lo = int((local(f"2026-11-17T{start}") - DAY).total_seconds() // 60)
    hi = int((local(f"2026-11-17T{end}") - DAY).total_seconds() // 60)
    return set(range(lo, hi))


def _window(name: str, start: str, end: str, notice: timedelta) -> dict[str, str]:
    begin, finish = local(f"2026-11-17T{start}"), local(f"2026-11-17T{end}")
    return {
        "id": name,
        "start": begin.isoformat(),
        "end": finish.isoformat(),
        "announced": (begin - notice).isoformat(),
        "flows": ["checkout"],
    }


IN_HOURS = Scenario("burn-in-hours", DAY, burn(steady(), 10 * HOUR, 12 * HOUR))
OUT_OF_HOURS = Scenario("burn-out-of-hours", DAY, burn(steady(), 19 * HOUR, 21 * HOUR))
ON_TIME = Scenario(
    "burn-in-on-time-maintenance",
    DAY,
    burn(steady(), 10 * HOUR, 12 * HOUR),
    maintenance=[_window("on-time", "10:00", "12:00", timedelta(hours=72))],
)
LATE = Scenario(
    "burn-in-late-maintenance",
    DAY,
    burn(steady(), 10 * HOUR, 12 * HOUR),
    maintenance=[_window("late", "10:00", "12:00", timedelta(hours=2))],
)


def _judge(scenario: Scenario, tmp_path: Path) -> Outcome:
    outcome = judge(scenario, tmp_path)
    assert outcome.agrees, outcome.promtool.stdout[-4000:] + outcome.promtool.stderr[-2000:]
    return outcome


def test_steady_traffic_raises_nothing(tmp_path: Path) -> None:
    outcome = _judge(Scenario("steady", DAY, steady()), tmp_path)
    assert outcome.timeline == [set()] * len(outcome.timeline)


def test_a_10x_burn_inside_business_hours_pages(tmp_path: Path) -> None:
    outcome = _judge(IN_HOURS, tmp_path)
    paging = set(outcome.firing_minutes("fast"))
    assert paging and paging <= _minutes("10:00", "17:00")
    assert min(paging) < min(_minutes("10:00", "10:15")) + 15


def test_the_same_burn_outside_business_hours_raises_nothing(tmp_path: Path) -> None:
    outcome = _judge(OUT_OF_HOURS, tmp_path)
    assert outcome.timeline == [set()] * len(outcome.timeline)


def test_no_page_inside_maintenance_announced_on_time(tmp_path: Path) -> None:
    outcome = _judge(ON_TIME, tmp_path)
    assert not outcome.firing_minutes("fast")
    assert not outcome.firing_minutes("slow")


def test_a_page_inside_maintenance_announced_late(tmp_path: Path) -> None:
    outcome = _judge(LATE, tmp_path)
    assert set(outcome.firing_minutes("fast")) & _minutes("10:00", "12:00")


def test_a_flow_without_traffic_is_no_data_and_raises_nothing(tmp_path: Path) -> None:
    outcome = _judge(Scenario("silent", DAY, silence()), tmp_path)
    assert outcome.timeline == [set()] * len(outcome.timeline)


def test_evaluate_says_no_data_for_a_flow_without_traffic(tmp_path: Path) -> None:
    from flowsight.evaluate import alert_timeline
    from tests.agreement.harness import FLOW, write_spans

    scenario = Scenario("silent", DAY, silence())
    workload = scenario.workload(tmp_path)
    store = write_spans(scenario, tmp_path)
    states = {
        s.state for _, s in alert_timeline(workload, store, FLOW, DAY, DAY + timedelta(hours=1))
    }
    assert states == {"no_data"}


def test_the_timeline_is_what_evaluate_reports(tmp_path: Path) -> None:
    """alert_timeline at a minute equals evaluate_workload(now=that minute).alert."""
    from flowsight.evaluate import alert_timeline, evaluate_workload
    from tests.agreement.harness import FLOW, write_spans

    workload = IN_HOURS.workload(tmp_path)
    store = write_spans(IN_HOURS, tmp_path)
    moments = [
        DAY + timedelta(minutes=m) for m in (9 * HOUR + 30, 10 * HOUR + 30, 13 * HOUR, 18 * HOUR)
    ]
    for moment in moments:
        [(_, state)] = alert_timeline(workload, store, FLOW, moment, moment + timedelta(minutes=1))
        result = evaluate_workload(workload, store, now=moment).flow(FLOW)
        assert result is not None and result.alert == state


def test_changing_evaluates_factors_alone_breaks_agreement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only evaluate's side reads a 4x factor: the 10x burn no longer pages there, still does in Prometheus."""
    real = alerts.threshold
    monkeypatch.setattr(alerts, "threshold", lambda *a: 4 * real(*a))
    outcome = judge(IN_HOURS, tmp_path)
    assert not outcome.agrees
    assert "FlowsightErrorBudgetBurn" in outcome.promtool.stdout + outcome.promtool.stderr


def test_changing_the_exported_factors_alone_breaks_agreement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the rules read a 4x factor: evaluate pages, Prometheus does not."""
    real = prometheus_alerts.threshold
    monkeypatch.setattr(prometheus_alerts, "threshold", lambda *a: 4 * real(*a))
    assert not judge(IN_HOURS, tmp_path).agrees


def test_a_scenario_change_on_one_side_is_seen(tmp_path: Path) -> None:
    """Prometheus fed other traffic than evaluate (the burn an hour later) disagrees."""
    from tests.agreement import harness

    workload = IN_HOURS.workload(tmp_path)
    timeline = harness.evaluate_side(IN_HOURS, workload, harness.write_spans(IN_HOURS, tmp_path))
    shifted = replace(IN_HOURS, traffic=burn(steady(), 11 * HOUR, 13 * HOUR))
    groups = harness.rule_groups(workload, shifted)
    assert harness.run_promtool(tmp_path, groups, shifted, timeline).returncode != 0


def test_a_late_schedule_gate_moves_alerts_by_at_most_a_minute(tmp_path: Path) -> None:
    """The stated bound for a live Prometheus, asserted.

    There the groups are evaluated independently, so `flowsight:flow_counted`
    can read the schedule gate one evaluation late: the opening minute drops
    out of the windows and the closing minute stays in. Evaluating the flow's
    group before the schedule group reproduces that lag. The bound: every
    minute of disagreement is the closing minute or lies within one minute of
    a change of evaluate's alert state.
    """
    from tests.agreement import harness

    through_closing = Scenario("burn-through-closing", DAY, burn(steady(), 15 * HOUR, 18 * HOUR))
    workload = through_closing.workload(tmp_path)
    store = harness.write_spans(through_closing, tmp_path)
    timeline = harness.evaluate_side(through_closing, workload, store)
    groups = harness.rule_groups(workload, through_closing)
    late_gate = [g["name"] for g in reversed(groups)]
    done = harness.run_promtool(tmp_path, groups, through_closing, timeline, order=late_gate)
    closing = min(_minutes("17:00", "17:01"))
    changes = {m for m in range(2, len(timeline) + 1) if timeline[m - 1] != timeline[m - 2]}
    failing = harness.failing_minutes(done.stdout + done.stderr)
    assert closing in failing
    assert all(m == closing or changes & {m - 1, m, m + 1} for m in failing), (failing, changes)
