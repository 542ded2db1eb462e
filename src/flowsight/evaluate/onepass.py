"""DuckDB's evaluation SQL: every aggregate from ONE scan and ONE grouped pass.

Why not one query per aggregate: the expensive part is reading the spans and
attributing them (attribute map lookups, route patterns). So the spans are
scanned once, joined to the counted minutes on small integer keys (flows are
numbered, not named), and grouped once with GROUPING SETS into three small
sets: per flow, step, minute and window tag (counts, good counts, latency
threshold counts, signals); per flow, step, series point and latency bucket
(window only); per unmatched service, method and route. The few hundred
thousand grouped rows are kept in a temporary table and rolled up into the
`Aggregates` rows the shared Python expects, so results match the ClickHouse
backend (which runs `sql.queries`) number for number.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowsight.evaluate.base import MINUTE_COLUMNS, SERIES_COLUMNS, Columns, QueryPlan
from flowsight.evaluate.sql import Dialect, entry_spans

#: GROUPING(minute_a, step, point_h, svc_u) of each grouping set (1 = column rolled up).
SET_MINUTES, SET_STEPS, SET_SERIES, SET_UNMATCHED = 0b0111, 0b1011, 0b1101, 0b1110


def flow_numbers(plan: QueryPlan) -> dict[str, int]:
    """Every flow the rules or the counted minutes name, numbered in a stable order."""
    names = [r.flow for r in plan.attribute_rules] + [r.flow for r in plan.route_rules]
    return {flow: index for index, flow in enumerate(dict.fromkeys([*names, *plan.counted]))}


def counted_table(plan: QueryPlan, numbers: dict[str, int]) -> str:
    """(flow, minute, w) of every counted minute; w = 1 inside the window, 0 in the look-back."""
    rows = [
        f"({numbers[flow]}, CAST({lo} AS BIGINT), CAST({hi} AS BIGINT), {w})"
        for flow, ranges in plan.counted.items()
        for lo, hi, w in ranges
        if hi > lo
    ] or ["(-1, CAST(0 AS BIGINT), CAST(0 AS BIGINT), 0)"]
    return (
        "SELECT CAST(flow AS INTEGER) AS flow, CAST(unnest(range(lo, hi)) AS BIGINT) AS minute, "
        f"CAST(w AS INTEGER) AS w FROM (VALUES {', '.join(rows)}) AS r(flow, lo, hi, w)"
    )


def _unders(plan: QueryPlan, numbers: dict[str, int]) -> list[str]:
    slots = max((len(t) for t in plan.thresholds_us.values()), default=0)
    columns = []
    for slot in range(slots):
        limits = " ".join(
            f"WHEN {numbers[flow]} THEN {limits[slot]}"
            for flow, limits in plan.thresholds_us.items()
            if len(limits) > slot
        )
        columns.append(
            f"count(*) FILTER (WHERE dur_us <= (CASE flow {limits} ELSE -1 END)) AS under_{slot}"
        )
    return columns


def grouped(plan: QueryPlan, source: str, dialect: Dialect, numbers: dict[str, int]) -> str:
    """The single grouped pass over the attributed entry spans, joined to the counted minutes."""
    entry = entry_spans(plan, source, dialect, label=lambda flow: str(numbers[flow]))
    heartbeat = "(name = 'heartbeat' OR step = 'heartbeat')"
    unmatched = f"(e.flow IS NULL AND e.start_ns >= {plan.window_start_ns})"
    tagged = (
        "SELECT e.*, c.w, "
        "CASE WHEN c.w IS NOT NULL THEN e.minute END AS minute_a, "
        f"CASE WHEN c.w = 1 THEN e.minute // {plan.series_minutes} END AS point_h, "
        "CASE WHEN c.w = 1 THEN e.bucket END AS bucket_h, "
        f"{unmatched} AS u, CASE WHEN {unmatched} THEN e.service END AS svc_u, "
        f"CASE WHEN {unmatched} THEN e.http_method END AS method_u, "
        f"CASE WHEN {unmatched} THEN e.route END AS route_u "
        f"FROM ({entry}) AS e LEFT JOIN counted AS c ON e.flow = c.flow AND e.minute = c.minute"
    )
    measures = [
        "count(*) AS n",
        "count(*) FILTER (WHERE outcome = 0) AS ok",
        "count(*) FILTER (WHERE outcome = 1) AS client",
        "count(*) FILTER (WHERE outcome = 2) AS bad",
        "count(*) FILTER (WHERE outcome = 0 AND authed = 0) AS unauth",
        *_unders(plan, numbers),
        "count(*) FILTER (WHERE synth = 1) AS synth",
        f"count(*) FILTER (WHERE {heartbeat}) AS beats",
        "max(start_ns) AS last_ns",
        f"max(CASE WHEN {heartbeat} THEN start_ns END) AS last_beat_ns",
    ]
    return (
        "SELECT GROUPING(minute_a, step, point_h, svc_u) AS gid, flow, step, minute_a, w, "
        f"point_h, bucket_h, u, svc_u, method_u, route_u, {', '.join(measures)} "
        f"FROM ({tagged}) AS t GROUP BY GROUPING SETS ((flow, minute_a, w), "
        "(flow, step, bucket_h), (flow, point_h, bucket_h), (u, svc_u, method_u, route_u))"
    )


def rollups(plan: QueryPlan) -> dict[str, str]:
    """The `Aggregates` rows, from the grouped table `g` (small: minutes x flows x steps)."""
    slots = max((len(t) for t in plan.thresholds_us.values()), default=0)
    unders = "".join(f", sum(under_{slot})" for slot in range(slots))
    counts = "sum(n), sum(ok), sum(client), sum(bad)"
    big = ", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}" for c in ("n", "ok", "client", "bad"))
    return {
        "minutes": (
            f"SELECT flow, minute_a AS minute, {big} FROM g "
            f"WHERE gid = {SET_MINUTES} AND w IS NOT NULL GROUP BY flow, minute_a"
        ),
        "steps": (
            f"SELECT flow, step, {counts}, sum(unauth){unders} FROM g "
            f"WHERE gid = {SET_STEPS} AND bucket_h IS NOT NULL GROUP BY flow, step"
        ),
        "histogram": (
            f"SELECT flow, step, bucket_h, sum(n) FROM g WHERE gid = {SET_STEPS} "
            "AND bucket_h IS NOT NULL GROUP BY flow, step, bucket_h"
        ),
        "series_histogram": (
            "SELECT flow, CAST(point_h AS BIGINT) AS point, CAST(bucket_h AS BIGINT) AS bucket, "
            f"CAST(sum(n) AS BIGINT) AS count FROM g WHERE gid = {SET_SERIES} "
            "AND bucket_h IS NOT NULL GROUP BY flow, point_h, bucket_h"
        ),
        "unmatched": (
            f"SELECT svc_u, method_u, route_u, sum(n) AS total FROM g WHERE gid = {SET_UNMATCHED} "
            "AND u GROUP BY svc_u, method_u, route_u ORDER BY total DESC, route_u"
        ),
        "signals": (
            "SELECT flow, sum(n), max(last_ns), sum(beats), max(last_beat_ns), sum(synth) "
            f"FROM g WHERE gid = {SET_MINUTES} AND flow IS NOT NULL GROUP BY flow"
        ),
    }


#: The rollups returned as numpy columns; the others are short lists of rows.
COLUMNAR = {"minutes": MINUTE_COLUMNS, "series_histogram": SERIES_COLUMNS}


def named(numbers: dict[str, int]) -> Callable[[tuple[object, ...]], tuple[object, ...]]:
    """Row mapper putting flow names back in place of their numbers (first column)."""
    names = {index: flow for flow, index in numbers.items()}

    def rename(row: tuple[object, ...]) -> tuple[object, ...]:
        return (names[row[0]], *row[1:])  # type: ignore[index]

    return rename


def named_columns(numbers: dict[str, int], fetched: Columns, names: tuple[str, ...]) -> Columns:
    """Columns from `fetchnumpy`, renamed, with flow numbers turned back into names."""
    lookup = np.empty(max(numbers.values(), default=0) + 1, dtype=object)
    for flow, index in numbers.items():
        lookup[index] = flow
    arrays = [np.asarray(fetched[key]) for key in fetched]
    flows = lookup[arrays[0].astype(np.int64)] if len(arrays[0]) else np.array([], dtype=object)
    return {
        names[0]: flows,
        **{name: a.astype(np.int64) for name, a in zip(names[1:], arrays[1:], strict=True)},
    }
