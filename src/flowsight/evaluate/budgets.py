"""Error budgets, burn rates and the SRE Workbook multi-window, multi-burn-rate alerts.

burn rate = error ratio / (1 - objective). An alert pair fires when both its
long and short window burn faster than `budget share x SLO window / long window`
(2 % in 1 h -> 14.4 for 30 days), so the factors follow the target's window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

#: Burn-rate windows reported for every flow.
BURN_WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}

#: (severity, long window, short window, share of the budget consumed) - Workbook Table 5-8.
ALERT_PAIRS: tuple[tuple[str, str, str, float], ...] = (
    ("page", "1h", "5m", 0.02),
    ("page", "6h", "30m", 0.05),
    ("ticket", "1d", "2h", 0.10),
    ("ticket", "3d", "6h", 0.10),
)


@dataclass
class Budget:
    unit: str  # "requests" or "minutes"
    allowed: float
    consumed: float
    remaining: float
    remaining_ratio: float | None


@dataclass
class AlertPair:
    severity: str
    long_window: str
    short_window: str
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    firing: bool


@dataclass
class AlertState:
    state: str  # "page", "ticket" or "ok"
    pairs: list[AlertPair]


def budget(unit: str, valid: float, bad: float, objective: float) -> Budget:
    allowed = (1 - objective / 100) * valid
    remaining = allowed - bad
    ratio = remaining / allowed if allowed > 0 else None
    return Budget(unit, round(allowed, 4), bad, round(remaining, 4), _round(ratio))


def burn_rate(bad: float, valid: float, objective: float) -> float | None:
    if valid <= 0:
        return None
    allowed = 1 - objective / 100
    return _round((bad / valid) / allowed) if allowed > 0 else None


def factor(share: float, window_days: float, long_window: str) -> float:
    hours = BURN_WINDOWS[long_window].total_seconds() / 3600
    return round(share * window_days * 24 / hours, 4)


def alert_state(burns: dict[str, float | None], window_days: float) -> AlertState:
    pairs = []
    for severity, long_window, short_window, share in ALERT_PAIRS:
        limit = factor(share, window_days, long_window)
        long_burn, short_burn = burns.get(long_window), burns.get(short_window)
        firing = (
            long_burn is not None
            and short_burn is not None
            and long_burn > limit
            and short_burn > limit
        )
        pairs.append(
            AlertPair(severity, long_window, short_window, limit, long_burn, short_burn, firing)
        )
    state = next(
        (s for s in ("page", "ticket") if any(p.firing for p in pairs if p.severity == s)), "ok"
    )
    return AlertState(state, pairs)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
