"""Evaluation on the flowsight store, in an in-memory DuckDB over its Parquet segments.

Entry spans are scanned once into a temporary table (the expensive part: the
attribute map and route patterns); every aggregate then reads that narrow table.
"""

from __future__ import annotations

from typing import Any

import duckdb

from flowsight.errors import StoreError
from flowsight.evaluate.base import Aggregates, QueryPlan
from flowsight.evaluate.sql import Dialect, counted_minutes, entry_spans, queries
from flowsight.telemetry.store import TelemetryStore, connect

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


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[Any]:
    return [tuple(row) for row in connection.execute(sql).fetchall()]


class DuckDBBackend:
    """The default backend: the telemetry store written by ingest, collect and the prober."""

    name = "duckdb"

    def __init__(self, store: TelemetryStore, memory_limit: str | None = None) -> None:
        self.store = store
        self.memory_limit = memory_limit

    def aggregate(self, plan: QueryPlan) -> Aggregates:
        try:
            with connect(self.store, self.memory_limit) as connection:
                return self._aggregate(connection, plan)
        except duckdb.IOException as error:
            raise StoreError(
                f"{self.store.path}: a segment could not be read ({error})",
                hint="a compaction may have run meanwhile; run the command again",
            ) from None

    def _aggregate(self, connection: duckdb.DuckDBPyConnection, plan: QueryPlan) -> Aggregates:
        connection.execute(f"CREATE TEMP TABLE e AS {entry_spans(plan, 'spans', DIALECT)}")
        connection.execute(f"CREATE TEMP TABLE c AS {counted_minutes(plan, DIALECT)}")
        sql = queries(plan, "e", "c", DIALECT)
        return Aggregates(**{name: _rows(connection, text) for name, text in sql.items()})
