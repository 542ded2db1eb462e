"""Reading where the traces already are: the Collector ClickHouse exporter's `otel_traces`.

The exporter spelled span kinds and status codes differently across versions
(`SPAN_KIND_SERVER` / `Server`, `STATUS_CODE_ERROR` / `Error`) and stores
attribute values as strings in a Map; the `source` subquery normalizes all of
that into the flowsight span shape so the shared SQL runs unchanged.

Evaluation is one grouped pass, as on DuckDB: ClickHouse scans and attributes
the spans once and groups them into the two small sets of `onepass` (each span
is counted in both sets through `arrayJoin([1, 2])`, which needs no GROUPING()
semantics); the grouped rows come back as Arrow and the same rollup SQL as the
DuckDB backend turns them into the aggregates, in an in-memory DuckDB. Queries
go through any `execute(sql) -> pyarrow.Table`: clickhouse-connect for a
server (flowsight.evaluate.clickhouse_connect), chdb (the same engine,
in-process) in the tests and the benchmark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa

from flowsight.errors import StoreError, UsageError
from flowsight.evaluate.base import Aggregates, QueryPlan
from flowsight.evaluate.onepass import (
    SET_BUCKETS,
    SET_MINUTES,
    flow_numbers,
    roll_up,
    tagged_spans,
    unpacked_table,
)
from flowsight.evaluate.sql import Dialect, entry_spans

Execute = Callable[[str], pa.Table]

DIALECT = Dialect(
    regex="match",
    int_div="intDiv({a}, {b})",
    expand_ranges=(
        "SELECT flow, toInt64(arrayJoin(range(lo, hi))) AS minute, w "
        "FROM values('flow String, lo UInt64, hi UInt64, w UInt8', {values})"
    ),
    values_row="({flow}, {lo}, {hi}, {w})",
    backslash_escapes=True,
    starts_with="startsWith",
    arg_min="argMin",
    unnest="arrayJoin",
    month="formatDateTime(fromUnixTimestamp64Nano(toInt64({ns}), 'UTC'), '%Y-%m')",
    typed_null="CAST(NULL AS Nullable({type}))",
)
#: LEFT JOINs give NULL, not the type's default, where nothing matched (as in SQL).
SETTINGS = " SETTINGS join_use_nulls = 1"

_KIND = (
    "multiIf(SpanKind IN ('SPAN_KIND_SERVER', 'Server'), 2, "
    "SpanKind IN ('SPAN_KIND_CONSUMER', 'Consumer'), 5, "
    "SpanKind IN ('SPAN_KIND_CLIENT', 'Client'), 3, "
    "SpanKind IN ('SPAN_KIND_PRODUCER', 'Producer'), 4, "
    "SpanKind IN ('SPAN_KIND_INTERNAL', 'Internal'), 1, 0)"
)
_STATUS = (
    "multiIf(StatusCode IN ('STATUS_CODE_ERROR', 'Error'), 2, "
    "StatusCode IN ('STATUS_CODE_OK', 'Ok'), 1, 0)"
)


def _a(key: str) -> str:
    return f"nullIf(SpanAttributes['{key}'], '')"


def source(table: str, start_ns: int, end_ns: int) -> str:
    """`otel_traces` as flowsight spans, pruned to the scan range on the partition key."""
    path = f"coalesce({_a('url.path')}, {_a('http.target')})"
    return (
        "(SELECT TraceId AS trace_id, SpanId AS span_id, ParentSpanId AS parent_span_id, "
        f"ServiceName AS service, SpanName AS name, {_KIND} AS kind, {_STATUS} AS status, "
        "toInt64(toUnixTimestamp64Nano(Timestamp)) AS start_ns, toInt64(Duration) AS duration_ns, "
        f"coalesce({_a('http.request.method')}, {_a('http.method')}) AS http_method, "
        f"{_a('http.route')} AS http_route, "
        f"nullIf(splitByChar('?', coalesce({path}, ''))[1], '') AS url_path, "
        "toInt32OrNull(toString(coalesce("
        f"{_a('http.response.status_code')}, {_a('http.status_code')}))) AS http_status, "
        f"coalesce({_a('enduser.id')}, {_a('user.id')}) AS enduser, "
        f"{_a('user_agent.synthetic.type')} AS synthetic, SpanAttributes AS attributes "
        f"FROM {table} "
        f"WHERE Timestamp >= fromUnixTimestamp64Nano(toInt64({start_ns})) "
        f"AND Timestamp < fromUnixTimestamp64Nano(toInt64({end_ns})))"
    )


def _counted(plan: QueryPlan, numbers: dict[str, int]) -> str:
    rows = [
        f"({numbers[flow]}, {lo}, {hi}, {w})"
        for flow, ranges in plan.counted.items()
        for lo, hi, w in ranges
        if hi > lo
    ] or ["(-1, 0, 0, 0)"]
    return (
        "(SELECT flow, toInt64(arrayJoin(range(lo, hi))) AS minute, w "
        f"FROM values('flow Int32, lo UInt64, hi UInt64, w UInt8', {', '.join(rows)}))"
    )


def grouped_sets(plan: QueryPlan, table: str, numbers: dict[str, int]) -> str:
    """The one grouped pass, in ClickHouse SQL: (gid, flow, step, mkey, hkey, u, ...) rows."""
    label = {flow: str(number) for flow, number in numbers.items()}
    entry = entry_spans(
        plan, source(table, plan.start_ns, plan.end_ns), DIALECT, label=label.__getitem__
    )
    tagged = tagged_spans(plan, entry, _counted(plan, numbers), numbers, DIALECT)
    minutes, buckets = "k = 1", "k = 2"
    return (
        f"SELECT if({minutes}, {SET_MINUTES}, {SET_BUCKETS}) AS gid, flow, "
        f"if({buckets}, step, NULL) AS g_step, if({minutes}, mkey, NULL) AS g_mkey, "
        f"if({buckets}, hkey, NULL) AS g_hkey, if({minutes}, u, NULL) AS g_u, "
        f"if({minutes}, svc_u, NULL) AS g_svc, if({minutes}, method_u, NULL) AS g_method, "
        f"if({minutes}, route_u, NULL) AS g_route, toInt64(count()) AS n, "
        "max(start_ns) AS last_ns "
        f"FROM (SELECT *, arrayJoin([1, 2]) AS k FROM ({tagged}) AS t) AS d "
        "GROUP BY k, flow, g_step, g_mkey, g_hkey, g_u, g_svc, g_method, g_route"
        f"{SETTINGS}"
    )


class ClickHouseBackend:
    """Reads an OpenTelemetry Collector `otel_traces` table in place."""

    name = "clickhouse"
    dialect = DIALECT

    def __init__(self, execute: Execute, table: str = "otel_traces") -> None:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$", table):
            raise UsageError(f"'{table}' is not a table name such as otel_traces or db.otel_traces")
        self.execute = execute
        self.table = table

    def _arrow(self, sql: str, what: str) -> pa.Table:
        try:
            return self.execute(sql)
        except Exception as error:  # the driver's own errors; we only add the context
            raise StoreError(f"ClickHouse query for {what} failed: {error}") from None

    def aggregate(self, plan: QueryPlan) -> Aggregates:
        numbers = flow_numbers(plan)
        sets = self._arrow(grouped_sets(plan, self.table, numbers), "the grouped pass")
        renamed = sets.rename_columns(
            [
                "gid",
                "flow",
                "step",
                "mkey",
                "hkey",
                "u",
                "svc_u",
                "method_u",
                "route_u",
                "n",
                "last_ns",
            ]
        )
        with duckdb.connect() as local:
            local.register("ch_sets", renamed)
            local.execute(
                "CREATE TEMP TABLE g AS "
                + unpacked_table(
                    plan,
                    "SELECT CAST(gid AS INTEGER) AS gid, CAST(flow AS INTEGER) AS flow, step, "
                    "CAST(mkey AS BIGINT) AS mkey, CAST(hkey AS BIGINT) AS hkey, "
                    "CAST(u AS BOOLEAN) AS u, svc_u, method_u, route_u, n, last_ns FROM ch_sets",
                )
            )
            return roll_up(local, plan, numbers)

    def spans(self, start_ns: int, end_ns: int) -> str:
        return source(self.table, start_ns, end_ns)

    def rows(
        self, queries: dict[str, str], setup: dict[str, str] | None = None
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Each query's rows; `setup` relations are common table expressions of every query."""
        prefix = ""
        if setup:
            prefix = "WITH " + ", ".join(f"{n} AS ({sql})" for n, sql in setup.items()) + " "
        found = {}
        for name, sql in queries.items():
            table = self._arrow(prefix + sql + SETTINGS, name)
            found[name] = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
        return found


def connect_clickhouse(
    url: str, table: str = "otel_traces", password_file: str | None = None
) -> ClickHouseBackend:
    """A backend over a ClickHouse server (see flowsight.evaluate.clickhouse_server)."""
    from flowsight.evaluate.clickhouse_server import connect_clickhouse as connect

    return connect(url, table, password_file)
