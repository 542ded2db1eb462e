"""Which announced maintenance a flow's objective excludes: the one owner of the notice rule.

A window announced at least the flow's `maintenance.notice` ahead is excluded
from the flow's counted minutes: `evaluate` does not count it, the exported
Prometheus rules gate the flow's counted minutes and alerts with it, and the
Alertmanager export mutes the flow's alerts in it (`time_intervals`). A window
announced later still counts, and still pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flowsight.calendar import is_open
from flowsight.model import Flow, Workload
from flowsight.model.workload import MaintenanceWindow


def notice(flow: Flow) -> timedelta:
    """The notice the flow requires (none: every announced window is on time)."""
    target = flow.targets.reliability
    return (target.maintenance.notice if target else None) or timedelta()


def on_time(flow: Flow, window: MaintenanceWindow) -> bool:
    """Whether the window was announced with the notice the flow requires."""
    return window.start - window.announced >= notice(flow)


def flow_windows(workload: Workload, flow: Flow) -> list[MaintenanceWindow]:
    """Every maintenance window that names the flow, in declaration order."""
    return [w for w in workload.maintenance if flow.id in w.flows]


def excluded_windows(workload: Workload, flow: Flow) -> list[MaintenanceWindow]:
    """The flow's on-time windows: excluded from its objective, muted in its alerts."""
    return [w for w in flow_windows(workload, flow) if on_time(flow, w)]


def late_windows(workload: Workload, flow: Flow) -> list[MaintenanceWindow]:
    """The flow's late-announced windows: they count, and alerts still page in them."""
    return [w for w in flow_windows(workload, flow) if not on_time(flow, w)]


def counted_at(workload: Workload, flow: Flow, at: datetime) -> bool:
    """Whether the instant counts for the flow: its schedule is open and no on-time
    maintenance runs. Alerts fire only at counted instants, here and in the rules."""
    if not is_open(workload.flow_schedule(flow), at):
        return False
    return not any(w.start <= at < w.end for w in excluded_windows(workload, flow))
