"""Whether the signals a flow's operations target names are arriving, as far as traces show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowsight.evaluate.plan import FlowPlan
from flowsight.evaluate.results import Signal

#: A heartbeat older than this at the end of the window means it stopped.
HEARTBEAT_FRESHNESS = timedelta(minutes=5)
_NOT_IN_TRACES = "not observable from traces; check the metrics or logs pipeline"


def _time(ns: object) -> datetime | None:
    return None if ns is None else datetime.fromtimestamp(int(ns) / 1e9, UTC)  # type: ignore[call-overload]


def signals(plan: FlowPlan, row: tuple[object, ...] | None) -> list[Signal]:
    """row = (flow, spans, last_ns, heartbeats, last_heartbeat_ns, synthetic) or None."""
    operations = plan.flow.targets.operations
    spans, last, beats, last_beat, synthetic = (
        (int(row[1]), _time(row[2]), int(row[3]), _time(row[4]), int(row[5]))  # type: ignore[call-overload]
        if row
        else (0, None, 0, None, 0)
    )
    result = []
    for name in operations.signals if operations else []:
        if name == "traces":
            result.append(Signal(name, spans > 0, spans, last))
        elif name == "heartbeat":
            fresh = last_beat is not None and plan.end - last_beat <= HEARTBEAT_FRESHNESS
            note = None if fresh else "no heartbeat span in the last 5 minutes of the window"
            result.append(Signal(name, fresh, beats, last_beat, note))
        elif name == "probes":
            note = None if synthetic else "no span with user_agent.synthetic.type in the window"
            result.append(Signal(name, synthetic > 0, synthetic, None, note))
        else:
            result.append(Signal(name, None, 0, None, _NOT_IN_TRACES))
    return result
