"""The service-level indicators of a flow, as PromQL over the OpenTelemetry histogram.

Each flow with a reliability target has an `availability` objective and one
`latency-pNN` objective per latency threshold. Selectors come from the flow's
telemetry routes (grouped by service and method into one route regex each)
or, without routes, from its flow attribute as a label. Prometheus, OpenSLO and
Grafana exporters all build their queries here, so they measure the same thing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flowsight.errors import ExportError
from flowsight.export.base import DEFAULT_METRIC, ExportOptions
from flowsight.export.burnrate import error_budget, number
from flowsight.export.escape import label_name, promql_string
from flowsight.findings import Finding
from flowsight.model import Flow, ReliabilityTarget, RouteMatch, Workload, format_duration
from flowsight.model.flow import PrometheusSli
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


_quote = promql_string


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
        label = label_name(telemetry.attribute)
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


_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")


def _in_window(query: str, window: str) -> str:
    """The team's query with `{{.window}}` replaced by the rule's range."""
    return _WINDOW.sub(window, query)


def _with_matcher(series_selector: str, matcher: str) -> str:
    """`h_bucket{job="x"}` + `le="0.5"` -> `h_bucket{job="x", le="0.5"}`."""
    text = series_selector.strip()
    if not text.endswith("}"):
        return f"{text}{{{matcher}}}"
    head = text[:-1].rstrip()
    return f"{head}{matcher}}}" if head.endswith("{") else f"{head}, {matcher}}}"


def custom_sli(flow: Flow) -> PrometheusSli | None:
    """The flow's own PromQL, when its team declared one."""
    return flow.telemetry.prometheus if flow.telemetry else None


@dataclass(frozen=True)
class Queries:
    """PromQL builders for one objective; `window` is a Prometheus duration such as `5m`.

    A flow's own PromQL (telemetry.prometheus) wins: `error_query`/`total_query`
    for availability, `latency_histogram` for latency; the rest comes from the
    selectors derived from its routes or attribute.
    """

    objective: Objective
    options: ExportOptions

    @property
    def _groups(self) -> list[list[str]]:
        return selectors(self.objective.flow, self.options)

    @property
    def _custom(self) -> PrometheusSli | None:
        return custom_sli(self.objective.flow)

    @property
    def _histogram(self) -> str | None:
        custom = self._custom
        return custom.latency_histogram if custom else None

    def total(self, window: str) -> str:
        custom = self._custom
        if self.objective.threshold is None and custom and custom.total_query:
            return f"({_in_window(custom.total_query, window)})"
        if self.objective.threshold is not None and self._histogram:
            inf = _with_matcher(self._histogram, 'le="+Inf"')
            return f"sum(rate({inf}[{window}]))"
        return _sum_rate(f"{self.options.metric}_count", self._groups, [], window)

    def bad(self, window: str) -> str:
        """Failed requests per second (availability); zero, not absent, when none failed."""
        custom = self._custom
        if custom and custom.error_query:
            return f"(({_in_window(custom.error_query, window)}) or vector(0))"
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
        if self._histogram:
            return f"sum(rate({_with_matcher(self._histogram, matcher)}[{window}]))"
        return _sum_rate(f"{self.options.metric}_bucket", self._groups, [matcher], window)

    def error_ratio(self, window: str) -> str:
        """Share of bad events; absent (not NaN) when the flow had no traffic."""
        total = f"({self.total(window)} > 0)"
        if self.objective.threshold is None:
            return f"{self.bad(window)} / {total}"
        return f"1 - {self.good(window)} / {total}"

    def quantile(self, percentile: float, window: str) -> str:
        if self._histogram:
            inner = f"rate({self._histogram.strip()}[{window}])"
        else:
            inner = " or ".join(
                f"rate({self.options.metric}_bucket{{{', '.join(m)}}}[{window}])"
                for m in self._groups
            )
        return f"histogram_quantile({number(percentile / 100)}, sum by (le) ({inner}))"


#: Labels the OpenTelemetry HTTP server metrics carry (semantic conventions), plus
#: the target labels Prometheus adds (`job`, `instance`) and the service name.
STANDARD_HTTP_LABELS = frozenset(
    {
        "http_request_method",
        "http_response_status_code",
        "http_route",
        "url_scheme",
        "network_protocol_name",
        "network_protocol_version",
        "server_address",
        "server_port",
        "error_type",
        "service_name",
        "job",
        "instance",
    }
)


def _derives_selectors(objective: Objective) -> bool:
    custom = custom_sli(objective.flow)
    if custom is None:
        return True
    if objective.threshold is None:
        return custom.error_query is None
    return custom.latency_histogram is None


def unmatched_selector_findings(workload: Workload, options: ExportOptions) -> list[Finding]:
    """Warnings for derived selectors that no standard OpenTelemetry HTTP series can match.

    A flow mapped by a custom span attribute (`app.flow`) becomes a label
    (`app_flow`) that the OTel HTTP server histogram never has, so its rules
    would stay silent forever; the fix is routes or the team's own PromQL.
    """
    if options.metric != DEFAULT_METRIC:
        return []
    findings = []
    for index, flow in enumerate(workload.flows):
        telemetry = flow.telemetry
        if telemetry is None or any(r.route for r in telemetry.routes) or not telemetry.attribute:
            continue
        if not any(_derives_selectors(o) for o in objectives(flow)):
            continue
        label = label_name(telemetry.attribute)
        if label in STANDARD_HTTP_LABELS:
            continue
        findings.append(
            Finding(
                "export.selector-unmatched",
                "warning",
                f"flow '{flow.id}' is mapped by the span attribute "
                f"'{telemetry.attribute}', exported as the label '{label}', which the "
                f"OpenTelemetry HTTP metrics ({options.metric}) never carry: its rules can "
                "never match a series",
                path=f"flows[{index}].telemetry.attribute",
                hint="map the flow by telemetry.routes, or give its SLI as PromQL in "
                "telemetry.prometheus (error_query/total_query, latency_histogram)",
            )
        )
    return findings
