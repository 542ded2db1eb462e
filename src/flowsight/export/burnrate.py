"""Numbers as the exported rules print them.

The burn-rate tiers, the schedule-aware factor rule and `1 - objective` are
owned by flowsight.slo; the exporters read them there and only format here.
"""

from __future__ import annotations

from flowsight.slo.budget import error_budget
from flowsight.slo.factors import duty_cycle, factor, threshold
from flowsight.slo.tiers import TIERS, Tier, window_label, windows

__all__ = [
    "TIERS",
    "Tier",
    "duty_cycle",
    "error_budget",
    "factor",
    "number",
    "threshold",
    "window_label",
    "windows",
]


def number(value: float) -> str:
    """A float as PromQL/YAML text without binary noise: 0.001, 14.4, 2."""
    return f"{value:.12g}"
