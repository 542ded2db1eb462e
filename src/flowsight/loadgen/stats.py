"""What a load run measured, per flow, and its thresholds checked like k6's.

A flow's requests are those its journeys sent for it (a purchase journey's
sign-in counts for the authentication flow), so each flow is judged on the
traffic that really reached its routes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flowsight.model import Flow
from flowsight.probe.runner import RequestOutcome
from flowsight.slo.budget import error_budget


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (the value at least pct % of samples are at or under)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@dataclass
class FlowStats:
    requests: int = 0
    failures: int = 0
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: RequestOutcome) -> None:
        self.requests += 1
        self.latencies_s.append(outcome.latency_s)
        key = str(outcome.status) if outcome.status is not None else "no response"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if not outcome.ok:
            self.failures += 1
            reason = (outcome.error or "failed")[:120]
            self.errors[reason] = self.errors.get(reason, 0) + 1

    @property
    def error_rate(self) -> float:
        return 100 * self.failures / self.requests if self.requests else 0.0


@dataclass
class LoadStats:
    """Counters the runner updates live; the progress bar and the report read them."""

    elapsed_s: float = 0.0
    requests: int = 0
    failures: int = 0
    journeys_started: int = 0
    journeys_passed: int = 0
    journeys_failed: int = 0
    journeys_stopped: int = 0
    dropped: int = 0
    flows: dict[str, FlowStats] = field(default_factory=dict)
    stopped_by: str = "duration"

    def record(self, outcome: RequestOutcome) -> None:
        self.requests += 1
        self.failures += 0 if outcome.ok else 1
        self.flows.setdefault(outcome.flow, FlowStats()).add(outcome)

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


@dataclass
class Check:
    """One threshold of one flow; `passed` None when the run could not test it."""

    flow: str
    name: str
    target: str
    measured: str
    passed: bool | None


def _latency_checks(flow: Flow, stats: FlowStats) -> list[Check]:
    performance = flow.targets.performance
    checks = []
    for target in performance.latency if performance else []:
        value = percentile(stats.latencies_s, target.percentile)
        limit_ms = target.threshold.total_seconds() * 1000
        measured = "-" if value is None else f"{value * 1000:.0f} ms"
        passed = None if value is None else value * 1000 <= limit_ms
        checks.append(
            Check(
                flow.id, f"p{target.percentile:g} latency", f"<= {limit_ms:g} ms", measured, passed
            )
        )
    return checks


def _error_check(flow: Flow, stats: FlowStats) -> Check | None:
    performance, reliability = flow.targets.performance, flow.targets.reliability
    if performance and performance.max_error_rate is not None:
        limit, source = performance.max_error_rate, "max_error_rate"
    elif reliability:
        limit, source = round(100 * error_budget(reliability.availability), 6), "availability"
    else:
        return None
    return Check(
        flow.id,
        f"error rate ({source})",
        f"<= {limit:g} %",
        f"{stats.error_rate:.3f} % ({stats.failures}/{stats.requests})",
        stats.error_rate <= limit,
    )


def _throughput_check(flow: Flow, stats: FlowStats, offered: float, minutes: float) -> Check | None:
    performance = flow.targets.performance
    if not performance or performance.throughput_per_minute is None or minutes <= 0:
        return None
    target = performance.throughput_per_minute
    achieved = stats.requests / minutes
    if offered < target:
        return Check(
            flow.id,
            "throughput",
            f">= {target:g}/min",
            f"{achieved:.1f}/min (offered {offered:.1f} journeys/min: not tested)",
            None,
        )
    return Check(
        flow.id, "throughput", f">= {target:g}/min", f"{achieved:.1f}/min", achieved >= target
    )


def check_thresholds(flows: list[Flow], stats: LoadStats, offered: dict[str, float]) -> list[Check]:
    """Latency percentiles, error rate and throughput of every flow that saw traffic."""
    checks: list[Check] = []
    minutes = stats.elapsed_s / 60
    for flow in flows:
        flow_stats = stats.flows.get(flow.id)
        if flow_stats is None or not flow_stats.requests:
            continue
        checks += _latency_checks(flow, flow_stats)
        extra = [
            _error_check(flow, flow_stats),
            _throughput_check(flow, flow_stats, offered.get(flow.id, 0.0), minutes),
        ]
        checks += [c for c in extra if c is not None]
    return checks
