"""What every evaluation backend computes, and the plan it computes it from.

A backend turns spans into a handful of small aggregates (per flow and minute,
per flow and step, latency histograms, unmatched traffic, signals) inside its
engine; everything after that (calendars, budgets, verdicts) is shared Python
working on at most minutes x flows rows. So DuckDB and ClickHouse can only
differ in SQL spelling, and the tests hold them to the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from flowsight.slo.attribution import AttributeRule, RouteRule

if TYPE_CHECKING:
    from flowsight.evaluate.sql import Dialect

__all__ = ["AttributeRule", "RouteRule"]

#: Latency histogram resolution: buckets per doubling (relative width 2^(1/16) - 1 = 4.4 %).
BUCKETS_PER_DOUBLING = 16
NS_PER_MINUTE = 60_000_000_000
#: DuckDB rule codes (flowsight.evaluate.rulecodes): flow number x this + rule slot.
RULE_CODE_STRIDE = 1000


@dataclass
class QueryPlan:
    """Everything the SQL needs, already resolved from the workload and the calendar."""

    start_ns: int
    end_ns: int
    attribute_rules: list[AttributeRule]
    route_rules: list[RouteRule]
    #: flow -> counted minute ranges [lo, hi) since the epoch; w = 1 inside the flow's
    #: window, 0 in the look-back the burn rates need before it.
    counted: dict[str, list[tuple[int, int, int]]]
    #: flow -> latency thresholds in nanoseconds (slot order = the target's order); a
    #: span is within one when its exact duration_ns is at most the threshold.
    thresholds_ns: dict[str, list[int]]
    #: minutes per series point (1 or 60).
    series_minutes: int = 60
    #: earliest start of any flow's window (the scan reaches further back for burn rates).
    window_start_ns: int = 0


#: Named columns of equal length: the two aggregates that grow with the window
#: (minutes x flows) travel as numpy arrays, so no Python object per row is made.
Columns = dict[str, np.ndarray]
MINUTE_COLUMNS = ("flow", "minute", "total", "ok", "client", "bad")
SERIES_COLUMNS = ("flow", "point", "bucket", "count")


def to_columns(rows: Sequence[Sequence[object]], names: Sequence[str]) -> Columns:
    """Row tuples (what a driver returns) as columns; the first column is the flow name."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {
        name: np.array(values, dtype=object if index == 0 else np.int64)
        for index, (name, values) in enumerate(zip(names, columns, strict=True))
    }


@dataclass
class Aggregates:
    """What every backend returns: small row lists, and columns for the two large ones."""

    #: flow, minute, total, ok, client (errors), bad
    minutes: Columns = field(default_factory=lambda: to_columns([], MINUTE_COLUMNS))
    #: (flow, step, total, ok, client_errors, bad, unauthenticated_2xx, under_0, under_1, ...)
    steps: list[tuple[object, ...]] = field(default_factory=list)
    #: (flow, step, bucket, count)
    histogram: list[tuple[str, str | None, int, int]] = field(default_factory=list)
    #: flow, point, bucket, count; point = minute // series_minutes
    series_histogram: Columns = field(default_factory=lambda: to_columns([], SERIES_COLUMNS))
    #: (service, method, route, count) of entry spans no flow claimed
    unmatched: list[tuple[str | None, str | None, str | None, int]] = field(default_factory=list)
    #: (flow, spans, last_ns, heartbeats, last_heartbeat_ns, synthetic) over the whole scan
    signals: list[tuple[str, int, int, int, int | None, int]] = field(default_factory=list)


class Backend(Protocol):
    """A place spans live: the flowsight store (DuckDB) or an `otel_traces` table (ClickHouse).

    Every reading command goes through this: `aggregate` for evaluate, report, serve and
    review; `spans` + `rows` (with the backend's `dialect`) for cost's work per trace.
    """

    name: str
    dialect: Dialect

    def aggregate(self, plan: QueryPlan) -> Aggregates:
        """Run the plan's queries in the engine and return their rows."""
        ...

    def spans(self, start_ns: int, end_ns: int) -> str:
        """A relation of flowsight-shaped spans covering at least [start_ns, end_ns)."""
        ...

    def rows(
        self, queries: dict[str, str], setup: dict[str, str] | None = None
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Run named queries; `setup` names relations (name -> SELECT) the queries read."""
        ...
