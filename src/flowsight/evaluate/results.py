"""The result of an evaluation: what the CLI table, JSON, report and dashboard all render.

`Evaluation.to_json()` is the stable, documented shape (docs/telemetry.md);
field names here are that shape, so renaming one is a breaking change.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flowsight.evaluate.latency import UPPER_BOUND, Quantile
from flowsight.findings import Finding
from flowsight.slo.alerts import AlertState
from flowsight.slo.budget import Budget
from flowsight.slo.health import Health, roll_up, verdict_health

#: Version of the JSON shape; bumped on any incompatible change.
JSON_VERSION = 1
VERDICTS = ("meeting", "at_risk", "breached", "no_data")


@dataclass
class LatencyResult:
    percentile: float
    threshold_ms: float
    value_ms: float | None
    share_under: float | None
    met: bool | None
    #: what `value_ms` is: an upper bound of the percentile that agrees with `met`
    kind: str = UPPER_BOUND


@dataclass
class StepResult:
    step: str | None
    requests: int
    good: int
    bad: int
    availability: float | None
    percentiles_ms: dict[str, float | None]
    latency: list[LatencyResult]


@dataclass
class SeriesPoint:
    start: datetime
    requests: int
    good: int
    bad: int
    availability: float | None
    percentiles_ms: dict[str, float | None]
    budget_remaining_ratio: float | None


@dataclass
class Signal:
    signal: str
    arriving: bool | None
    spans: int
    last_seen: datetime | None
    note: str | None = None


@dataclass
class Security:
    authentication_required: bool
    successful_requests: int
    unauthenticated: int
    share: float | None
    violation: bool


@dataclass
class Gap:
    start: datetime
    end: datetime
    minutes: int


@dataclass
class Contact:
    id: str
    name: str | None
    contact: str | None
    on_call: bool


@dataclass
class Throughput:
    requests: int
    counted_minutes: int
    per_minute_average: float | None
    per_minute_peak: int
    target_per_minute: float | None


@dataclass
class FlowResult:
    flow: str
    name: str
    criticality: str
    verdict: str
    reasons: list[str]
    start: datetime
    end: datetime
    schedule: str
    objective: float | None
    budgeting: str | None
    availability: float | None
    requests: int
    good: int
    bad: int
    client_errors: int
    slices: dict[str, int] | None
    budget: Budget | None
    burn_rates: dict[str, float | None]
    alert: AlertState | None
    latency: list[LatencyResult]
    percentiles_ms: dict[str, float | None]
    throughput: Throughput
    steps: list[StepResult]
    maintenance: list[Finding]
    monitoring_gaps: list[Gap]
    monitoring_gap_minutes: int
    security: Security | None
    signals: list[Signal]
    escalation_path: list[Contact]
    series_resolution: str
    series: list[SeriesPoint] = field(default_factory=list)
    #: the verdict as a health state (flowsight.slo.health), set with the verdict
    health: Health = field(default_factory=lambda: verdict_health("no_data"))
    #: `percentiles_ms` with the kind of each value ({"value_ms": ..., "kind": ...})
    quantiles: dict[str, Quantile] = field(default_factory=dict)


@dataclass
class Unmatched:
    spans: int
    top: list[dict[str, Any]]


@dataclass
class Evaluation:
    now: datetime
    backend: str
    flows: list[FlowResult]
    unmatched: Unmatched
    findings: list[Finding]

    def flow(self, flow_id: str) -> FlowResult | None:
        return next((f for f in self.flows if f.flow == flow_id), None)

    @property
    def health(self) -> Health:
        """The workload's health: the criticality-weighted roll-up of its flows."""
        return roll_up(self.flows)

    def to_dict(self, series: bool = True) -> dict[str, Any]:
        data = {"version": JSON_VERSION, **asdict(self), "health": self.health.to_dict()}
        for flow, result in zip(data["flows"], self.flows, strict=True):
            flow["health"] = result.health.to_dict()
            if not series:
                flow["series"] = []
        return _plain(data)

    def to_json(self, series: bool = True, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(series), indent=indent, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
