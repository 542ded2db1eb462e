"""DuckDB's evaluation SQL: every aggregate from ONE scan and ONE grouped pass.

Why not one query per aggregate: the expensive part is reading the spans and
attributing them (attribute map lookups, route patterns; see rulecodes). So the
spans are scanned once, joined to the counted minutes on small integer keys
(flows are numbered, not named), and grouped once with GROUPING SETS into two small
sets: per flow, minute and window tag (counts, good counts, signals; the
unmatched service, method and route ride in this set, since matched spans leave
them NULL), and per flow, step, series point and latency bucket inside the
window (step counts, latency thresholds, histograms). The few hundred
thousand grouped rows are kept in a temporary table and rolled up into the
`Aggregates` rows the shared Python expects. The ClickHouse backend runs the
same pass in its dialect (`tagged_spans`, its own grouping of the two sets) and
the same rollups, so the two backends match number for number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from flowsight.evaluate.base import (
    MINUTE_COLUMNS,
    SERIES_COLUMNS,
    Aggregates,
    Columns,
    QueryPlan,
)
from flowsight.evaluate.rulecodes import code_case, coded_step
from flowsight.evaluate.sql import Dialect, entry_spans

#: GROUPING(mkey, hkey) of the two grouping sets (1 = column rolled up).
SET_MINUTES, SET_BUCKETS = 0b01, 0b10


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


def _slots(plan: QueryPlan) -> int:
    return max((len(t) for t in plan.thresholds_ns.values()), default=0)


def _under_mask(plan: QueryPlan, numbers: dict[str, int]) -> str:
    """Bit i set when the span is within the flow's i-th latency threshold (exact, in nanoseconds)."""
    bits = []
    for slot in range(_slots(plan)):
        limits = " ".join(
            f"WHEN {numbers[flow]} THEN {limits[slot]}"
            for flow, limits in plan.thresholds_ns.items()
            if len(limits) > slot
        )
        bits.append(
            f"CASE WHEN e.duration_ns <= (CASE e.flow {limits} ELSE -1 END) THEN {1 << slot} ELSE 0 END"
        )
    return " + ".join(bits) or "0"


def _packed_keys(
    plan: QueryPlan, numbers: dict[str, int], dialect: Dialect | None = None
) -> tuple[str, str]:
    """(minute key, bucket key): the small per-span values of each grouping set packed into
    one BIGINT, because hashing one integer is much cheaper than hashing seven columns.

    minute key = (0 if uncounted else minute * 2 + w + 1) * 16 + outcome * 4 + heartbeat * 2
    + synthetic; bucket key (window only) = ((((point * 1024 + bucket) * 4 + outcome) * 2
    + authenticated) << slots) + threshold bits.
    """
    slots = _slots(plan)
    point = (dialect.int_div if dialect else "({a} // {b})").format(
        a="e.minute", b=plan.series_minutes
    )
    minute = (
        "(CASE WHEN c.w IS NULL THEN 0 ELSE e.minute * 2 + c.w + 1 END) * 16 + e.outcome * 4 "
        "+ CASE WHEN e.name = 'heartbeat' OR e.step = 'heartbeat' THEN 2 ELSE 0 END + e.synth"
    )
    bucket = (
        f"CASE WHEN c.w = 1 THEN ((({point} * 1024 + e.bucket) * 4 "
        f"+ e.outcome) * 2 + e.authed) * {1 << slots} + ({_under_mask(plan, numbers)}) END"
    )
    return minute, bucket


def _unpacked(slots: int) -> str:
    """The columns of `_packed_keys`, decoded (on the grouped rows only)."""
    scale = 1 << slots
    rest = f"(hkey // {scale})"
    return (
        "CASE WHEN mkey // 16 > 0 THEN (mkey // 16 - 1) // 2 END AS minute_a, "
        "CASE WHEN mkey // 16 > 0 THEN (mkey // 16 - 1) % 2 END AS w, "
        f"CASE WHEN gid = {SET_MINUTES} THEN mkey % 16 // 4 ELSE "
        f"{rest} // 2 % 4 END AS outcome, "
        "mkey % 4 // 2 = 1 AS hb, mkey % 2 = 1 AS synth, "
        f"{rest} // 8 // 1024 AS point_h, {rest} // 8 % 1024 AS bucket_h, "
        f"{rest} % 2 AS authed, hkey % {scale} AS unders"
    )


def tagged_spans(
    plan: QueryPlan,
    entry: str,
    counted: str,
    numbers: dict[str, int],
    dialect: Dialect | None = None,
) -> str:
    """Each attributed entry span with its two packed group keys and unmatched columns."""
    unmatched = f"(e.flow IS NULL AND e.start_ns >= {plan.window_start_ns})"
    minute, bucket = _packed_keys(plan, numbers, dialect)
    return (
        f"SELECT e.flow, e.step, e.start_ns, {minute} AS mkey, {bucket} AS hkey, "
        f"{unmatched} AS u, CASE WHEN {unmatched} THEN e.service END AS svc_u, "
        f"CASE WHEN {unmatched} THEN e.http_method END AS method_u, "
        f"CASE WHEN {unmatched} THEN e.route END AS route_u "
        f"FROM ({entry}) AS e LEFT JOIN {counted} AS c ON e.flow = c.flow AND e.minute = c.minute"
    )


