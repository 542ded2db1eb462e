"""Burn-rate alert tiers as data: the SRE Workbook's four window pairs (Table 5-8).

As Sloth's `windows/google-30d.yaml` and Pyrra's `Windows()`, the tiers state the
share of the error budget each may see consumed in its long window; the factor
a tier fires at is derived from that share by the schedule-aware rule in
flowsight.slo.factors, never copied as a constant. The Prometheus rules, the
OpenSLO and Grafana exports, `evaluate`, the report and the dashboard all read
these tiers from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flowsight.model import Flow, format_duration


@dataclass(frozen=True)
class Tier:
    """One window pair: fires when both windows burn faster than the tier's factor."""

    burn: str  # "fast" pages, "slow" opens a ticket
    name: str
    budget_share: float
    long: timedelta
    short: timedelta

    @property
    def long_label(self) -> str:
        return window_label(self.long)

    @property
    def short_label(self) -> str:
        return window_label(self.short)


#: The Workbook's four pairs (Sloth's google-30d catalog), fastest first.
TIERS: tuple[Tier, ...] = (
    Tier("fast", "page-quick", 0.02, timedelta(hours=1), timedelta(minutes=5)),
    Tier("fast", "page-slow", 0.05, timedelta(hours=6), timedelta(minutes=30)),
    Tier("slow", "ticket-quick", 0.10, timedelta(days=1), timedelta(hours=2)),
    Tier("slow", "ticket-slow", 0.10, timedelta(days=3), timedelta(hours=6)),
)

#: Alert states, most urgent first. `no_data`: no window had a valid event to judge.
STATES = ("page", "ticket", "ok", "no_data")


def windows() -> list[timedelta]:
    """Every window a tier reads, shortest first."""
    return sorted({w for tier in TIERS for w in (tier.long, tier.short)})


def window_label(window: timedelta) -> str:
    """`5m`, `1h`, `1d`, `3d`: burn-rate keys and the suffix of recording-rule names."""
    return format_duration(window)


def burn_windows() -> dict[str, timedelta]:
    """Every tier window by its label, shortest first (the keys of `burn_rates`)."""
    return {window_label(w): w for w in windows()}


def longest_window() -> timedelta:
    return max(windows())


def severity(flow: Flow, burn: str) -> str | None:
    """What a tier of this burn raises for the flow: page, ticket, or nothing.

    The flow's `operations.alert_severity` is the most it may raise: `page` lets
    fast burns page (slow burns open tickets), `ticket` turns every alert into a
    ticket, `none` silences the flow's burn-rate alerts.
    """
    operations = flow.targets.operations
    wanted = operations.alert_severity if operations else "ticket"
    if wanted == "none":
        return None
    return "page" if burn == "fast" and wanted == "page" else "ticket"
