"""The multiwindow, multi-burn-rate alert state of a flow at one instant.

Both sides of monitoring compute the same thing: `evaluate` here, from the
requests it counted in each window, and Prometheus from the exported rules.
A tier fires when the error ratio of both its windows exceeds its threshold
(flowsight.slo.factors); the state is the most urgent severity firing. No
valid event in any window is `no_data`, never `ok`; outside counted time
(schedule closed, on-time maintenance) the alerts are gated, as in the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowsight.model import Flow, Schedule
from flowsight.slo.budget import burn_rate
from flowsight.slo.factors import factor, threshold
from flowsight.slo.tiers import TIERS, Tier, severity

#: bad and valid units (requests or slices) in one window
Counts = tuple[float, float]


@dataclass
class AlertPair:
    severity: str | None  # None when the flow's alert_severity is `none`
    long_window: str
    short_window: str
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    firing: bool


@dataclass
class AlertState:
    state: str  # "page", "ticket", "ok" or "no_data" (flowsight.slo.tiers.STATES)
    pairs: list[AlertPair]
    gated: bool = False  # the instant is outside counted time, so no alert fires


def _fires(counts: Counts | None, limit: float) -> bool:
    return counts is not None and counts[1] > 0 and counts[0] / counts[1] > limit


def _pair(
    flow: Flow, tier: Tier, schedule: Schedule, counts: Mapping[str, Counts], objective: float
) -> AlertPair:
    target = flow.targets.reliability
    days = target.window_days if target else 30
    long_, short = counts.get(tier.long_label), counts.get(tier.short_label)
    limit = threshold(tier, schedule, days, objective)
    return AlertPair(
        severity(flow, tier.burn),
        tier.long_label,
        tier.short_label,
        factor(tier, schedule, days),
        burn_rate(long_[0], long_[1], objective) if long_ else None,
        burn_rate(short[0], short[1], objective) if short else None,
        limit < 1 and _fires(long_, limit) and _fires(short, limit),
    )


def alert_state(
    flow: Flow,
    schedule: Schedule,
    counts: Mapping[str, Counts],
    objective: float,
    counting: bool = True,
) -> AlertState:
    """The flow's alert state from the bad/valid counts of each tier window."""
    pairs = [_pair(flow, tier, schedule, counts, objective) for tier in TIERS]
    if not any(valid > 0 for _, valid in counts.values()):
        return AlertState("no_data", pairs, not counting)
    if not counting:
        return AlertState("ok", pairs, True)
    raised = {p.severity for p in pairs if p.firing}
    state = next((s for s in ("page", "ticket") if s in raised), "ok")
    return AlertState(state, pairs)
