"""Telemetry benchmark: ingest and evaluate 30 days of Relecloud-like traffic, side by side.

    .venv/bin/python bench/telemetry_bench.py --spans 10000000

Measures in one run: ingest spans/s; `evaluate_workload` time; (a) one
hand-written DuckDB query computing per-flow availability over the same
segments; (b) a straightforward pandas implementation of the same; and the
peak memory of each phase (each runs in its own forked process).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

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


def _kv(key: str, value: object) -> str:
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return f'{{"key":"{key}","value":{{"{kind}":"{value}"}}}}'


def _fragments() -> list[dict[tuple[bool, int], str]]:
    """Per traffic line: the attribute JSON for (carries app.flow, HTTP status)."""
    out = []
    for flow, step, method, route, *_ in TRAFFIC:
        options = {}
        for tagged in (False, True):
            for status in (0, 200, 404, 500):
                attrs = [_kv("app.flow", flow), _kv("app.flow.step", step)] if tagged else []
                if method:
                    attrs += [_kv("http.request.method", method), _kv("http.route", route)]
                    attrs.append(_kv("http.response.status_code", status))
                options[tagged, status] = ",".join(attrs)
        out.append(options)
    return out


def _statuses(rng: np.random.Generator, errors: np.ndarray, size: int) -> np.ndarray:
    draw, second = rng.random(size), rng.random(size)
    return np.where(draw < errors, 500, np.where(second < 0.01, 404, 200))


def _batch(rng: np.random.Generator, first: int, size: int, step_ns: int) -> str:
    """One export request (a line) of `size` spans, drawn with numpy, rendered as text."""
    weights = np.array([t[4] for t in TRAFFIC])
    pick = rng.choice(len(TRAFFIC), size=size, p=weights / weights.sum())
    tagged = (rng.random(size) < 0.7) & np.array([t[0] is not None for t in TRAFFIC])[pick]
    http = np.array([t[2] is not None for t in TRAFFIC])[pick]
    status = np.where(http, _statuses(rng, np.array([t[5] for t in TRAFFIC])[pick], size), 0)
    medians = np.array([t[6] for t in TRAFFIC], dtype=float)[pick]
    duration = (np.exp(rng.normal(0, 0.5, size)) * medians * 1e6).astype(np.int64)
    begin = int((NOW - timedelta(days=30)).timestamp() * 1e9) + (first + np.arange(size)) * step_ns
    fragments = _fragments()
    spans = []
    for i, (p, t, code, b, d) in enumerate(
        zip(
            pick.tolist(),
            tagged.tolist(),
            status.tolist(),
            begin.tolist(),
            duration.tolist(),
            strict=True,
        )
    ):
        number = first + i + 1
        _, _, method, route, *_ = TRAFFIC[p]
        name, kind = (f"{method} {route}", 2) if method else ("heartbeat", 1)
        spans.append(
            f'{{"traceId":"{number:032x}","spanId":"{number:016x}","name":"{name}",'
            f'"kind":{kind},"startTimeUnixNano":"{b}","endTimeUnixNano":"{b + d}",'
            f'"attributes":[{fragments[p][t, code]}]}}'
        )
    resource = '{"attributes":[' + _kv("service.name", "relecloud") + "]}"
    return (
        f'{{"resourceSpans":[{{"resource":{resource},"scopeSpans":[{{"spans":['
        + ",".join(spans)
        + "]}]}]}\n"
    )


def generate(path: Path, spans: int, batch: int = 2000) -> None:
    """30 days of traffic as OTLP JSON Lines, one export request of `batch` spans a line."""
    rng = np.random.default_rng(7)
    step_ns = int(30 * 86400e9 / spans)
    with open(path, "w") as handle:
        for first in range(0, spans, batch):
            handle.write(_batch(rng, first, min(batch, spans - first), step_ns))


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


def _workload():  # type: ignore[no-untyped-def]
    from flowsight.load import load_workload

    return load_workload(ROOT / "examples/relecloud/workload.yaml").workload


def evaluate(db: Path) -> dict:
    from flowsight.evaluate import evaluate_workload

    result = evaluate_workload(_workload(), db, window="30d", now=NOW)
    return {f.flow: f.availability for f in result.flows if f.availability is not None}


def _files(db: Path) -> list[str]:
    from flowsight.telemetry import open_store
    from flowsight.telemetry.store import segment_files

    return [str(f) for f in segment_files(open_store(db))]


def _calendar() -> tuple[int, int, dict[str, list[tuple[int, int]]], dict[str, list]]:
    """What both baselines take as given, like evaluate: each flow's counted minutes in the
    30-day window (schedule, holidays, maintenance announced in time) and late-maintenance
    minutes, from flowsight's calendar code; and the scan bounds in ns."""
    from flowsight.evaluate.plan import plan_flow, resolve_window

    workload, counted, late = _workload(), {}, {}
    for flow in workload.flows:
        plan = plan_flow(workload, flow, *resolve_window(flow, workload, "30d", None, None, NOW))
        window = (plan.start_minute, plan.end_minute)
        counted[flow.id] = [(max(a, window[0]), min(b, window[1])) for a, b in plan.counted]
        late[flow.id] = [(max(a, window[0]), min(b, window[1])) for a, b in plan.late]
    lo = int((NOW - timedelta(days=30)).timestamp() * 1e9)
    return lo, int(NOW.timestamp() * 1e9), counted, late


