"""The SLO policy: one owner for every number a flow is judged by.

Objective -> error budget (budget), burn-rate tiers as data (tiers), the one
schedule-aware factor rule (factors), the alert state at an instant (alerts),
flow and workload health (health), span attribution and route globs
(attribution), and which maintenance an objective excludes (maintenance).
`evaluate`, every exporter, `check`, the report, the dashboard and /metrics,
load thresholds, review and cost read these; none computes its own.
"""

from flowsight.slo.alerts import AlertPair, AlertState, alert_state
from flowsight.slo.attribution import (
    AttributeRule,
    RouteRule,
    Span,
    anchored_route_regex,
    attribute,
    attribution_rules,
    route_matches,
    route_regex,
)
from flowsight.slo.budget import Budget, budget, burn_rate, error_budget
from flowsight.slo.factors import arithmetic, duty_cycle, factor, threshold
from flowsight.slo.health import Health, flow_health, roll_up, workload_health
from flowsight.slo.maintenance import counted_at, excluded_windows, late_windows, on_time
from flowsight.slo.tiers import STATES, TIERS, Tier, burn_windows, severity, window_label, windows

__all__ = [
    "STATES",
    "TIERS",
    "AlertPair",
    "AlertState",
    "AttributeRule",
    "Budget",
    "Health",
    "RouteRule",
    "Span",
    "Tier",
    "alert_state",
    "anchored_route_regex",
    "arithmetic",
    "attribute",
    "attribution_rules",
    "budget",
    "burn_rate",
    "burn_windows",
    "counted_at",
    "duty_cycle",
    "error_budget",
    "excluded_windows",
    "factor",
    "flow_health",
    "late_windows",
    "on_time",
    "roll_up",
    "route_matches",
    "route_regex",
    "severity",
    "threshold",
    "window_label",
    "windows",
    "workload_health",
]
