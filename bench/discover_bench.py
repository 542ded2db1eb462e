"""Discover and drift next to evaluate, on the same store of trace trees, side by side.

    .venv/bin/python bench/discover_bench.py --spans 10000000

Generates 30 days of Relecloud-like traces (a server entry span tagged with its flow
and step, two database CLIENT spans and one INTERNAL span each, 1 in 40 entries with a
recommendations call the example does not declare), then measures in one run, each
phase in its own forked process (wall time and peak RSS): `evaluate_workload` on the
example, `discover_workload`, and `detect_drift` on the example. Goal (issue 17):
discover and drift each take at most 1.5x evaluate's time, under 2 GB.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from telemetry_bench import _phase  # one forked-phase timer for every bench

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "relecloud" / "workload.yaml"
NOW = datetime(2026, 11, 30, tzinfo=UTC)
DAYS = 30
# (flow, step, method, route, share)
ROUTES = [
    ("list-concerts", "list-upcoming", "GET", "/concerts", 0.45),
    ("list-concerts", "concert-details", "GET", "/concerts/{concert_id}", 0.20),
    ("search-concerts", "search", "GET", "/concerts/search", 0.12),
    ("purchase-ticket", "cart", "POST", "/cart/add", 0.09),
    ("purchase-ticket", "checkout", "POST", "/cart/checkout", 0.04),
    ("authentication", "sign-in", "POST", "/login", 0.06),
    ("collect-telemetry", "health", "GET", "/readyz", 0.04),
]
SPANS_PER_TRACE = 4


def _hex(values: np.ndarray, width: int) -> pa.Array:
    return pa.array([f"{v:0{width}x}" for v in values.tolist()], pa.string())


def _map(keys: list[list[str]], values: list[list[str]]) -> pa.Array:
    offsets = np.zeros(len(keys) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(k) for k in keys])
    flat_keys = pa.array([k for ks in keys for k in ks], pa.string())
    flat_values = pa.array([v for vs in values for v in vs], pa.string())
    return pa.MapArray.from_arrays(pa.array(offsets), flat_keys, flat_values)


def _segment(rng: np.random.Generator, first: int, traces: int) -> pa.Table:
    """`traces` trace trees: entry, two database calls, one internal span (x4 rows)."""
    from flowsight.telemetry.spans import SCHEMA

    span = SPANS_PER_TRACE
    shares = np.array([r[4] for r in ROUTES])
    which = rng.choice(len(ROUTES), size=traces, p=shares / shares.sum())
    start = (NOW - timedelta(days=DAYS)).timestamp() * 1e9
    starts = (start + rng.random(traces) * DAYS * 86400e9).astype(np.int64)
    failed = rng.random(traces) < 0.001
    ids = np.arange(first, first + traces, dtype=np.uint64)
    trace_ids = np.repeat(ids, span)
    span_ids = trace_ids * span + np.tile(np.arange(span, dtype=np.uint64), traces)
    parents = np.where(np.tile(np.arange(span), traces) == 0, 0, trace_ids * span)
    kinds = np.tile(np.array([2, 3, 3, 1], dtype=np.int8), traces)
    offsets = np.tile(np.array([0, 1, 3, 5], dtype=np.int64) * 1_000_000, traces)
    durations = np.tile(np.array([40, 2, 3, 1], dtype=np.int64) * 1_000_000, traces)
    entry = np.tile(np.arange(span) == 0, traces)
    route_of = np.repeat(which, span)
    keys, values = [], []
    for row in range(traces * span):
        flow, step, *_ = ROUTES[route_of[row]]
        kind = row % span
        if kind == 0:
            keys.append(["app.flow", "app.flow.step"])
            values.append([flow, step])
        elif kind in (1, 2):
            keys.append(["db.system"])
            values.append(["sqlite"])
        else:
            keys.append([])
            values.append([])
    if traces:  # a call the example does not declare, on a few entries
        recommend = np.flatnonzero(rng.random(traces) < 0.025) * span + 3
        for row in recommend.tolist():
            keys[row], values[row] = ["peer.service"], ["recommendations"]
            kinds[row] = 3
    routes = np.array([r[3] for r in ROUTES], dtype=object)[route_of]
    methods = np.array([r[2] for r in ROUTES], dtype=object)[route_of]
    status = np.where(np.repeat(failed, span) & entry, 503, 200)
    columns = {
        "trace_id": _hex(trace_ids, 32),
        "span_id": _hex(span_ids, 16),
        "parent_span_id": pa.array(
            ["" if p == 0 else f"{p:016x}" for p in parents.tolist()], pa.string()
        ),
        "service": pa.array(["relecloud"] * (traces * span), pa.string()),
        "name": pa.array(
            np.where(entry, methods + " " + routes, np.where(kinds == 3, "SELECT", "render")),
            pa.string(),
        ),
        "kind": pa.array(kinds, pa.int8()),
        "status": pa.array(np.where(np.repeat(failed, span) & entry, 2, 0), pa.int8()),
        "start_ns": pa.array(np.repeat(starts, span) + offsets, pa.int64()),
        "duration_ns": pa.array(durations, pa.int64()),
        "http_method": pa.array(np.where(entry, methods, None), pa.string()),
        "http_route": pa.array(np.where(entry, routes, None), pa.string()),
        "url_path": pa.array([None] * (traces * span), pa.string()),
        "http_status": pa.array(np.where(entry, status, None), pa.int32()),
        "enduser": pa.array([None] * (traces * span), pa.string()),
        "synthetic": pa.array([None] * (traces * span), pa.string()),
        "attributes": _map(keys, values),
    }
    return pa.table(columns, schema=SCHEMA)


def generate(db: Path, spans: int, per_segment: int = 1_000_000) -> None:
    from flowsight.telemetry.store import open_store, write_table

    store = open_store(db, create=True)
    rng = np.random.default_rng(17)
    traces = spans // SPANS_PER_TRACE
    step = per_segment // SPANS_PER_TRACE
    for first in range(0, traces, step):
        write_table(store, _segment(rng, first + 1, min(step, traces - first)))


def _window() -> tuple[datetime, datetime]:
    return NOW - timedelta(days=DAYS), NOW


def run_evaluate(db: Path) -> str:
    from flowsight.evaluate import evaluate_workload
    from flowsight.load import load_workload
    from flowsight.telemetry import open_store

    start, end = _window()
    workload = load_workload(EXAMPLE).workload
    evaluation = evaluate_workload(workload, open_store(db), start=start, end=end, now=end)
    return f"{sum(f.requests for f in evaluation.flows)} requests"


def run_discover(db: Path) -> str:
    from flowsight.discover import discover_workload
    from flowsight.telemetry import open_store

    draft = discover_workload(open_store(db), *_window())
    return f"{len(draft.document['flows'])} flows drafted"


def run_drift(db: Path) -> str:
    from flowsight.drift import detect_drift
    from flowsight.load import load_workload
    from flowsight.telemetry import open_store

    findings = detect_drift(load_workload(EXAMPLE), open_store(db), *_window())
    return f"{len(findings)} findings: " + ", ".join(sorted({f.rule for f in findings}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="Keep the store here.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each phase (median).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = (args.dir or Path(scratch)) / "store"
        if not db.exists():
            began = time.perf_counter()
            generate(db, args.spans)
            print(f"generated {args.spans:,} spans in {time.perf_counter() - began:.1f} s")
        phases = {"evaluate": run_evaluate, "discover": run_discover, "drift": run_drift}
        runs: dict[str, list[tuple[float, float, object]]] = {name: [] for name in phases}
        for _ in range(args.repeat):  # interleaved, so load changes hit every phase alike
            for name, target in phases.items():
                runs[name].append(_phase(target, db))
        base = float(np.median([r[0] for r in runs["evaluate"]]))
        for name, results in runs.items():
            seconds = float(np.median([r[0] for r in results]))
            peak = max(r[1] for r in results)
            print(
                f"{name:9} {seconds:7.2f} s  {seconds / base:5.2f}x evaluate  "
                f"peak {peak:6.0f} MB  ({results[0][2]})"
            )


if __name__ == "__main__":
    main()
