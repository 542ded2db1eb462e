"""Evaluation on the flowsight store, in an in-memory DuckDB over its Parquet segments.

The spans are read once: one grouped pass (`onepass.grouped`) lands a small
table of per-minute, per-bucket and unmatched groups, and the aggregates are
rolled up from it (see flowsight.evaluate.onepass for why). By default that table
is built from the store's per-segment rollups instead, and only segments without
one are scanned (flowsight.evaluate.rollups); `cache=False` scans every span.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from flowsight.errors import StoreError
from flowsight.evaluate.base import NS_PER_MINUTE, Aggregates, QueryPlan
from flowsight.evaluate.onepass import (
    counted_table,
    flow_numbers,
    grouped,
    roll_up,
)
from flowsight.evaluate.rollups import compute, grouped_from_rollups, save, tagging, tagging_sql
from flowsight.evaluate.sql import Dialect
from flowsight.telemetry import rollups as rollup_files
from flowsight.telemetry.rollups import key_of
from flowsight.telemetry.spans import SCHEMA
from flowsight.telemetry.store import (
    TelemetryStore,
    _snapshot,
    connect,
    empty_connection,
    parquet_list,
)

DIALECT = Dialect(
    regex="regexp_matches",
    int_div="({a} // {b})",
    expand_ranges=(
        "SELECT flow, CAST(unnest(range(lo, hi)) AS BIGINT) AS minute, w "
        "FROM (VALUES {values}) AS r(flow, lo, hi, w)"
    ),
    values_row="({flow}, CAST({lo} AS BIGINT), CAST({hi} AS BIGINT), {w})",
    backslash_escapes=False,
)


#: Segments without a rollup are tagged in passes of about this many bytes of Parquet,
#: so a first evaluate of a large store keeps memory bounded and saves as it goes.
CHUNK_BYTES = 1 << 30


def _chunks(segments: list[Path]) -> list[list[Path]]:
    chunks: list[list[Path]] = [[]]
    total = 0
    for segment in segments:
        with suppress(OSError):
            total += segment.stat().st_size
        if chunks[-1] and total > CHUNK_BYTES:
            chunks.append([])
            total = 0
        chunks[-1].append(segment)
    return [c for c in chunks if c]


def _minute_aligned(plan: QueryPlan) -> bool:
    """Rollups are per minute: the plan's bounds must fall on minutes (evaluate's do)."""
    bounds = (plan.start_ns, plan.end_ns, plan.window_start_ns)
    return all(bound % NS_PER_MINUTE == 0 for bound in bounds)


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[Any]:
    return [tuple(row) for row in connection.execute(sql).fetchall()]


class DuckDBBackend:
    """The default backend: the telemetry store written by ingest, collect and the prober."""

    name = "duckdb"
    dialect = DIALECT

    def __init__(
        self, store: TelemetryStore, memory_limit: str | None = None, cache: bool = True
    ) -> None:
        self.store = store
        self.memory_limit = memory_limit
        #: read the per-segment rollups (False: scan every span, to check them)
        self.cache = cache

    def aggregate(self, plan: QueryPlan) -> Aggregates:
        try:
            if self.cache and _minute_aligned(plan):
                with empty_connection(self.memory_limit) as connection:
                    return self._aggregate_cached(connection, plan)
            with connect(self.store, self.memory_limit) as connection:
                return self._aggregate(connection, plan)
        except duckdb.IOException as error:
            raise StoreError(
                f"{self.store.path}: a segment could not be read ({error})",
                hint="a compaction may have run meanwhile; run the command again",
            ) from None

    def _aggregate(self, connection: duckdb.DuckDBPyConnection, plan: QueryPlan) -> Aggregates:
        numbers = flow_numbers(plan)
        connection.execute(f"CREATE TEMP TABLE counted AS {counted_table(plan, numbers)}")
        connection.execute(f"CREATE TEMP TABLE g AS {grouped(plan, 'spans', DIALECT, numbers)}")
        return roll_up(connection, plan, numbers)

    def _aggregate_cached(
        self, connection: duckdb.DuckDBPyConnection, plan: QueryPlan
    ) -> Aggregates:
        numbers = flow_numbers(plan)
        connection.execute(f"CREATE TEMP TABLE counted AS {counted_table(plan, numbers)}")
        source = self._rollup_rows(connection, plan)
        grouped_sql = grouped_from_rollups(plan, source, numbers, DIALECT.quote)
        connection.execute(f"CREATE TEMP TABLE g AS {grouped_sql}")
        return roll_up(connection, plan, numbers)

    def _rollup_rows(self, connection: duckdb.DuckDBPyConnection, plan: QueryPlan) -> str:
        """A relation of the rollup rows of every segment of a snapshot and of the spans
        still in write-ahead logs; computes (and stores) the rollups segments lack."""
        segments, pending = _snapshot(self.store)
        text = tagging(plan, DIALECT)
        key = key_of(text)
        have = rollup_files.cached(self.store, key, segments)
        computed: dict[str, pa.Table] = {}
        writable = True
        for chunk in _chunks([s for s in segments if s.name not in have]):
            found = compute(connection, plan, DIALECT, chunk)
            writable = writable and save(self.store, text, found)
            computed.update(found)
        if not computed:
            with suppress(OSError):
                rollup_files.touch(self.store, key)
        fresh = list(computed.values())
        if pending:
            connection.register("pending_spans", pa.concat_tables([SCHEMA.empty_table(), *pending]))
            rows = connection.sql(
                tagging_sql(plan, "pending_spans", DIALECT, False)
            ).to_arrow_table()
            fresh.append(rows.select(rollup_files.SCHEMA.names).cast(rollup_files.SCHEMA))
        columns = ", ".join(rollup_files.SCHEMA.names)
        connection.register(
            "fresh_rollups", pa.concat_tables([rollup_files.SCHEMA.empty_table(), *fresh])
        )
        parts = [f"SELECT {columns} FROM fresh_rollups"]
        if have:
            parts.append(f"SELECT {columns} FROM read_parquet({parquet_list(have.values())})")
        return f"({' UNION ALL '.join(parts)})"

    def spans(self, start_ns: int, end_ns: int) -> str:
        """The store's spans (the `spans` view of a connection); callers filter on start_ns."""
        return "spans"

    def rows(
        self, queries: dict[str, str], setup: dict[str, str] | None = None
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Each query's rows; `setup` relations become temporary tables, computed once."""
        try:
            with connect(self.store, self.memory_limit) as connection:
                for name, sql in (setup or {}).items():
                    connection.execute(f"CREATE TEMP TABLE {name} AS {sql}")
                return {name: _rows(connection, sql) for name, sql in queries.items()}
        except duckdb.IOException as error:
            raise StoreError(
                f"{self.store.path}: a segment could not be read ({error})",
                hint="a compaction may have run meanwhile; run the command again",
            ) from None