# The relecloud workload's attribution, written out by hand: app.flow names the flow,
# else the route rules in the order the workload declares them.
FLOWS = (
    "create-concerts", "search-concerts", "list-concerts",
    "purchase-ticket", "authentication", "collect-telemetry",
)  # fmt: skip
ROUTES = [  # (flow, method or None for any, anchored regex on coalesce(http_route, url_path))
    ("create-concerts", "POST", "/concerts|/api/concerts"),
    ("create-concerts", None, "/concerts/[^/]+/edit"),
    ("create-concerts", "PUT", "/api/concerts/[^/]+"),
    ("create-concerts", "DELETE", "/api/concerts/[^/]+"),
    ("search-concerts", "GET", "/concerts/search|/api/concerts/search"),
    (
        "list-concerts",
        "GET",
        "/concerts|/api/concerts/upcoming|/concerts/[^/]+|/api/concerts/[^/]+",
    ),
    ("purchase-ticket", None, "/cart"),
    ("purchase-ticket", "POST", "/cart/.*"),
    ("purchase-ticket", None, "/cart/checkout"),
    ("purchase-ticket", "POST", "/api/checkout"),
    ("purchase-ticket", "GET", "/tickets.*|/api/tickets"),
    ("authentication", None, "/login"),
    ("authentication", "POST", "/api/auth/token|/logout"),
    ("authentication", None, "/admin/users.*"),
    ("collect-telemetry", "GET", "/healthz|/readyz"),
]
SLICE_FLOW, SLICE_THRESHOLD = "collect-telemetry", 0.99


def _values(ranges: dict[str, list[tuple[int, int]]]) -> str:
    rows = [f"('{f}', {a}, {b})" for f, spans in ranges.items() for a, b in spans if b > a]
    return ", ".join(rows or ["('', 0, 0)"])


def hand_sql(db: Path) -> dict:
    """One hand-written query: per-flow availability over counted minutes; for the
    time-slice flow, good minutes / valid minutes with late maintenance as bad slices."""
    import duckdb

    lo, hi, counted, late = _calendar()
    flows = ", ".join(f"'{f}'" for f in FLOWS)
    whens = " ".join(
        f"WHEN service = 'relecloud' {f'AND http_method = {chr(39)}{m}{chr(39)} ' if m else ''}"
        f"AND regexp_full_match(route, '{rx}') THEN '{flow}'"
        for flow, m, rx in ROUTES
    )
    sql = f"""
WITH counted(flow, lo, hi) AS (VALUES {_values(counted)}),
late(flow, lo, hi) AS (VALUES {_values(late)}),
entry AS (
  SELECT CASE WHEN attributes['app.flow'] IN ({flows}) THEN attributes['app.flow'] {whens} END
           AS flow, start_ns // 60000000000 AS minute,
         NOT (status = 2 OR coalesce(http_status, 0) >= 500) AS good
  FROM (SELECT *, coalesce(http_route, url_path) AS route FROM read_parquet({_files(db)}))
  WHERE (kind IN (2, 5) OR parent_span_id = '') AND start_ns >= {lo} AND start_ns < {hi}),
per_minute AS (
  SELECT flow, minute, count(*) AS n, count_if(good) AS g FROM entry
  WHERE flow IS NOT NULL GROUP BY flow, minute),
inside AS (
  SELECT p.* FROM per_minute p JOIN counted c
  ON p.flow = c.flow AND p.minute >= c.lo AND p.minute < c.hi),
late_minutes AS (SELECT flow, unnest(range(lo, hi)) AS minute FROM late),
slices AS (
  SELECT coalesce(i.flow, l.flow) AS flow, l.minute IS NULL AND i.g / i.n >= {SLICE_THRESHOLD}
           AS ok
  FROM (SELECT * FROM inside WHERE flow = '{SLICE_FLOW}') i
  FULL JOIN (SELECT * FROM late_minutes WHERE flow = '{SLICE_FLOW}') l
  ON i.flow = l.flow AND i.minute = l.minute)
SELECT flow, 100 * sum(g) / sum(n) FROM inside WHERE flow <> '{SLICE_FLOW}' GROUP BY flow
UNION ALL SELECT flow, 100 * count_if(ok) / count(*) FROM slices GROUP BY flow"""
    return {f: round(a, 6) for f, a in duckdb.sql(sql).fetchall()}


