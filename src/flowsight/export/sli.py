"""The service-level indicators of a flow, as PromQL over the OpenTelemetry histogram.

Each flow with a reliability target has an `availability` objective and one
`latency-pNN` objective per latency threshold. Selectors come from the flow's
telemetry routes (grouped by service and method into one route regex each)
or, without routes, from its flow attribute as a label. Prometheus, OpenSLO and
Grafana exporters all build their queries here, so they measure the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flowsight.errors import ExportError
from flowsight.export.base import ExportOptions
from flowsight.export.burnrate import error_budget, number
from flowsight.model import Flow, ReliabilityTarget, RouteMatch, format_duration
from flowsight.slo.attribution import is_glob, route_regex

SERVER_ERRORS = "5.."
CLIENT_AND_SERVER_ERRORS = "[45].."


@dataclass(frozen=True)
class Objective:
    """One objective of a flow: what share of events (or slices) must be good."""

    flow: Flow
    key: str  # "availability" or "latency-p95"
    percent: float
    threshold: timedelta | None = None

    @property
    def kind(self) -> str:
        return "availability" if self.threshold is None else "latency"

    @property
    def budget(self) -> float:
        return error_budget(self.percent)

    @property
    def reliability(self) -> ReliabilityTarget:
        target = self.flow.targets.reliability
        if target is None:  # objectives() only builds objectives for flows with one
            raise ExportError(f"flow '{self.flow.id}' has no reliability target")
        return target

    @property
    def timeslices(self) -> bool:
        return self.kind == "availability" and self.reliability.budgeting == "timeslices"

    def describe(self) -> str:
        if self.threshold is None:
            return f"{number(self.percent)}% availability"
        return f"p{number(self.percent)} latency under {format_duration(self.threshold)}"


def objectives(flow: Flow) -> list[Objective]:
    """Objectives of a flow in a stable order: availability first, then latency by percentile."""
    reliability = flow.targets.reliability
    if reliability is None:
        return []
    found = [Objective(flow, "availability", reliability.availability)]
    performance = flow.targets.performance
    for latency in sorted(performance.latency if performance else [], key=lambda x: x.percentile):
        key = f"latency-p{number(latency.percentile)}".replace(".", "-")
        found.append(Objective(flow, key, latency.percentile, latency.threshold))
    return found


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _route_groups(routes: list[RouteMatch]) -> list[tuple[str | None, str | None, list[str]]]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for route in routes:
        if route.route is None:
            continue  # a span-name rule (consumer, job): no HTTP metric carries span names
        method = None if route.method in (None, "*") else route.method
        groups[(route.service or "", method or "")].append(route.route)
    return [
        (service or None, method or None, sorted(set(globs)))
        for (service, method), globs in sorted(groups.items())
    ]


def selectors(flow: Flow, options: ExportOptions) -> list[list[str]]:
    """Label matchers of the flow's series, one list per (service, method) group."""
    telemetry = flow.telemetry
    if telemetry and any(r.route for r in telemetry.routes):
        result = []
        for service, method, globs in _route_groups(telemetry.routes):
            matchers = []
            if service:
                matchers.append(f"{options.service_label}={_quote(service)}")
            if method:
                matchers.append(f"http_request_method={_quote(method)}")
            if len(globs) == 1 and not is_glob(globs[0]):
                matchers.append(f"http_route={_quote(globs[0])}")
            else:
                matchers.append(f"http_route=~{_quote('|'.join(route_regex(g) for g in globs))}")
            result.append(matchers)
        return result
    if telemetry and telemetry.attribute:
        label = "".join(c if c.isalnum() else "_" for c in telemetry.attribute)
        return [[f"{label}={_quote(telemetry.value or flow.id)}"]]
    raise ExportError(
        f"flow '{flow.id}' has a reliability target but no telemetry mapping",
        hint="add telemetry.routes (service, method, route) or telemetry.attribute to the flow",
    )


def _le_matcher(threshold: timedelta) -> str:
    seconds = threshold.total_seconds()
    text = number(seconds)
    if seconds == int(seconds):
        alternatives = text + "|" + text + "\\.0"
        return f"le=~{_quote(alternatives)}"
    return f"le={_quote(text)}"


def _sum_rate(series: str, groups: list[list[str]], extra: list[str], window: str) -> str:
    parts = [f"rate({series}{{{', '.join(m + extra)}}}[{window}])" for m in groups]
    return f"sum({' or '.join(parts)})"


@dataclass(frozen=True)
class Queries:
    """PromQL builders for one objective; `window` is a Prometheus duration such as `5m`."""

    objective: Objective
    options: ExportOptions

    @property
    def _groups(self) -> list[list[str]]:
        return selectors(self.objective.flow, self.options)

    def total(self, window: str) -> str:
        return _sum_rate(f"{self.options.metric}_count", self._groups, [], window)

    def bad(self, window: str) -> str:
        """Failed requests per second (availability); zero, not absent, when none failed."""
        codes = (
            CLIENT_AND_SERVER_ERRORS
            if self.objective.reliability.client_errors_are_bad
            else SERVER_ERRORS
        )
        matcher = f"http_response_status_code=~{_quote(codes)}"
        return f"({_sum_rate(f'{self.options.metric}_count', self._groups, [matcher], window)} or vector(0))"

    def good(self, window: str) -> str:
        """Requests faster than the latency threshold (the histogram bucket at it)."""
        if self.objective.threshold is None:
            return f"({self.total(window)} - {self.bad(window)})"
        matcher = _le_matcher(self.objective.threshold)
        return _sum_rate(f"{self.options.metric}_bucket", self._groups, [matcher], window)

    def error_ratio(self, window: str) -> str:
        """Share of bad events; absent (not NaN) when the flow had no traffic."""
        total = f"({self.total(window)} > 0)"
        if self.objective.threshold is None:
            return f"{self.bad(window)} / {total}"
        return f"1 - {self.good(window)} / {total}"

    def quantile(self, percentile: float, window: str) -> str:
        parts = [
            f"rate({self.options.metric}_bucket{{{', '.join(m)}}}[{window}])" for m in self._groups
        ]
        return f"histogram_quantile({number(percentile / 100)}, sum by (le) ({' or '.join(parts)}))"
