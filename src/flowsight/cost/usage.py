"""Measured work per component and flow, grouped inside DuckDB.

A span belongs to a flow through its trace: the trace takes the flow of its
earliest entry span that the workload's telemetry mapping attributes (the same
attribution `flowsight evaluate` uses, flowsight.slo.attribution). A span belongs to a component by
the component's `spans` rules (any rule matching), or, without rules, when it
is a non-client span of the component's `service`. The engine returns one row
per month, component and flow, so memory is bounded by those, not by spans.
The SQL is written once for every backend (the flowsight store on DuckDB, or
`otel_traces` on ClickHouse), in the backend's dialect.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flowsight.cost.sources.base import Period
from flowsight.evaluate.base import Backend, QueryPlan
from flowsight.evaluate.duckdb import DIALECT, DuckDBBackend
from flowsight.evaluate.sql import Dialect, flow_case
from flowsight.model import Component, SpanMatch, Workload
from flowsight.slo.attribution import anchored_route_regex, attribution_rules
from flowsight.telemetry.store import TelemetryStore

#: Entry spans this long before a period still give their trace's child spans a flow.
TRACE_MARGIN = timedelta(hours=1)
#: OTLP span kinds that call out of a service (client, producer).
OUTBOUND_KINDS = (3, 4)


@dataclass
class Work:
    spans: int = 0
    duration_ns: int = 0


@dataclass
class Usage:
    """(month, component) -> flow (None: no flow) -> Work; (month, flow) -> executions."""

    work: dict[tuple[str, str], dict[str | None, Work]] = field(default_factory=dict)
    executions: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))


def _rule_sql(rule: SpanMatch, dialect: Dialect) -> str:
    parts = []
    if rule.attribute:
        value = f"nullif(attributes[{dialect.quote(rule.attribute)}], '')"
        if rule.values:
            parts.append(f"{value} IN ({', '.join(dialect.quote(v) for v in rule.values)})")
        else:
            parts.append(f"{value} IS NOT NULL")
    if rule.service:
        parts.append(f"service = {dialect.quote(rule.service)}")
    if rule.name:
        parts.append(f"{dialect.regex}(name, {dialect.quote(anchored_route_regex(rule.name))})")
    return "(" + " AND ".join(parts) + ")"


def component_condition(component: Component, dialect: Dialect = DIALECT) -> str | None:
    """SQL for 'this span is the component's work', None when nothing measures it."""
    if component.spans:
        return " OR ".join(_rule_sql(rule, dialect) for rule in component.spans)
    if component.service:
        return f"(service = {dialect.quote(component.service)} AND kind NOT IN {OUTBOUND_KINDS})"
    return None


def measured(component: Component) -> bool:
    return component_condition(component) is not None


def _bounds(periods: list[Period]) -> tuple[int, int]:
    start = min(p.start for p in periods)
    end = max(p.end for p in periods)
    return int(start.timestamp() * 1e9), int(end.timestamp() * 1e9)


def _trace_flows(workload: Workload, lo: int, hi: int, backend: Backend) -> str:
    attributes, routes = attribution_rules(workload)
    plan = QueryPlan(lo, hi, attributes, routes, {}, {})
    margin = int(TRACE_MARGIN.total_seconds() * 1e9)
    dialect = backend.dialect
    # Inner names differ from the outer aliases: ClickHouse resolves an alias before a column.
    return (
        f"SELECT trace_id, {dialect.arg_min}(entry_flow, entry_ns) AS flow, "
        "min(entry_ns) AS start_ns FROM ("
        f"SELECT trace_id, start_ns AS entry_ns, {flow_case(plan, dialect)} AS entry_flow FROM ("
        f"SELECT *, coalesce(http_route, url_path) AS route FROM {backend.spans(lo - margin, hi)} "
        f"WHERE (kind IN (2, 5) OR parent_span_id = '') AND start_ns >= {lo - margin} "
        f"AND start_ns < {hi}) AS entry) AS attributed WHERE entry_flow IS NOT NULL GROUP BY trace_id"
    )


def _work_sql(conditions: dict[str, str], lo: int, hi: int, backend: Backend) -> str:
    dialect = backend.dialect
    cases = ", ".join(
        f"CASE WHEN {sql} THEN {dialect.quote(cid)} END" for cid, sql in conditions.items()
    )
    return (
        "SELECT s.month, s.component, tf.flow, count(*), sum(s.duration_ns) FROM ("
        f"SELECT trace_id, duration_ns, {dialect.month.format(ns='start_ns')} AS month, "
        f"{dialect.unnest}([{cases}]) AS component "
        f"FROM {backend.spans(lo, hi)} WHERE start_ns >= {lo} AND start_ns < {hi}) AS s "
        "LEFT JOIN tf ON s.trace_id = tf.trace_id WHERE s.component IS NOT NULL "
        "GROUP BY s.month, s.component, tf.flow"
    )


def measure_usage(
    workload: Workload, source: Backend | TelemetryStore, periods: list[Period]
) -> Usage:
    """Work per month, component and flow, and executions (traces) per month and flow."""
    backend = DuckDBBackend(source) if isinstance(source, TelemetryStore) else source
    lo, hi = _bounds(periods)
    months = {p.month for p in periods}
    conditions = {
        c.id: sql
        for c in workload.components
        if (sql := component_condition(c, backend.dialect)) is not None
    }
    month = backend.dialect.month.format(ns="start_ns")
    queries = {
        "executions": (
            f"SELECT {month} AS month, flow, count(*) FROM tf "
            f"WHERE start_ns >= {lo} GROUP BY month, flow"
        )
    }
    if conditions:
        queries["work"] = _work_sql(conditions, lo, hi, backend)
    found = backend.rows(queries, {"tf": _trace_flows(workload, lo, hi, backend)})
    usage = Usage()
    for month_name, flow, count in found["executions"]:
        if month_name in months:
            usage.executions[(month_name, flow)] += int(count)
    for month, component, flow, spans, duration in found.get("work", []):
        if month in months:
            usage.work.setdefault((month, component), {})[flow] = Work(int(spans), int(duration))
    return usage