def _attribute(frame):  # type: ignore[no-untyped-def]
    """pandas: the flow of each entry span, by app.flow then the route rules."""
    import pandas as pd

    tagged = frame["attributes"].map(lambda items: dict(items).get("app.flow"))
    flow = tagged.where(tagged.isin(FLOWS))
    route = frame["http_route"].fillna(frame["url_path"])
    for name, method, rx in ROUTES:
        hit = (frame["service"] == "relecloud") & route.str.fullmatch(rx, na=False)
        if method:
            hit &= frame["http_method"] == method
        flow = flow.where(flow.notna() | ~hit, name)
    return pd.Series(flow, index=frame.index)


def with_pandas(db: Path) -> dict:
    """A straightforward pandas version: read Parquet in row batches, filter, attribute,
    group by flow and minute; then counted minutes, slices and availability."""
    import pandas as pd
    import pyarrow.parquet as pq

    lo, hi, counted, late = _calendar()
    parts = []
    for name in _files(db):
        for batch in pq.ParquetFile(name).iter_batches(batch_size=1_000_000):
            frame = batch.to_pandas()
            entry = frame["kind"].isin([2, 5]) | (frame["parent_span_id"] == "")
            frame = frame[entry & (frame["start_ns"] >= lo) & (frame["start_ns"] < hi)]
            frame = frame.assign(
                flow=_attribute(frame),
                minute=frame["start_ns"] // 60_000_000_000,
                good=~((frame["status"] == 2) | (frame["http_status"].fillna(0) >= 500)),
            )
            parts.append(frame.groupby(["flow", "minute"])["good"].agg(["count", "sum"]))
    minutes = pd.concat(parts).groupby(level=[0, 1]).sum().reset_index()
    result = {}
    for flow, ranges in counted.items():
        rows = minutes[minutes["flow"] == flow]
        inside = np.zeros(len(rows), dtype=bool)
        for a, b in ranges:
            inside |= (rows["minute"] >= a).to_numpy() & (rows["minute"] < b).to_numpy()
        rows = rows[inside]
        if flow != SLICE_FLOW:
            if len(rows):
                result[flow] = round(100 * rows["sum"].sum() / rows["count"].sum(), 6)
            continue
        late_set = {m for a, b in late[flow] for m in range(a, b)}
        ok = (rows["sum"] / rows["count"] >= SLICE_THRESHOLD) & ~rows["minute"].isin(late_set)
        valid = len(set(rows["minute"]) | late_set)
        result[flow] = round(100 * int(ok.sum()) / valid, 6)
    return result


def _compare(phases: dict[str, list]) -> None:
    answers = {name: runs[0][2] for name, runs in phases.items()}
    base = answers["evaluate"]
    worst = max(
        abs(float(other.get(flow, -1)) - value)
        for other in answers.values()
        for flow, value in base.items()
    )
    same = all(set(a) == set(base) for a in answers.values())
    print(f"per-flow availability {'agrees' if same and worst < 1e-6 else 'DIFFERS'}: {base}")


def _median(runs: list) -> tuple[float, float]:
    seconds = sorted(r[0] for r in runs)[len(runs) // 2]
    return seconds, max(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="Keep --dir's store; skip ingest.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of evaluate and hand SQL.")
    options = parser.parse_args()
    work = options.dir or Path(tempfile.mkdtemp(prefix="flowsight-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    source, db = work / "traces.jsonl", work / "store"
    # Import everything before timing, so no phase pays for imports.
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import flowsight.evaluate
    import flowsight.evaluate.plan
    import flowsight.load
    import flowsight.telemetry  # noqa: F401

    began = time.perf_counter()
    if not options.reuse:
        generate(source, options.spans)
        size = source.stat().st_size / 2**20
        print(
            f"generated {options.spans:,} spans ({size:,.0f} MiB) in {time.perf_counter() - began:.1f} s"
        )
        seconds, peak, count = _phase(ingest, source, db)
        print(
            f"ingest      {seconds:8.2f} s  {count / seconds:10,.0f} spans/s  peak {peak:6.0f} MiB"
        )
    phases: dict[str, list] = {"evaluate": [], "hand SQL": [], "pandas": []}
    for _ in range(options.repeat):
        phases["evaluate"].append(_phase(evaluate, db))
        phases["hand SQL"].append(_phase(hand_sql, db))
    phases["pandas"].append(_phase(with_pandas, db))
    for name, runs in phases.items():
        seconds, peak = _median(runs)
        every = ", ".join(f"{r[0]:.2f}" for r in runs)
        print(f"{name:10}  {seconds:8.2f} s (median of {every})  peak {peak:6.0f} MiB")
    _compare(phases)
    base = _median(phases["evaluate"])[0]
    print(
        f"evaluate / hand SQL = {base / _median(phases['hand SQL'])[0]:.2f}x   "
        f"pandas / evaluate = {_median(phases['pandas'])[0] / base:.1f}x   "
        f"bench total {time.perf_counter() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
