"""Evaluate as the store ages: a full scan against the per-segment rollup cache, side by side.

    .venv/bin/python bench/evaluate_age_bench.py --step 5000000 --steps 6

Why: evaluate reads its window plus the 3-day burn-rate look-back on every run,
so scanning every span makes its time grow with the data (bench/README.md, Soak).
Here a Relecloud-like store grows in steps of `--step` spans, each step one more
`--step-minutes` of traffic at fresh timestamps (well inside the look-back), written
as the collector does (segments of `--segment` spans, then size-tiered merges).
After each step it times, in one process on the same files:
- `cached (new)`: the first evaluate with the cache, which tags the new segments
  (one scan of this step's spans only) and stores their rollups;
- `cached`: the next evaluate (after the merges carried the rollups), which reads
  rollups only, as a dashboard or the minute-by-minute soak evaluate does;
- `raw`: `DuckDBBackend(cache=False)`, a scan of every span, as before.
It checks the three results are equal, and prints the ratios raw / cached.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from telemetry_bench import ROOT, TRAFFIC

START = datetime(2026, 11, 30, tzinfo=UTC)


def _segment(rng: np.random.Generator, first: int, size: int, begin_ns: int, step_ns: int):  # type: ignore[no-untyped-def]
    """`size` Relecloud entry spans as an Arrow table in the store's schema."""
    from flowsight.telemetry.spans import SCHEMA

    weights = np.array([t[4] for t in TRAFFIC])
    pick = rng.choice(len(TRAFFIC), size=size, p=weights / weights.sum())
    flows = np.array([t[0] for t in TRAFFIC], dtype=object)[pick]
    steps = np.array([t[1] for t in TRAFFIC], dtype=object)[pick]
    methods = np.array([t[2] for t in TRAFFIC], dtype=object)[pick]
    routes = np.array([t[3] for t in TRAFFIC], dtype=object)[pick]
    http = methods != None  # noqa: E711
    tagged = (rng.random(size) < 0.7) & (flows != None)  # noqa: E711
    errors = np.array([t[5] for t in TRAFFIC])[pick]
    draw, second = rng.random(size), rng.random(size)
    status = np.where(draw < errors, 500, np.where(second < 0.01, 404, 200))
    medians = np.array([t[6] for t in TRAFFIC], dtype=float)[pick]
    duration = (np.exp(rng.normal(0, 0.5, size)) * medians * 1e6).astype(np.int64)
    start = begin_ns + (first + np.arange(size)) * step_ns
    numbers = pa.array(first + np.arange(size) + 1).cast(pa.string())
    counts = np.where(tagged, 2, 0)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    keys = np.tile(np.array(["app.flow", "app.flow.step"], dtype=object), int(tagged.sum()))
    values = np.column_stack([flows[tagged], steps[tagged]]).ravel()
    attributes = pa.MapArray.from_arrays(pa.array(offsets), pa.array(keys), pa.array(values))
    names = np.where(http, methods.astype(str) + " " + routes.astype(str), "heartbeat")
    columns = {
        "trace_id": numbers,
        "span_id": numbers,
        "parent_span_id": pa.array([""] * size),
        "service": pa.array(["relecloud"] * size),
        "name": pa.array(names.tolist()),
        "kind": pa.array(np.where(http, 2, 1).astype(np.int8)),
        "status": pa.array(np.where(http & (status >= 500), 2, 0).astype(np.int8)),
        "start_ns": pa.array(start),
        "duration_ns": pa.array(duration),
        "http_method": pa.array(methods.tolist(), pa.string()),
        "http_route": pa.array(routes.tolist(), pa.string()),
        "url_path": pa.nulls(size, pa.string()),
        "http_status": pa.array(np.where(http, status, 0).astype(np.int32), mask=~http),
        "enduser": pa.array(np.where(rng.random(size) < 0.5, "u1", None).tolist(), pa.string()),
        "synthetic": pa.nulls(size, pa.string()),
        "attributes": attributes,
    }
    return pa.table(columns, schema=SCHEMA)


def _timed(function, *args):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - began, result


def _evaluate(workload, backend, now):  # type: ignore[no-untyped-def]
    from flowsight.evaluate import evaluate_workload

    return evaluate_workload(workload, backend, now=now).to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--step", type=int, default=5_000_000, help="Spans added per step.")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--step-minutes", type=int, default=60, help="Traffic time per step.")
    parser.add_argument("--segment", type=int, default=250_000, help="Spans per new segment.")
    parser.add_argument("--dir", type=Path, help="Keep the store here (default: a temp dir).")
    options = parser.parse_args()
    from flowsight.evaluate.duckdb import DuckDBBackend
    from flowsight.load import load_workload
    from flowsight.telemetry import open_store
    from flowsight.telemetry.store import segment_files, write_table
    from flowsight.telemetry.upkeep import maintain

    workload = load_workload(ROOT / "examples/relecloud/workload.yaml").workload
    work = options.dir or Path(tempfile.mkdtemp(prefix="flowsight-age-"))
    store = open_store(work / "store", create=True)
    rng = np.random.default_rng(11)
    step_ns = int(options.step_minutes * 60e9 / options.step)
    print(f"load average at start: {os.getloadavg()}")
    print("spans,segments,rollup_rows,cached_new_s,cached_s,raw_s,raw/cached,raw/cached_new")
    for number in range(options.steps):
        begin = int(START.timestamp() * 1e9) + number * options.step * step_ns
        for first in range(0, options.step, options.segment):
            size = min(options.segment, options.step - first)
            write_table(store, _segment(rng, first, size, begin, step_ns))
        now = START + timedelta(minutes=options.step_minutes * (number + 1))
        fresh, first_result = _timed(_evaluate, workload, store, now)
        for _ in range(20):
            if not maintain(store, grace=0).compactions:
                break
        cached, cached_result = _timed(_evaluate, workload, store, now)
        raw, raw_result = _timed(_evaluate, workload, DuckDBBackend(store, cache=False), now)
        assert first_result == cached_result == raw_result, "cache and scan disagree"
        rows = sum(
            pq.ParquetFile(p).metadata.num_rows for p in (store.path / "rollups").rglob("*.parquet")
        )
        total = options.step * (number + 1)
        print(
            f"{total},{len(segment_files(store))},{rows},{fresh:.2f},{cached:.2f},{raw:.2f},"
            f"{raw / cached:.1f},{raw / fresh:.2f}",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
