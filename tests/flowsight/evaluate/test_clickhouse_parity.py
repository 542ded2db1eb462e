"""The ClickHouse backend's SQL on the real ClickHouse engine (chdb) matches DuckDB exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import at, span

from flowsight.evaluate import evaluate_workload
from flowsight.evaluate.clickhouse import ClickHouseBackend

chdb_session = pytest.importorskip("chdb.session")

OTEL_TRACES = """
CREATE TABLE otel_traces (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String, SpanId String, ParentSpanId String, TraceState String,
    SpanName LowCardinality(String), SpanKind LowCardinality(String),
    ServiceName LowCardinality(String),
    ResourceAttributes Map(LowCardinality(String), String),
    ScopeName String, ScopeVersion String,
    SpanAttributes Map(LowCardinality(String), String),
    Duration UInt64, StatusCode LowCardinality(String), StatusMessage String
) ENGINE = MergeTree PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
"""
KINDS_OLD = {1: "SPAN_KIND_INTERNAL", 2: "SPAN_KIND_SERVER"}
KINDS_NEW = {1: "Internal", 2: "Server"}


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _row(record: Any, old: bool) -> str:
    kind = (KINDS_OLD if old else KINDS_NEW)[record.kind]
    status = (
        ("STATUS_CODE_ERROR" if old else "Error")
        if record.status == 2
        else ("STATUS_CODE_UNSET" if old else "Unset")
    )
    attrs = ", ".join(f"{_literal(k)}, {_literal(v)}" for k, v in record.attributes.items())
    stamp = datetime.fromtimestamp(record.start_ns // 10**9, UTC).strftime("%Y-%m-%d %H:%M:%S")
    fraction = f"{record.start_ns % 10**9:09d}"
    return (
        f"(toDateTime64('{stamp}.{fraction}', 9, 'UTC'), '{record.trace_id}', '{record.span_id}', "
        f"'{record.parent_span_id}', '', {_literal(record.name)}, '{kind}', '{record.service}', "
        f"map(), '', '', map({attrs}), {record.end_ns - record.start_ns}, '{status}', '')"
    )


@pytest.fixture(scope="module")
def chdb():  # type: ignore[no-untyped-def]
    session = chdb_session.Session()
    session.query("CREATE DATABASE IF NOT EXISTS flowsight_test")
    session.query("USE flowsight_test")
    yield session
    session.query("DROP DATABASE IF EXISTS flowsight_test")


def _execute(session: Any):  # type: ignore[no-untyped-def]
    def execute(sql: str) -> Any:
        return session.query(sql, "ArrowTable")

    return execute


def test_duckdb_and_clickhouse_agree(workload, store, put, chdb):
    spans = []
    for minute in range(0, 120, 3):
        when = f"2026-11-23T{14 + minute // 60:02d}:{minute % 60:02d}:00Z"
        spans.append(span(when, 503 if minute % 9 == 0 else 200, ms=40 + minute * 7))
        spans.append(
            span(when, 404, flow=None, route=None, method="GET", path="/items/9", old=True)
        )
        spans.append(
            span(when, 200, flow="beat", step="heartbeat", name="heartbeat", kind=1, user=None)
        )
        spans.append(span(when, flow=None, route="/unknown", method="GET"))
    spans.append(span("2026-11-24T15:05:00Z", 503))  # late maintenance
    put(*spans)
    chdb.query("DROP TABLE IF EXISTS otel_traces")
    chdb.query(OTEL_TRACES)
    values = ", ".join(_row(s, old=i % 2 == 0) for i, s in enumerate(spans))
    chdb.query(f"INSERT INTO otel_traces VALUES {values}")
    kwargs = {
        "start": at("2026-11-23T00:00:00Z"),
        "end": at("2026-11-25T00:00:00Z"),
        "now": at("2026-11-25T00:00:00Z"),
    }
    from_duckdb = evaluate_workload(workload, store, **kwargs).to_dict()
    from_clickhouse = evaluate_workload(
        workload, ClickHouseBackend(_execute(chdb)), **kwargs
    ).to_dict()
    assert from_duckdb.pop("backend") == "duckdb" and from_clickhouse.pop("backend") == "clickhouse"
    assert from_duckdb["flows"][0]["requests"] > 0 and from_duckdb["unmatched"]["spans"] == 40
    assert from_clickhouse == from_duckdb
