"""Which minutes count for each flow: window, schedule, and announced maintenance.

All calendar logic lives in flowsight.calendar; this module only turns its
intervals into minute ranges the SQL can join on, and sorts maintenance into
excluded (announced in time) and late (counts as downtime, reported).
"""

from __future__ import annotations

import calendar as month_calendar
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flowsight.calendar import open_intervals
from flowsight.errors import UsageError
from flowsight.findings import Finding
from flowsight.model import Workload
from flowsight.model.flow import Flow
from flowsight.model.targets import ReliabilityTarget
from flowsight.model.workload import MaintenanceWindow
from flowsight.slo.maintenance import flow_windows, notice, on_time
from flowsight.slo.tiers import longest_window

#: Burn rates look back at most this far, so the scan starts at least this early.
LONGEST_BURN_WINDOW = longest_window()

Ranges = list[tuple[int, int]]


@dataclass
class FlowPlan:
    flow: Flow
    start: datetime
    end: datetime
    #: minute ranges that count, from the scan start (burn rates) to the end.
    counted: Ranges
    #: counted minute ranges that late-announced maintenance turns into downtime.
    late: Ranges
    findings: list[Finding] = field(default_factory=list)
    excluded_minutes: int = 0

    @property
    def start_minute(self) -> int:
        return minute_of(self.start)

    @property
    def end_minute(self) -> int:
        return minute_of(self.end)


def minute_of(moment: datetime) -> int:
    return math.floor(moment.timestamp() / 60)


def at_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def parse_window(text: str) -> str:
    if text == "calendar-month" or (text.endswith("d") and text[:-1].isdigit() and int(text[:-1])):
        return text
    raise UsageError(f"--window '{text}' is not a window; use 'Nd' (e.g. 30d) or 'calendar-month'")


def resolve_window(
    flow: Flow,
    workload: Workload,
    window: str | None,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> tuple[datetime, datetime]:
    """[start, end) for one flow in whole minutes: the start floored, the end rounded up
    so the running minute's spans count when evaluating up to now."""
    end = end or now
    if start is None:
        target = flow.targets.reliability
        spec = parse_window(window or (target.window if target else "30d"))
        if spec == "calendar-month":
            local = end.astimezone(workload.flow_schedule(flow).zone)
            start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        else:
            start = end - timedelta(days=int(spec[:-1]))
    if start >= end:
        raise UsageError(f"the window is empty: --from {start.isoformat()} is not before --to")
    return at_minute(minute_of(start)), at_minute(math.ceil(end.timestamp() / 60))


def days_in_window(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _subtract(ranges: Ranges, cut: tuple[int, int]) -> Ranges:
    out: Ranges = []
    for lo, hi in ranges:
        if cut[1] <= lo or cut[0] >= hi:
            out.append((lo, hi))
            continue
        if lo < cut[0]:
            out.append((lo, cut[0]))
        if cut[1] < hi:
            out.append((cut[1], hi))
    return out


def _intersect(ranges: Ranges, cut: tuple[int, int]) -> Ranges:
    return [(max(lo, cut[0]), min(hi, cut[1])) for lo, hi in ranges if lo < cut[1] and cut[0] < hi]


def range_minutes(ranges: Ranges) -> int:
    return sum(hi - lo for lo, hi in ranges)


def _maintenance_finding(
    flow: Flow, window: MaintenanceWindow, late: bool, minutes: int
) -> Finding:
    ahead = window.start - window.announced
    hours = ahead.total_seconds() / 3600
    if late:
        target = flow.targets.reliability
        need = notice(flow).total_seconds() / 3600
        return Finding(
            "evaluate.maintenance-late",
            "warning",
            f"maintenance '{window.id}' was announced {hours:g} h ahead, less than the "
            f"{need:g} h notice flow '{flow.id}' requires; {_late_effect(target, minutes)}",
            path=f"maintenance.{window.id}",
            hint="announce maintenance earlier, or lower the notice in the flow's target",
        )
    return Finding(
        "evaluate.maintenance-excluded",
        "info",
        f"maintenance '{window.id}' (announced {hours:g} h ahead) excluded {minutes} scheduled "
        f"minutes of flow '{flow.id}'",
        path=f"maintenance.{window.id}",
    )


def _late_effect(target: ReliabilityTarget | None, minutes: int) -> str:
    """What late maintenance costs depends on what the budget counts: minutes of a
    time-sliced budget, or the requests failed during it of a request budget."""
    if target and target.budgeting == "timeslices":
        return f"its {minutes} scheduled minutes count as downtime"
    return (
        f"its {minutes} scheduled minutes stay in the objective: requests that fail "
        "during it count against the error budget"
    )


def plan_flow(workload: Workload, flow: Flow, start: datetime, end: datetime) -> FlowPlan:
    """Counted minutes of a flow: schedule open time minus maintenance announced in time."""
    scan_start = min(start, end - LONGEST_BURN_WINDOW)
    schedule = workload.flow_schedule(flow)
    counted: Ranges = [
        (minute_of(i.start), math.ceil(i.end.timestamp() / 60))
        for i in open_intervals(schedule, scan_start, end)
    ]
    target = flow.targets.reliability
    plan = FlowPlan(flow, start, end, counted, [])
    for window in flow_windows(workload, flow):
        if window.end <= scan_start or window.start >= end:
            continue
        cut = (minute_of(window.start), math.ceil(window.end.timestamp() / 60))
        inside = _intersect(plan.counted, cut)
        in_window = range_minutes(_intersect(inside, (plan.start_minute, plan.end_minute)))
        late = not on_time(flow, window)
        if late:
            plan.late.extend(inside)
        else:
            plan.counted = _subtract(plan.counted, cut)
            plan.excluded_minutes += in_window
        if in_window or (late and target and not target.maintenance.outside_schedule_free):
            plan.findings.append(_maintenance_finding(flow, window, late, in_window))
    return plan


def month_days(moment: datetime) -> int:
    return month_calendar.monthrange(moment.year, moment.month)[1]