def unpacked_table(plan: QueryPlan, sets: str) -> str:
    """The grouped table `g` the rollups read, from the rows of the two grouping sets."""
    return (
        f"SELECT gid, flow, step, {_unpacked(_slots(plan))}, u, svc_u, method_u, route_u, n, "
        f"last_ns FROM ({sets}) AS s"
    )


def grouped(plan: QueryPlan, source: str, dialect: Dialect, numbers: dict[str, int]) -> str:
    """The single grouped pass over the attributed entry spans, joined to the counted minutes.

    What would be a dozen filtered counts per group are group keys instead (outcome,
    authenticated, threshold bits, heartbeat, synthetic), packed into one integer per
    set: each set then keeps only count(*) and max(start_ns), which makes the pass cheap.
    """
    coded = (code_case(plan, dialect, numbers), coded_step(plan, dialect, numbers))
    entry = entry_spans(plan, source, dialect, coded=coded)
    tagged = tagged_spans(plan, entry, "counted", numbers)
    sets = (
        "SELECT GROUPING(mkey, hkey) AS gid, flow, step, mkey, hkey, u, svc_u, method_u, "
        f"route_u, count(*) AS n, max(start_ns) AS last_ns FROM ({tagged}) AS t "
        "GROUP BY GROUPING SETS ((flow, mkey, u, svc_u, method_u, route_u), (flow, step, hkey))"
    )
    return unpacked_table(plan, sets)


def _count(condition: str) -> str:
    return f"CAST(coalesce(sum(n) FILTER (WHERE {condition}), 0) AS BIGINT)"


def rollups(plan: QueryPlan) -> dict[str, str]:
    """The `Aggregates` rows, from the grouped table `g` (small: minutes x flows x steps)."""
    unders = "".join(f", {_count(f'unders & {1 << slot} > 0')}" for slot in range(_slots(plan)))
    counts = (
        f"CAST(sum(n) AS BIGINT) AS n, {_count('outcome = 0')} AS ok, "
        f"{_count('outcome = 1')} AS client, {_count('outcome = 2')} AS bad"
    )
    return {
        "minutes": (
            f"SELECT flow, minute_a AS minute, {counts} FROM g "
            f"WHERE gid = {SET_MINUTES} AND w IS NOT NULL GROUP BY flow, minute_a"
        ),
        "steps": (
            f"SELECT flow, step, {counts}, {_count('outcome = 0 AND authed = 0')}{unders} "
            f"FROM g WHERE gid = {SET_BUCKETS} AND bucket_h IS NOT NULL GROUP BY flow, step"
        ),
        "histogram": (
            f"SELECT flow, step, bucket_h, CAST(sum(n) AS BIGINT) FROM g WHERE gid = {SET_BUCKETS} "
            "AND bucket_h IS NOT NULL GROUP BY flow, step, bucket_h"
        ),
        "series_histogram": (
            "SELECT flow, CAST(point_h AS BIGINT) AS point, CAST(bucket_h AS BIGINT) AS bucket, "
            f"CAST(sum(n) AS BIGINT) AS count FROM g WHERE gid = {SET_BUCKETS} "
            "AND bucket_h IS NOT NULL GROUP BY flow, point_h, bucket_h"
        ),
        "unmatched": (
            "SELECT svc_u, method_u, route_u, CAST(sum(n) AS BIGINT) AS total FROM g "
            f"WHERE gid = {SET_MINUTES} AND u GROUP BY svc_u, method_u, route_u "
            "ORDER BY total DESC, route_u"
        ),
        "signals": (
            f"SELECT flow, CAST(sum(n) AS BIGINT), max(last_ns), {_count('hb')}, "
            f"max(last_ns) FILTER (WHERE hb), {_count('synth')} "
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


def roll_up(connection: Any, plan: QueryPlan, numbers: dict[str, int]) -> Aggregates:
    """The `Aggregates` from a DuckDB connection holding the grouped table `g`: the one
    roll-up both backends run (ClickHouse ships its grouped rows into a local DuckDB)."""
    rename = named(numbers)
    found: dict[str, Any] = {}
    for name, sql in rollups(plan).items():
        if name in COLUMNAR:
            fetched = connection.execute(sql).fetchnumpy()
            found[name] = named_columns(numbers, fetched, COLUMNAR[name])
        else:
            rows = [tuple(row) for row in connection.execute(sql).fetchall()]
            found[name] = rows if name == "unmatched" else [rename(row) for row in rows]
    return Aggregates(**found)
