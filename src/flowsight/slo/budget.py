"""Objective -> error budget, the one place `1 - objective` is spelled.

A budget is counted in the flow's own units: requests when it budgets by
requests, minutes (slices x slice length) when it budgets by time slices. Both
are counted only over the flow's counted minutes (schedule open, on-time
maintenance excluded), so the same objective means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


def error_budget(objective_percent: float) -> float:
    """1 - objective as a ratio, rounded so 99.9 gives 0.001 rather than 0.0010000000000000009."""
    return round(1 - objective_percent / 100, 12)


@dataclass
class Budget:
    unit: str  # "requests" or "minutes"
    allowed: float
    consumed: float
    remaining: float
    remaining_ratio: float | None


def budget(unit: str, valid: float, bad: float, objective_percent: float) -> Budget:
    """The budget `valid` units allow at this objective, and what `bad` left of it."""
    allowed = error_budget(objective_percent) * valid
    remaining = allowed - bad
    ratio = remaining / allowed if allowed > 0 else None
    return Budget(unit, round(allowed, 4), bad, round(remaining, 4), _round(ratio))


def burn_rate(bad: float, valid: float, objective_percent: float) -> float | None:
    """How many times faster than sustainable the budget burns: error ratio / (1 - objective)."""
    allowed = error_budget(objective_percent)
    if valid <= 0 or allowed <= 0:
        return None
    return _round((bad / valid) / allowed)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
