"""Telemetry benchmark: ingest and evaluate 30 days of Relecloud-like traffic, side by side.

    .venv/bin/python bench/telemetry_bench.py --spans 10000000

Measures in one run: ingest spans/s; `evaluate_workload` time; (a) one
hand-written DuckDB query computing per-flow availability over the same
segments; (b) a straightforward pandas implementation of the same; and the
peak memory of each phase (each runs in its own forked process).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, tzinfo=UTC)
# (flow, step, method, route, share, error rate, median ms)
TRAFFIC = [
    ("list-concerts", "list-upcoming", "GET", "/concerts", 0.40, 0.0005, 60),
    ("list-concerts", "concert-details", "GET", "/concerts/{id}", 0.20, 0.0005, 40),
    ("search-concerts", "search", "GET", "/concerts/search", 0.12, 0.002, 120),
    ("purchase-ticket", "cart", "POST", "/cart/add", 0.08, 0.001, 90),
    ("purchase-ticket", "checkout", "POST", "/cart/checkout", 0.04, 0.003, 600),
    ("authentication", "sign-in", "POST", "/login", 0.06, 0.001, 150),
    ("collect-telemetry", "heartbeat", None, None, 0.08, 0.0, 2),
    (None, None, "GET", "/static/app.css", 0.02, 0.0, 5),
]


def _kv(key: str, value: object) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def generate(path: Path, spans: int, batch: int = 2000) -> None:
    rng = random.Random(7)
    start = NOW - timedelta(days=30)
    step_ns = int(30 * 86400e9 / spans)
    weights = [t[4] for t in TRAFFIC]
    with open(path, "w") as handle:
        for first in range(0, spans, batch):
            out = []
            for i in range(first, min(first + batch, spans)):
                flow, step, method, route, _, errors, median = rng.choices(TRAFFIC, weights)[0]
                begin = int(start.timestamp() * 1e9) + i * step_ns
                duration = int(rng.lognormvariate(0, 0.5) * median * 1e6)
                attrs = []
                if flow and rng.random() < 0.7:
                    attrs += [_kv("app.flow", flow), _kv("app.flow.step", step)]
                if method:
                    status = 500 if rng.random() < errors else (404 if rng.random() < 0.01 else 200)
                    attrs += [
                        _kv("http.request.method", method),
                        _kv("http.route", route),
                        _kv("http.response.status_code", status),
                    ]
                out.append(
                    {
                        "traceId": f"{i + 1:032x}",
                        "spanId": f"{i + 1:016x}",
                        "name": f"{method} {route}" if method else "heartbeat",
                        "kind": 2 if method else 1,
                        "startTimeUnixNano": str(begin),
                        "endTimeUnixNano": str(begin + duration),
                        "attributes": attrs,
                    }
                )
            document = {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_kv("service.name", "relecloud")]},
                        "scopeSpans": [{"spans": out}],
                    }
                ]
            }
            handle.write(json.dumps(document, separators=(",", ":")) + "\n")


def _phase(target, *args) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Run target(*args) in a forked process: (seconds, peak MiB, result)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def run() -> None:
        began = time.perf_counter()
        result = target(*args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put((time.perf_counter() - began, peak, result))

    process = context.Process(target=run)
    process.start()
    answer = queue.get()
    process.join()
    return answer


def ingest(source: Path, db: Path) -> int:
    from flowsight.telemetry import compact, ingest_files, open_store

    report = ingest_files([source], db)
    compact(open_store(db))
    return report.spans


def evaluate(db: Path) -> dict:
    from flowsight.evaluate import evaluate_workload
    from flowsight.load import load_workload

    workload = load_workload(ROOT / "examples/relecloud/workload.yaml").workload
    result = evaluate_workload(workload, db, window="30d", now=NOW)
    return {f.flow: f.requests for f in result.flows}


def _files(db: Path) -> list[str]:
    from flowsight.telemetry import open_store
    from flowsight.telemetry.store import segment_files

    return [str(f) for f in segment_files(open_store(db))]


def hand_sql(db: Path) -> dict:
    import duckdb

    files = _files(db)
    rows = duckdb.sql(
        "SELECT attributes['app.flow'] AS flow, count(*) AS total, "
        "count_if(status <> 2 AND coalesce(http_status, 0) < 500) AS good "
        f"FROM read_parquet({files}) WHERE kind IN (2, 5) OR parent_span_id = '' GROUP BY flow"
    ).fetchall()
    return {str(flow): good / total for flow, total, good in rows}


def with_pandas(db: Path) -> dict:
    import pandas as pd

    frame = pd.concat([pd.read_parquet(f) for f in _files(db)])
    frame = frame[frame["kind"].isin([2, 5]) | (frame["parent_span_id"] == "")]
    frame["flow"] = frame["attributes"].apply(lambda items: dict(items).get("app.flow"))
    frame["good"] = (frame["status"] != 2) & (frame["http_status"].fillna(0) < 500)
    grouped = frame.groupby("flow", dropna=False)["good"].mean()
    return {str(k): float(v) for k, v in grouped.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="Keep --dir's store; skip ingest.")
    options = parser.parse_args()
    work = options.dir or Path(tempfile.mkdtemp(prefix="flowsight-bench-"))
    source, db = work / "traces.jsonl", work / "store"
    # Import everything before timing, so no phase pays for imports.
    import duckdb  # noqa: F401
    import pandas  # noqa: F401

    import flowsight.evaluate
    import flowsight.load  # noqa: F401

    if not options.reuse:
        began = time.perf_counter()
        generate(source, options.spans)
        size = source.stat().st_size / 2**20
        print(
            f"generated {options.spans:,} spans ({size:.0f} MiB) in {time.perf_counter() - began:.1f} s"
        )
        seconds, peak, count = _phase(ingest, source, db)
        print(
            f"ingest      {seconds:8.2f} s  {count / seconds:12,.0f} spans/s  peak {peak:7.0f} MiB"
        )
    results = {}
    for name, target in (("evaluate", evaluate), ("hand SQL", hand_sql), ("pandas", with_pandas)):
        results[name] = _phase(target, db)
        seconds, peak, _ = results[name]
        print(f"{name:10}  {seconds:8.2f} s  peak {peak:7.0f} MiB")
    base = results["evaluate"][0]
    print(
        f"evaluate / hand SQL = {base / results['hand SQL'][0]:.2f}x   pandas / evaluate = {results['pandas'][0] / base:.1f}x"
    )


if __name__ == "__main__":
    main()
