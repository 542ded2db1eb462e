"""Evaluate from per-segment rollups (recording rules, exactly) instead of rescanning spans.

The one grouped pass (flowsight.evaluate.onepass) keeps only count(*) and
max(start_ns) per group, and both combine across any partition of the spans.
So the spans are split in two kinds of work:
- per span, what never changes for a segment: flow, step, minute, outcome,
  heartbeat, synthetic, authenticated, latency bucket, threshold bits, and the
  service, method and route of unattributed spans. Grouped per segment and minute,
  this is the rollup flowsight.telemetry.rollups stores; its key (`fingerprint`)
  is a hash of the very SQL that computes it, so any change of attribution rules,
  step coding, thresholds, bucket scheme, outcome classification or of the code
  writing that SQL gives a new key, and nothing stale is ever read.
- per run, what moves: the window, `now`, the counted minutes (schedule,
  maintenance) and the flow numbering. `grouped_from_rollups` applies them to the
  union of the rollups, giving the very table `g` the raw pass gives; the window
  starts on a minute, so "start_ns >= window start" is "minute >= window minute".
Only segments without a rollup (new ones) are scanned, in one pass grouped by file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flowsight.evaluate.base import NS_PER_MINUTE, QueryPlan
from flowsight.evaluate.onepass import SET_BUCKETS, SET_MINUTES, _under_mask
from flowsight.evaluate.rulecodes import code_case, coded_step
from flowsight.evaluate.sql import Dialect, entry_spans
from flowsight.telemetry import rollups as files
from flowsight.telemetry.store import TelemetryStore, parquet_list

#: Bump when the meaning of a rollup changes without its SQL changing.
CODE_VERSION = "1"
#: The tagging reads every span of a segment, whatever the plan's scan range.
_EVERYTHING = (-(2**62), 2**62)


def cache_numbers(plan: QueryPlan) -> dict[str, int]:
    """Flow numbers inside the tagging SQL: from the rules and thresholds only (not the
    counted minutes), so they are the same on every run with the same fingerprint."""
    flows = [r.flow for r in plan.attribute_rules] + [r.flow for r in plan.route_rules]
    return {flow: index for index, flow in enumerate(dict.fromkeys([*flows, *plan.thresholds_ns]))}


def tagging_sql(plan: QueryPlan, source: str, dialect: Dialect, by_file: bool) -> str:
    """Every entry span of `source` tagged and grouped per minute (and per file)."""
    numbers = cache_numbers(plan)
    everything = replace(plan, start_ns=_EVERYTHING[0], end_ns=_EVERYTHING[1])
    coded = (code_case(everything, dialect, numbers), coded_step(everything, dialect, numbers))
    keep = ("filename",) if by_file else ()
    entry = entry_spans(everything, source, dialect, coded=coded, keep=keep)
    unmatched = "CASE WHEN e.flow IS NULL THEN e.{} END"
    tagged = (
        f"SELECT {'e.filename AS segment, ' if by_file else ''}e.flow, e.step, e.minute, "
        "e.outcome, coalesce(e.name = 'heartbeat' OR e.step = 'heartbeat', false) AS hb, "
        f"e.synth, e.authed, e.bucket, CAST({_under_mask(everything, numbers)} AS BIGINT) "
        f"AS unders, {unmatched.format('service')} AS svc, {unmatched.format('http_method')} "
        f"AS method, {unmatched.format('route')} AS route, e.start_ns FROM ({entry}) AS e"
    )
    names = " ".join(f"WHEN {n} THEN {dialect.quote(f)}" for f, n in numbers.items())
    flow = f"CASE flow {names} END" if names else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT * EXCLUDE (flow), {flow} AS flow FROM (SELECT * EXCLUDE (start_ns), "
        f"count(*) AS n, max(start_ns) AS last_ns FROM ({tagged}) AS t GROUP BY ALL) AS g"
    )


def tagging(plan: QueryPlan, dialect: Dialect) -> str:
    """What the key hashes and merges run: CODE_VERSION, then the tagging SQL over the
    view `rollup_source`."""
    return CODE_VERSION + "\n" + tagging_sql(plan, files.SOURCE_VIEW, dialect, by_file=False)


def fingerprint(plan: QueryPlan, dialect: Dialect) -> str:
    """The cache key: a hash of the tagging SQL itself (and CODE_VERSION)."""
    return files.key_of(tagging(plan, dialect))


def compute(
    connection: duckdb.DuckDBPyConnection,
    plan: QueryPlan,
    dialect: Dialect,
    segments: list[Path],
) -> dict[str, pa.Table]:
    """The rollups of `segments`, from one scan of them grouped by file: name -> table."""
    if not segments:
        return {}
    source = f"read_parquet({parquet_list(segments)}, filename = true)"
    table = connection.sql(tagging_sql(plan, source, dialect, by_file=True)).to_arrow_table()
    table = table.sort_by("segment")
    names = table.column("segment")
    out = {s.name: files.SCHEMA.empty_table() for s in segments}
    by_path = {str(s): s.name for s in segments}
    for value in pc.unique(names).to_pylist():
        part = table.filter(pc.equal(names, value)).drop_columns(["segment"])
        out[by_path.get(value, Path(value).name)] = part.select(files.SCHEMA.names).cast(
            files.SCHEMA
        )
    return out


def save(store: TelemetryStore, text: str, computed: dict[str, pa.Table]) -> bool:
    """Write the computed rollups under the key of tagging `text`; False when the store
    cannot take them (read-only, full): evaluate then goes on with them in memory."""
    key = files.key_of(text)
    try:
        files.remember_tagging(store, text)
        files.touch(store, key)
        for name, table in computed.items():
            files.write_rollup(store, key, name, table)
        files.collect_garbage(store)
    except (OSError, pa.ArrowException):
        return False
    return True


def grouped_from_rollups(
    plan: QueryPlan, source: str, numbers: dict[str, int], quote: Callable[[str], str]
) -> str:
    """The grouped table `g` of `onepass.grouped`, from rollup rows (`source`) and the
    run's counted minutes (temp table `counted`, flows numbered by `numbers`)."""
    lo, hi = plan.start_ns // NS_PER_MINUTE, plan.end_ns // NS_PER_MINUTE
    window = plan.window_start_ns // NS_PER_MINUTE
    ids = ", ".join(f"({quote(f)}, {n})" for f, n in numbers.items()) or "('', -1)"
    named = (
        f"SELECT i.flow, x.* EXCLUDE (flow) FROM {source} AS x LEFT JOIN "
        f"(VALUES {ids}) AS i(name, flow) ON x.flow = i.name "
        f"WHERE x.minute >= {lo} AND x.minute < {hi}"
    )
    tagged = (
        f"SELECT r.*, c.w, (r.flow IS NULL AND r.minute >= {window}) AS u FROM ({named}) AS r "
        "LEFT JOIN counted AS c ON r.flow = c.flow AND r.minute = c.minute"
    )
    minutes = (
        f"SELECT {SET_MINUTES} AS gid, flow, CAST(NULL AS VARCHAR) AS step, "
        "CASE WHEN w IS NOT NULL THEN minute END AS minute_a, w, outcome, hb, "
        "synth = 1 AS synth, CAST(NULL AS BIGINT) AS point_h, CAST(NULL AS BIGINT) AS bucket_h, "
        "CAST(NULL AS BIGINT) AS authed, CAST(NULL AS BIGINT) AS unders, u, "
        "CASE WHEN u THEN svc END AS svc_u, CASE WHEN u THEN method END AS method_u, "
        "CASE WHEN u THEN route END AS route_u, sum(n) AS n, max(last_ns) AS last_ns "
        "FROM t GROUP BY ALL"
    )
    buckets = (
        f"SELECT {SET_BUCKETS}, flow, step, NULL, NULL, outcome, NULL, NULL, "
        f"minute // {plan.series_minutes}, bucket, authed, unders, NULL, NULL, NULL, NULL, "
        "sum(n), max(last_ns) FROM t WHERE w = 1 GROUP BY ALL"
    )
    return f"WITH t AS ({tagged}) {minutes} UNION ALL {buckets}"
