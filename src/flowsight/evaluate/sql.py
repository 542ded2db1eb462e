"""SQL shared by the backends, parameterised by a small dialect.

Attribution (explicit attribute first, then service + method + route patterns
in the order the flows are declared; flowsight.slo.attribution owns the rules
and the route-glob regex) and outcome classification are written once here,
so both engines attribute every span identically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flowsight.evaluate.base import (
    BUCKETS_PER_DOUBLING,
    NS_PER_MINUTE,
    RULE_CODE_STRIDE,
    QueryPlan,
    RouteRule,
)
from flowsight.slo.attribution import anchored_route_regex, is_glob, literal_prefix


@dataclass(frozen=True)
class Dialect:
    regex: str  # function(text, pattern) -> bool
    int_div: str  # a template with {a} and {b}
    expand_ranges: str  # a template with {values}; yields (flow, minute)
    values_row: str  # a template with {flow}, {lo}, {hi}, {w}
    backslash_escapes: bool  # string literals treat backslash as an escape (ClickHouse)
    starts_with: str = "starts_with"  # function(text, prefix) -> bool
    arg_min: str = "arg_min"  # aggregate(value, key): the value at the smallest key
    unnest: str = "unnest"  # one row per element of a list
    month: str = "strftime(make_timestamp({ns} // 1000), '%Y-%m')"  # UTC 'YYYY-MM' of ns
    typed_null: str = "CAST(NULL AS {type})"  # a NULL of a type (ClickHouse: Nullable)

    def quote(self, text: str) -> str:
        if self.backslash_escapes:
            text = text.replace("\\", "\\\\")
        return "'" + text.replace("'", "''") + "'"


#: Maps a flow id to the SQL literal the attribution yields for it (its name, or an index).
Label = Callable[[str], str]


def attribute_names(plan: QueryPlan) -> list[str]:
    """Span attributes the rules read, each extracted once per span (map lookups are costly)."""
    names = [r.attribute for r in plan.attribute_rules]
    names += [r.step_attribute for r in plan.attribute_rules if r.step_attribute]
    return list(dict.fromkeys(names))


def _attr(name: str, plan: QueryPlan, dialect: Dialect, extracted: bool) -> str:
    """The column `entry_spans` extracted the attribute into, or the map lookup itself."""
    if extracted:
        return f"attr_{attribute_names(plan).index(name)}"
    return f"nullif(attributes[{dialect.quote(name)}], '')"


def route_condition(rule: RouteRule, dialect: Dialect) -> str:
    """Whether a span matches a route rule (service, method, route glob)."""
    parts = []
    if rule.service:
        parts.append(f"service = {dialect.quote(rule.service)}")
    if rule.method and rule.method != "*":
        parts.append(f"http_method = {dialect.quote(rule.method)}")
    column = rule.column
    if is_glob(rule.pattern):
        # The literal prefix first: a cheap test that spares most spans the regex.
        prefix = literal_prefix(rule.pattern)
        if prefix:
            parts.append(f"{dialect.starts_with}({column}, {dialect.quote(prefix)})")
        regex = anchored_route_regex(rule.pattern)
        parts.append(f"{dialect.regex}({column}, {dialect.quote(regex)})")
    else:
        parts.append(f"{column} = {dialect.quote(rule.pattern)}")
    return " AND ".join(parts)


def flow_case(
    plan: QueryPlan, dialect: Dialect, label: Label | None = None, extracted: bool = False
) -> str:
    """The flow of a span: its attribute rule first, then route rules in declaration order."""
    label = label or dialect.quote
    whens = [
        f"WHEN {_attr(rule.attribute, plan, dialect, extracted)} = {dialect.quote(rule.value)} THEN {label(rule.flow)}"
        for rule in plan.attribute_rules
    ]
    whens += [
        f"WHEN {route_condition(rule, dialect)} THEN {label(rule.flow)}"
        for rule in plan.route_rules
    ]
    if not whens:
        return dialect.typed_null.format(type=_type(label))
    return f"CASE {' '.join(whens)} ELSE NULL END"


def _type(label: Label) -> str:
    return "VARCHAR" if label("x").startswith("'") else "INTEGER"


def step_case(
    plan: QueryPlan, dialect: Dialect, label: Label | None = None, extracted: bool = False
) -> str:
    """Step = the step attribute when set, else the first route rule of that flow matching."""
    label = label or dialect.quote
    whens = []
    flows = dict.fromkeys(
        [r.flow for r in plan.attribute_rules] + [r.flow for r in plan.route_rules]
    )
    for flow in flows:
        options = [
            _attr(r.step_attribute, plan, dialect, extracted)
            for r in plan.attribute_rules
            if r.flow == flow and r.step_attribute
        ]
        routes = [
            f"WHEN {route_condition(r, dialect)} THEN {dialect.quote(r.step)}"
            for r in plan.route_rules
            if r.flow == flow and r.step
        ]
        if routes:
            options.append(f"CASE {' '.join(routes)} ELSE NULL END")
        if options:
            options.append("NULL")
            whens.append(f"WHEN flow = {label(flow)} THEN coalesce({', '.join(options)})")
    if not whens:
        return dialect.typed_null.format(type="VARCHAR")
    return f"CASE {' '.join(whens)} ELSE NULL END"


def entry_spans(
    plan: QueryPlan,
    source: str,
    dialect: Dialect,
    label: Label | None = None,
    coded: tuple[str, str] | None = None,
    keep: tuple[str, ...] = (),
) -> str:
    """Entry spans of the scan range with flow, step, minute, outcome and latency bucket.

    `coded` = (rule code CASE, step) from flowsight.evaluate.rulecodes replaces the
    plain flow and step CASEs (DuckDB); flows are then numbered. `keep` names more
    source columns to pass through (the rollup cache keeps each span's segment file).
    """
    minute = dialect.int_div.format(a="start_ns", b=NS_PER_MINUTE)
    attrs = "".join(
        f", nullif(attributes[{dialect.quote(name)}], '') AS attr_{index}"
        for index, name in enumerate(attribute_names(plan))
    )
    columns = "service, name, kind, status, start_ns, duration_ns, http_method, http_status"
    columns += "".join(f", {column}" for column in keep)
    scoped = (
        f"SELECT {columns}, enduser, synthetic, coalesce(http_route, url_path) AS route{attrs} "
        f"FROM {source} WHERE (kind IN (2, 5) OR parent_span_id = '') "
        f"AND start_ns >= {plan.start_ns} AND start_ns < {plan.end_ns}"
    )
    if coded:
        attributed = (
            f"SELECT CAST(code // {RULE_CODE_STRIDE} AS INTEGER) AS flow, * FROM "
            f"(SELECT {coded[0]} AS code, * FROM ({scoped}) AS scoped) AS coded"
        )
        step = coded[1]
    else:
        attributed = (
            f"SELECT {flow_case(plan, dialect, label, True)} AS flow, * FROM ({scoped}) AS scoped"
        )
        step = step_case(plan, dialect, label, True)
    return (
        f"SELECT flow, {step} AS step, "
        f"CAST({minute} AS BIGINT) AS minute, "
        "CAST(CASE WHEN status = 2 OR http_status >= 500 THEN 2 "
        "WHEN http_status >= 400 THEN 1 ELSE 0 END AS INTEGER) AS outcome, "
        "CAST(duration_ns AS BIGINT) AS duration_ns, "
        # Bucketed from the exact duration (not truncated to µs): the bucket's upper edge
        # must bound the duration (flowsight.evaluate.latency).
        f"CAST(floor(log2(greatest(duration_ns / 1000.0, 1)) * {BUCKETS_PER_DOUBLING}) "
        "AS INTEGER) AS bucket, "
        "CAST(CASE WHEN enduser IS NULL THEN 0 ELSE 1 END AS INTEGER) AS authed, "
        "CAST(CASE WHEN synthetic IS NULL THEN 0 ELSE 1 END AS INTEGER) AS synth, "
        f"name, service, http_method, route, start_ns{''.join(f', {c}' for c in keep)} "
        f"FROM ({attributed}) AS attributed"
    )


def counted_minutes(plan: QueryPlan, dialect: Dialect) -> str:
    rows = [
        dialect.values_row.format(flow=dialect.quote(flow), lo=lo, hi=hi, w=w)
        for flow, ranges in plan.counted.items()
        for lo, hi, w in ranges
        if hi > lo
    ]
    if not rows:
        rows = [dialect.values_row.format(flow="''", lo=0, hi=0, w=0)]
    return dialect.expand_ranges.format(values=", ".join(rows))


def _flag(condition: str) -> str:
    return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def queries(plan: QueryPlan, entry: str, counted: str, dialect: Dialect) -> dict[str, str]:
    """The aggregate queries over relations `entry` (entry spans) and `counted` (flow, minute)."""
    joined = f"{entry} AS e INNER JOIN {counted} AS c ON e.flow = c.flow AND e.minute = c.minute"
    windowed = f"{joined} WHERE c.w = 1"
    slots = max((len(t) for t in plan.thresholds_ns.values()), default=0)
    unders = []
    for slot in range(slots):
        limits = " ".join(
            f"WHEN {dialect.quote(flow)} THEN {limits[slot]}"
            for flow, limits in plan.thresholds_ns.items()
            if len(limits) > slot
        )
        unders.append(f", {_flag(f'e.duration_ns <= (CASE e.flow {limits} ELSE -1 END)')}")
    counts = (
        f"count(*), {_flag('e.outcome = 0')}, {_flag('e.outcome = 1')}, {_flag('e.outcome = 2')}"
    )
    point = dialect.int_div.format(a="e.minute", b=plan.series_minutes)
    heartbeat = "name = 'heartbeat' OR step = 'heartbeat'"
    return {
        "minutes": f"SELECT e.flow, e.minute, {counts} FROM {joined} GROUP BY e.flow, e.minute",
        "steps": (
            f"SELECT e.flow, e.step, {counts}, {_flag('e.outcome = 0 AND e.authed = 0')}"
            f"{''.join(unders)} FROM {windowed} GROUP BY e.flow, e.step"
        ),
        "histogram": (
            f"SELECT e.flow, e.step, e.bucket, count(*) FROM {windowed} "
            "GROUP BY e.flow, e.step, e.bucket"
        ),
        "series_histogram": (
            f"SELECT e.flow, CAST({point} AS BIGINT) AS p, e.bucket, count(*) FROM {windowed} "
            "GROUP BY e.flow, p, e.bucket"
        ),
        "unmatched": (
            f"SELECT service, http_method, route, count(*) AS n FROM {entry} "
            f"WHERE flow IS NULL AND start_ns >= {plan.window_start_ns} "
            "GROUP BY service, http_method, route ORDER BY n DESC, route"
        ),
        "signals": (
            f"SELECT flow, count(*), max(start_ns), "
            f"{_flag(heartbeat)}, max(CASE WHEN {heartbeat} THEN start_ns ELSE NULL END), "
            f"sum(synth) FROM {entry} WHERE flow IS NOT NULL GROUP BY flow"
        ),
    }
