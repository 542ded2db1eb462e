"""Evaluation where the traces already are: the Collector ClickHouse exporter's `otel_traces`.

The exporter spelled span kinds and status codes differently across versions
(`SPAN_KIND_SERVER` / `Server`, `STATUS_CODE_ERROR` / `Error`) and stores
attribute values as strings in a Map; the `source` subquery normalizes all of
that into the flowsight span shape so the shared SQL runs unchanged. Queries go
through any `execute(sql) -> rows` callable: clickhouse-connect for a server,
chdb (the same engine, in-process) in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from flowsight.errors import StoreError, UsageError
from flowsight.evaluate.base import (
    MINUTE_COLUMNS,
    SERIES_COLUMNS,
    Aggregates,
    QueryPlan,
    to_columns,
)
from flowsight.evaluate.sql import Dialect, counted_minutes, entry_spans, queries

Execute = Callable[[str], Sequence[Sequence[Any]]]

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
)

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


class ClickHouseBackend:
    """Reads an OpenTelemetry Collector `otel_traces` table in place."""

    name = "clickhouse"

    def __init__(self, execute: Execute, table: str = "otel_traces") -> None:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$", table):
            raise UsageError(f"'{table}' is not a table name such as otel_traces or db.otel_traces")
        self.execute = execute
        self.table = table

    def aggregate(self, plan: QueryPlan) -> Aggregates:
        entry = f"({entry_spans(plan, source(self.table, plan.start_ns, plan.end_ns), DIALECT)})"
        counted = f"({counted_minutes(plan, DIALECT)})"
        results: dict[str, list[tuple[Any, ...]]] = {}
        for name, sql in queries(plan, entry, counted, DIALECT).items():
            try:
                results[name] = [tuple(row) for row in self.execute(sql)]
            except Exception as error:  # the driver's own errors; we only add the context
                raise StoreError(f"ClickHouse query '{name}' failed: {error}") from None
        return Aggregates(
            minutes=to_columns(results.pop("minutes"), MINUTE_COLUMNS),
            series_histogram=to_columns(results.pop("series_histogram"), SERIES_COLUMNS),
            **results,
        )


def connect_clickhouse(url: str, table: str = "otel_traces") -> ClickHouseBackend:
    """A backend over clickhouse-connect, from `clickhouse://user:pass@host:8123/db`."""
    import clickhouse_connect

    try:
        client = clickhouse_connect.get_client(dsn=url)
    except Exception as error:
        raise StoreError(f"cannot connect to ClickHouse at {url}: {error}") from None
    return ClickHouseBackend(lambda sql: client.query(sql).result_rows, table)
