"""Evaluation on the flowsight store, in an in-memory DuckDB over its Parquet segments.

The spans are read once: one grouped pass (`onepass.grouped`) lands a small
table of per-minute, per-bucket and unmatched groups, and the aggregates are
rolled up from it (see flowsight.evaluate.onepass for why).
"""

from __future__ import annotations

from typing import Any

import duckdb

from flowsight.errors import StoreError
from flowsight.evaluate.base import Aggregates, QueryPlan
from flowsight.evaluate.onepass import (
    counted_table,
    flow_numbers,
    grouped,
    roll_up,
)
from flowsight.evaluate.sql import Dialect
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
    dialect = DIALECT

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
        numbers = flow_numbers(plan)
        connection.execute(f"CREATE TEMP TABLE counted AS {counted_table(plan, numbers)}")
        connection.execute(f"CREATE TEMP TABLE g AS {grouped(plan, 'spans', DIALECT, numbers)}")
        return roll_up(connection, plan, numbers)

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
