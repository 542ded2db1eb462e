"""Measured work per component and flow, grouped inside DuckDB.

A span belongs to a flow through its trace: the trace takes the flow of its
earliest entry span that the workload's telemetry mapping attributes (the same
attribution `flowsight evaluate` uses, flowsight.slo.attribution). A span belongs to a component by
the component's `spans` rules (any rule matching), or, without rules, when it
is a non-client span of the component's `service`. The engine returns one row
per month, component and flow, so memory is bounded by those, not by spans.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flowsight.cost.sources.base import Period
from flowsight.evaluate.base import QueryPlan
from flowsight.evaluate.duckdb import DIALECT
from flowsight.evaluate.sql import flow_case
from flowsight.model import Component, SpanMatch, Workload
from flowsight.slo.attribution import anchored_route_regex, attribution_rules
from flowsight.telemetry.store import TelemetryStore, connect

#: Entry spans this long before a period still give their trace's child spans a flow.
TRACE_MARGIN = timedelta(hours=1)
#: OTLP span kinds that call out of a service (client, producer).
OUTBOUND_KINDS = (3, 4)
MONTH_SQL = "strftime(make_timestamp(start_ns // 1000), '%Y-%m')"


@dataclass
class Work:
    spans: int = 0
    duration_ns: int = 0


@dataclass
class Usage:
    """(month, component) -> flow (None: no flow) -> Work; (month, flow) -> executions."""

    work: dict[tuple[str, str], dict[str | None, Work]] = field(default_factory=dict)
    executions: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))


def _rule_sql(rule: SpanMatch) -> str:
    parts = []
    if rule.attribute:
        value = f"nullif(attributes[{DIALECT.quote(rule.attribute)}], '')"
        if rule.values:
            parts.append(f"{value} IN ({', '.join(DIALECT.quote(v) for v in rule.values)})")
        else:
            parts.append(f"{value} IS NOT NULL")
    if rule.service:
        parts.append(f"service = {DIALECT.quote(rule.service)}")
    if rule.name:
        parts.append(f"regexp_matches(name, {DIALECT.quote(anchored_route_regex(rule.name))})")
    return "(" + " AND ".join(parts) + ")"


def component_condition(component: Component) -> str | None:
    """SQL for 'this span is the component's work', None when nothing measures it."""
    if component.spans:
        return " OR ".join(_rule_sql(rule) for rule in component.spans)
    if component.service:
        return f"(service = {DIALECT.quote(component.service)} AND kind NOT IN {OUTBOUND_KINDS})"
    return None


def measured(component: Component) -> bool:
    return component_condition(component) is not None


def _bounds(periods: list[Period]) -> tuple[int, int]:
    start = min(p.start for p in periods)
    end = max(p.end for p in periods)
    return int(start.timestamp() * 1e9), int(end.timestamp() * 1e9)


def _trace_flows(workload: Workload, lo: int, hi: int) -> str:
    attributes, routes = attribution_rules(workload)
    plan = QueryPlan(lo, hi, attributes, routes, {}, {})
    margin = int(TRACE_MARGIN.total_seconds() * 1e9)
    return (
        "SELECT trace_id, arg_min(flow, start_ns) AS flow, min(start_ns) AS start_ns FROM ("
        f"SELECT trace_id, start_ns, {flow_case(plan, DIALECT)} AS flow FROM ("
        "SELECT *, coalesce(http_route, url_path) AS route FROM spans "
        f"WHERE (kind IN (2, 5) OR parent_span_id = '') AND start_ns >= {lo - margin} "
        f"AND start_ns < {hi}) AS entry) AS attributed WHERE flow IS NOT NULL GROUP BY trace_id"
    )


def _work_sql(conditions: dict[str, str], lo: int, hi: int) -> str:
    cases = ", ".join(
        f"CASE WHEN {sql} THEN {DIALECT.quote(cid)} END" for cid, sql in conditions.items()
    )
    return (
        "SELECT s.month, s.component, tf.flow, count(*), sum(s.duration_ns) FROM ("
        f"SELECT trace_id, duration_ns, {MONTH_SQL} AS month, "
        f"unnest([{cases}]) AS component "
        f"FROM spans WHERE start_ns >= {lo} AND start_ns < {hi}) AS s "
        "LEFT JOIN tf ON s.trace_id = tf.trace_id WHERE s.component IS NOT NULL GROUP BY ALL"
    )


def measure_usage(workload: Workload, store: TelemetryStore, periods: list[Period]) -> Usage:
    """Work per month, component and flow, and executions (traces) per month and flow."""
    lo, hi = _bounds(periods)
    months = {p.month for p in periods}
    conditions = {
        c.id: sql for c in workload.components if (sql := component_condition(c)) is not None
    }
    usage = Usage()
    with connect(store) as connection:
        connection.execute(f"CREATE TEMP TABLE tf AS {_trace_flows(workload, lo, hi)}")
        rows = connection.execute(
            f"SELECT {MONTH_SQL} AS month, flow, count(*) FROM tf "
            f"WHERE start_ns >= {lo} GROUP BY ALL"
        ).fetchall()
        for month, flow, count in rows:
            if month in months:
                usage.executions[(month, flow)] += int(count)
        work = connection.execute(_work_sql(conditions, lo, hi)).fetchall() if conditions else []
    for month, component, flow, spans, duration in work:
        if month in months:
            usage.work.setdefault((month, component), {})[flow] = Work(int(spans), int(duration))
    return usage
