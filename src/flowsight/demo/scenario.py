"""The demo's fault scenario and the honest compression of the flows' windows into its run.

Time is anchored at a whole minute A, because flowsight evaluates whole minutes
(time slices, maintenance cuts). The scenario's faults use Relecloud's own
fault injection: `error` faults fail exactly the next N requests of a flow, so
the number of failed requests each flow should show is known in advance and
the test can compare it with what the evaluator measured.

Compression: the flows' 30-day windows become the run's whole minutes
[A, A + minutes); the business-hours and extended-hours schedules are forced
open (24/7) inside that window, since a demo may run at 3 a.m. New York time;
objectives, latency thresholds and 1-minute time slices are unchanged, so every
number is a real count of the run's own requests. The two maintenance windows
cover the first and the last minute of the run and are declared as if announced
72 h and 2 h before they start (the telemetry flow requires 48 h).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flowsight.model import ALWAYS, MaintenanceWindow, Workload

#: Relecloud settings that make the scenario fast and deterministic.
RELECLOUD_SETTINGS = {
    "RELECLOUD_HEARTBEAT_S": "5",
    # Still argon2id, with 8 MiB and 2 passes: sign-in stays within its 500 ms p95 even
    # while the demo's load shares the two cores (the default costs 64 MiB and 3 passes).
    "RELECLOUD_ARGON2_MEMORY_KIB": "8192",
    "RELECLOUD_ARGON2_TIME_COST": "2",
    "RELECLOUD_OTLP_DELAY_MS": "500",
    # Retry delays: median 200 ms, then 400 ms (+-50 %), so the 150 ms gateway
    # burst is always over before the third attempt.
    "RELECLOUD_RETRY_BASE_MS": "200",
}
GATEWAY_BURST_S = 0.15


@dataclass(frozen=True)
class Event:
    """Something the scenario does `at_s` seconds after the anchor minute A."""

    at_s: float
    name: str
    explanation: str
    fault: dict[str, Any] | None = None
    purchase_during: bool = False
    #: the injected errors must show up as failed requests (no fallback, no exclusion)
    fails_requests: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    minutes: int
    arrivals_end_s: float
    rate_per_second: float
    concerts: int
    events: list[Event] = field(default_factory=list)

    def injected_errors(self) -> dict[str, int]:
        """Requests the scenario's error faults fail, per flow."""
        counts: dict[str, int] = {}
        for event in self.events:
            if event.fault and event.fault["kind"] == "error":
                flow = event.fault["flow"]
                counts[flow] = counts.get(flow, 0) + int(event.fault["count"])
        return counts

    def expected_failures(self) -> dict[str, int]:
        """Failed requests the evaluator must measure per flow: the rest are absorbed."""
        counts: dict[str, int] = {}
        for event in self.events:
            if event.fault and event.fails_requests:
                flow = event.fault["flow"]
                counts[flow] = counts.get(flow, 0) + int(event.fault["count"])
        return counts


def _events(list_errors: int, search_errors: int, late_minute: int, pace: float) -> list[Event]:
    return [
        Event(3, "announced maintenance",
              "telemetry pipeline upgrade, announced 72 h ahead: readiness fails 3 times "
              "(collect-telemetry); the minute is excluded from its objective",
              {"kind": "error", "flow": "collect-telemetry", "count": 3}),
        Event(12 * pace, "search outage",
              f"search fails {search_errors} times; the search page falls back to the upcoming "
              "list, so search-concerts stays available",
              {"kind": "error", "flow": "search-concerts", "count": search_errors}),
        Event(22 * pace, "payment gateway burst",
              f"the gateway is unreachable for {GATEWAY_BURST_S * 1000:.0f} ms during a purchase; "
              "retry with jittered backoff absorbs it before the breaker (5 failures) opens",
              {"kind": "outage", "target": "payment-gateway", "duration_s": GATEWAY_BURST_S},
              purchase_during=True),
        Event(32 * pace, "listing outage",
              f"the next {list_errors} requests of list-concerts fail with 503, "
              "more than its 99.9 % objective allows",
              {"kind": "error", "flow": "list-concerts", "count": list_errors},
              fails_requests=True),
        Event(late_minute * 60 + 5, "late-announced maintenance",
              "collector restart announced only 2 h ahead (48 h required): readiness fails 3 "
              "times and the whole minute counts as downtime",
              {"kind": "error", "flow": "collect-telemetry", "count": 3}, fails_requests=True),
    ]  # fmt: skip


SHORT = Scenario("short", 2, 90, 3.0, 200, _events(8, 10, 1, 1.0))
FULL = Scenario("full", 3, 140, 4.0, 1000, _events(15, 20, 2, 2.0))


def maintenance_windows(scenario: Scenario, anchor: datetime) -> list[MaintenanceWindow]:
    """The announced window covers minute 0; the late one covers the last minute."""
    late = anchor + timedelta(minutes=scenario.minutes - 1)
    return [
        MaintenanceWindow(
            id="pipeline-upgrade",
            start=anchor,
            end=anchor + timedelta(minutes=1),
            announced=anchor - timedelta(hours=72),
            flows=["collect-telemetry"],
            description="Demo: telemetry pipeline upgrade, announced 72 hours ahead.",
        ),
        MaintenanceWindow(
            id="emergency-collector-restart",
            start=late,
            end=late + timedelta(minutes=1),
            announced=late - timedelta(hours=2),
            flows=["collect-telemetry"],
            description="Demo: collector restart announced only 2 hours ahead.",
        ),
    ]


def demo_workload(workload: Workload, scenario: Scenario, anchor: datetime) -> Workload:
    """The workload as evaluated: schedules forced open, the demo's maintenance windows."""
    flows = []
    for flow in workload.flows:
        reliability = flow.targets.reliability
        if reliability is not None and reliability.schedule != ALWAYS:
            forced = reliability.model_copy(update={"schedule": ALWAYS})
            flow = flow.model_copy(
                update={"targets": flow.targets.model_copy(update={"reliability": forced})}
            )
        flows.append(flow)
    return workload.model_copy(
        update={"flows": flows, "maintenance": maintenance_windows(scenario, anchor)}
    )


def compression_note(scenario: Scenario, workload: Workload, start: datetime, end: datetime, run_s: float) -> list[str]:  # fmt: skip
    """How the demo compressed time, in sentences the output prints verbatim."""
    schedules = sorted(
        {f.targets.reliability.schedule for f in workload.flows if f.targets.reliability} - {ALWAYS}
    )
    return [
        f"Real traffic ran for {run_s:.0f} s; each flow's 30-day window was compressed to the "
        f"run's {scenario.minutes} whole minutes, {start:%H:%M}-{end:%H:%M} UTC "
        "(flowsight counts whole minutes).",
        f"The schedules {', '.join(schedules)} were forced open (24/7) inside that window, "
        "because the demo may run outside business hours; nothing else changed: objectives, "
        "latency thresholds and 1-minute time slices are the model's, and every count is a "
        "real request of this run.",
        "The two maintenance windows of collect-telemetry cover the first and the last minute "
        "and are declared as if announced 72 h and 2 h before they start (48 h are required).",
        f"Offered load: {scenario.rate_per_second:g} journeys/s in the proportions of the use "
        "cases' expected_per_minute, plus a load balancer checking readiness every 2 s.",
    ]
