"""ClickHouse (chdb, in process) vs DuckDB: `evaluate` and `cost` over the same spans.

Usage: python bench/clickhouse_bench.py [--spans 10000000] [--rounds 3] [--dir DIR]

The spans (Relecloud traffic over 30 days: an entry span and three child spans per
trace, 2 % unmatched, errors and slow requests) are generated inside DuckDB into one
flowsight store segment, then copied into an `otel_traces` table made with the
Collector ClickHouse exporter's current DDL (tests/fixtures/clickhouse). Each round
runs the DuckDB backend and the ClickHouse backend one after the other (A B A B ...)
so load from other work on the machine falls on both; the script prints the median
time per backend, the ratio, and checks that both gave the same numbers.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, tzinfo=UTC)
DAYS = 30
# (method, route, flow attribute or '', share in per mille, error per mille, median ms)
TRAFFIC = [
    ("GET", "/concerts", "", 400, 1, 60),
    ("GET", "/concerts/{id}", "", 200, 1, 40),
    ("GET", "/concerts/search", "", 120, 2, 120),
    ("POST", "/cart/add", "", 80, 1, 90),
    ("POST", "/cart/checkout", "", 40, 3, 600),
    ("POST", "/login", "", 60, 1, 150),
    ("GET", "/healthz", "collect-telemetry", 80, 0, 2),
    ("GET", "/static/app.css", "", 20, 0, 5),
]
COLUMNS = (
    "Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, "
    "ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, "
    "StatusMessage"
)


def _choice(column: str, values: list[Any], weights: list[int]) -> str:
    """A CASE picking values[i] by a per-mille bucket of `column`."""
    whens, edge = [], 0
    for value, weight in zip(values, weights, strict=True):
        edge += weight
        whens.append(f"WHEN {column} < {edge} THEN {value!r}".replace("None", "NULL"))
    return f"CASE {' '.join(whens)} END"


def generate(store_dir: Path, spans: int) -> Path:
    """One Parquet segment of `spans` spans in the flowsight store schema, made by DuckDB."""
    import duckdb

    from flowsight.telemetry import open_store
    from flowsight.telemetry.spans import SCHEMA
    from flowsight.telemetry.store import publish, staged_name

    store = open_store(store_dir, create=True)
    start = int(NOW.timestamp() * 1e9) - DAYS * 86400 * 10**9
    step = DAYS * 86400 * 10**9 // max(spans, 1)
    weights = [t[3] for t in TRAFFIC]
    method = _choice("pick", [t[0] for t in TRAFFIC], weights)
    route = _choice("pick", [t[1] for t in TRAFFIC], weights)
    flow = _choice("pick", [t[2] for t in TRAFFIC], weights)
    median = _choice("pick", [t[5] for t in TRAFFIC], weights)
    errors = _choice("pick", [t[4] for t in TRAFFIC], weights)
    target = store.tmp_dir / f"{staged_name()}.parquet"
    rows = f"""
        SELECT i, i % 4 = 0 AS entry, hash(i // 4) % 1000 AS pick, hash(i * 7) % 1000 AS roll
        FROM range({spans}) AS r(i)"""
    spanned = f"""
        SELECT printf('%032x', i // 4) AS trace_id, printf('%016x', i + 1) AS span_id,
          CASE WHEN entry THEN '' ELSE printf('%016x', i - i % 4 + 1) END AS parent_span_id,
          'relecloud' AS service,
          CASE WHEN entry THEN {method} || ' ' || {route} ELSE 'SELECT concerts' END AS name,
          CAST(CASE WHEN entry THEN 2 ELSE 3 END AS TINYINT) AS kind,
          CAST(CASE WHEN entry AND roll < {errors} THEN 2 ELSE 0 END AS TINYINT) AS status,
          CAST({start} + i * {step} AS BIGINT) AS start_ns,
          CAST(({median}) * 1000000 * (0.5 + (hash(i) % 1000) / 500.0) AS BIGINT) AS duration_ns,
          CASE WHEN entry THEN {method} END AS http_method,
          CASE WHEN entry THEN {route} END AS http_route, CAST(NULL AS VARCHAR) AS url_path,
          CASE WHEN entry THEN CASE WHEN roll < {errors} THEN 503 WHEN roll > 995 THEN 404
            ELSE 200 END END AS http_status,
          CASE WHEN entry AND roll % 3 = 0 THEN 'user-' || (roll % 97) END AS enduser,
          CAST(NULL AS VARCHAR) AS synthetic, {flow} AS flow_attr
        FROM ({rows}) AS r"""
    with duckdb.connect() as connection:
        connection.execute(f"""
            COPY (SELECT trace_id, span_id, parent_span_id, service, name, kind, status,
              start_ns, duration_ns, http_method, http_route, url_path,
              CAST(http_status AS INTEGER) AS http_status, enduser, synthetic,
              CASE WHEN kind = 2 THEN map_from_entries(list_filter([
                {{'key': 'http.route', 'value': http_route}},
                {{'key': 'http.request.method', 'value': http_method}},
                {{'key': 'http.response.status_code', 'value': CAST(http_status AS VARCHAR)}},
                {{'key': 'app.flow', 'value': flow_attr}},
                {{'key': 'enduser.id', 'value': enduser}}], lambda x: x.value IS NOT NULL))
              ELSE MAP {{'db.system': 'postgresql'}} END AS attributes
            FROM ({spanned}) AS s) TO '{target}' (FORMAT parquet, COMPRESSION zstd)""")
    assert len(SCHEMA) == 16
    publish(store, [target])
    return store_dir


def load_clickhouse(session: Any, store_dir: Path) -> None:
    """otel_traces (the exporter's current DDL) filled from the store's segment."""
    from flowsight.telemetry import open_store
    from flowsight.telemetry.store import segment_files

    template = (ROOT / "tests/fixtures/clickhouse/traces_table.current.sql.tmpl").read_text()
    ddl = re.sub(r"\{\{- if \.HasFullTextSearch\}\}.*?\{\{- else\}\}\n", "", template, flags=re.S)
    ddl = ddl.replace("{{- end}}\n", "").replace(
        "{{ident .Database}}.{{ident .TableName}}", "bench.otel_traces"
    )
    ddl = (
        ddl.replace("{{.ClusterString}}", "")
        .replace("{{.Engine}}", "MergeTree()")
        .replace("{{.TTL}}", "")
    )
    session.query("DROP DATABASE IF EXISTS bench")
    session.query("CREATE DATABASE bench")
    session.query(ddl)
    for segment in segment_files(open_store(store_dir)):
        session.query(f"""
            INSERT INTO bench.otel_traces ({COLUMNS})
            SELECT fromUnixTimestamp64Nano(start_ns), trace_id, span_id, parent_span_id, '', name,
              if(kind = 2, 'Server', 'Client'), service, map(), '', '',
              CAST(attributes AS Map(String, String)), toUInt64(duration_ns),
              if(status = 2, 'Error', 'Unset'), ''
            FROM file('{segment}', Parquet)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    options = parser.parse_args()
    import chdb.session

    from flowsight.cost import allocate_costs, periods_ending
    from flowsight.evaluate import evaluate_workload
    from flowsight.evaluate.clickhouse import ClickHouseBackend
    from flowsight.load import load_workload
    from flowsight.telemetry import open_store

    work = options.dir or Path(tempfile.mkdtemp(prefix="flowsight-chbench-"))
    began = time.perf_counter()
    store_dir = generate(work / "store", options.spans)
    print(f"generated {options.spans:,} spans in {time.perf_counter() - began:.1f} s")
    session = chdb.session.Session(str(work / "chdb"))
    began = time.perf_counter()
    load_clickhouse(session, store_dir)
    print(f"loaded otel_traces in {time.perf_counter() - began:.1f} s")
    workload = load_workload(ROOT / "examples/relecloud/workload.yaml").workload
    store = open_store(store_dir)
    clickhouse = ClickHouseBackend(
        lambda sql: session.query(sql, "ArrowTable"), "bench.otel_traces"
    )
    periods = periods_ending("2026-11", 1, NOW)
    commands = {
        "evaluate": lambda source: evaluate_workload(
            workload, source, window="30d", now=NOW
        ).to_dict(series=False),
        "cost": lambda source: allocate_costs(workload, source, periods).to_dict(),
    }
    times: dict[tuple[str, str], list[float]] = {}
    results: dict[tuple[str, str], Any] = {}
    for _ in range(options.rounds):
        for command, run in commands.items():
            for name, source in (("duckdb", store), ("chdb", clickhouse)):
                began = time.perf_counter()
                found = run(source)
                times.setdefault((command, name), []).append(time.perf_counter() - began)
                if isinstance(found, dict):
                    found.pop("backend", None)
                results[(command, name)] = found
    print("| command | spans | DuckDB s | chdb s | chdb / DuckDB | same numbers |")
    print("|---|---:|---:|---:|---:|---|")
    for command in commands:
        duck = statistics.median(times[(command, "duckdb")])
        click = statistics.median(times[(command, "chdb")])
        same = results[(command, "duckdb")] == results[(command, "chdb")]
        print(
            f"| {command} | {options.spans:,} | {duck:.2f} | {click:.2f} | {click / duck:.2f}x | "
            f"{'yes' if same else 'NO'} |"
        )


if __name__ == "__main__":
    main()
