"""Soak: `flowsight collect` at a steady share of its capacity, evaluated every minute.

    .venv/bin/python bench/soak_bench.py --minutes 30 --share 0.5 --plot bench/soak.svg

Why a separate script: the burst figures of receiver_bench.py say how fast the
receiver acknowledges; this one says whether it can keep doing so for as long
as it runs. It first measures capacity (a burst of 4 clients, as
receiver_bench.py does) unless `--rate` is given, then paces clients at
`--share` of it with fresh timestamps and unique ids. Every minute it runs
`flowsight evaluate` over the last `--window-minutes` and records the segment
count, the receiver's RSS (its main process and its whole process tree), the
store's size on disk, the evaluate time, and the evaluate time per million
spans acked. Evaluate also scans the burn-rate look-back before its window
(3 days, the longest alert window), which in a soak shorter than that is every
span acked so far: its time grows with the data by design, so what must stay
flat is its time per million spans scanned; a growth there is the store ageing.
Since the rollup cache (docs/telemetry.md), evaluate scans only the segments that
arrived since its last run and reads per-minute rollups for the rest, so its total
time itself must stay flat; `--no-cache` evaluates by scanning every span, as before.
It prints CSV, writes an SVG plot, and ends with a verdict per quantity: the
median of the last third of the minutes against the first third after warm-up.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from receiver_bench import (
    FLOWSIGHT,
    ROOT,
    _metrics,
    _rss_mib,
    _start,
    burst,
    make_body,
)

REFRESH_SECONDS = 5.0
COLUMNS = [
    "minute", "segments", "rss_mib", "peak_rss_mib", "tree_rss_mib", "store_mib", "acked", "evaluate_s",
    "evaluate_s_per_mspans",
]  # fmt: skip


def _paced_client(args: tuple[int, int, float, float]) -> tuple[int, int]:
    """Post 512-span bodies at `rate` spans/s until `until`, timestamps always fresh."""
    import http.client

    port, number, until, rate = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    interval = 512 / rate
    acked = refused = generation = 0
    bodies: list[bytes] = []
    refreshed = 0.0
    due = time.monotonic()
    while time.time() < until:
        if time.monotonic() - refreshed > REFRESH_SECONDS:
            generation += 1
            seed = (number * 100_000 + generation) * 4
            bodies = [make_body(seed + offset) for offset in range(4)]
            refreshed = time.monotonic()
        connection.request(
            "POST",
            "/v1/traces",
            bodies[acked % len(bodies)],
            {"Content-Type": "application/x-protobuf"},
        )
        answer = connection.getresponse()
        answer.read()
        if answer.status == 200:
            acked += 1
        else:
            refused += 1
        due += interval
        time.sleep(max(0.0, due - time.monotonic()))
    return acked * 512, refused


def _tree_rss_mib(pid: int) -> float:
    """VmRSS of a process and all its descendants (decoder workers, forkserver)."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += _rss_mib(current, "VmRSS")
        stack.extend(children.get(current, []))
    return total


def _minute_peak_mib(pid: int) -> float:
    """The main process's peak RSS since the last call: the kernel's high-water mark
    (VmHWM), then reset by writing 5 to clear_refs, so a peak between two once-a-minute
    readings is not missed (a 2-s side sampler saw 1,031 MiB where the minutes saw 812)."""
    peak = _rss_mib(pid, "VmHWM")
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    return peak


def _store_mib(db: Path) -> float:
    return sum(p.stat().st_size for p in db.rglob("*") if p.is_file()) / 2**20


def _evaluate(db: Path, window_minutes: float, bypass: bool = False) -> float:
    now = dt.datetime.now(dt.UTC)
    began = time.perf_counter()
    subprocess.run(
        [
            *FLOWSIGHT, "evaluate", str(ROOT / "examples/relecloud/workload.yaml"),
            "--db", str(db), "--from", (now - dt.timedelta(minutes=window_minutes)).isoformat(),
            "--to", now.isoformat(), "--format", "json", "--fail-on", "none", "--no-series",
            *(["--no-cache"] if bypass else []),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        check=True,
    )  # fmt: skip
    return time.perf_counter() - began


def soak(
    db: Path,
    minutes: float,
    rate: float,
    clients: int,
    window_minutes: float,
    bypass: bool = False,
) -> list[dict[str, float]]:
    process, port = _start(db)
    rows: list[dict[str, float]] = []
    writer = csv.DictWriter(sys.stdout, COLUMNS)
    writer.writeheader()
    started = time.time()
    until = started + minutes * 60
    try:
        with multiprocessing.Pool(clients) as pool:
            pending = pool.map_async(
                _paced_client, [(port, n, until, rate / clients) for n in range(clients)]
            )
            minute = 0
            while not pending.ready():
                pending.wait(max(0.0, started + 60 * (minute + 1) - time.time()))
                if pending.ready():
                    break
                minute += 1
                took = _evaluate(db, window_minutes, bypass)
                metrics = _metrics(port)
                row = {
                    "minute": minute,
                    "segments": metrics["flowsight_store_segments"],
                    "rss_mib": round(_rss_mib(process.pid, "VmRSS"), 1),
                    "peak_rss_mib": round(_minute_peak_mib(process.pid), 1),
                    "tree_rss_mib": round(_tree_rss_mib(process.pid), 1),
                    "store_mib": round(_store_mib(db), 1),
                    "acked": metrics["flowsight_receiver_spans_accepted_total"],
                    "evaluate_s": round(took, 2),
                    "evaluate_s_per_mspans": round(
                        took * 1e6 / max(1.0, metrics["flowsight_receiver_spans_accepted_total"]), 3
                    ),
                }
                rows.append(row)
                writer.writerow(row)
                sys.stdout.flush()
            refused = sum(r[1] for r in pending.get())
            print(f"refused requests: {refused}", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=300)
    return rows


def verdict(rows: list[dict[str, float]], warmup: int) -> list[str]:
    steady = [row for row in rows if row["minute"] > warmup]
    if len(steady) < 3:
        return ["too few minutes after warm-up for a verdict"]
    third = max(1, len(steady) // 3)
    lines = []
    for key in (
        "rss_mib",
        "peak_rss_mib",
        "tree_rss_mib",
        "evaluate_s",
        "evaluate_s_per_mspans",
        "segments",
    ):
        first = statistics.median(row[key] for row in steady[:third])
        last = statistics.median(row[key] for row in steady[-third:])
        ratio = last / first if first else float("inf")
        peak = max(row[key] for row in rows)
        lines.append(
            f"{key}: first third {first:g}, last third {last:g} ({ratio:.2f}x), max {peak:g}"
        )
    return lines


def plot(rows: list[dict[str, float]], path: Path) -> None:
    """Stacked line charts, built as an SVG tree (no plotting library needed)."""
    width, panel, margin = 640, 150, 48
    panels = [("segments", "segments"), ("tree_rss_mib", "RSS, MiB (process tree)"),
              ("peak_rss_mib", "peak RSS within each minute, MiB (main process)"),
              ("evaluate_s", "evaluate, s"),
              ("evaluate_s_per_mspans", "evaluate, s per million spans scanned")]  # fmt: skip
    height = len(panels) * (panel + margin) + margin
    svg = ET.Element(
        "svg", xmlns="http://www.w3.org/2000/svg", width=str(width), height=str(height)
    )
    ET.SubElement(svg, "rect", width=str(width), height=str(height), fill="white")
    last_minute = max(row["minute"] for row in rows)
    for index, (key, title) in enumerate(panels):
        top = margin + index * (panel + margin)
        peak = max(max(row[key] for row in rows), 1e-9) * 1.1
        ET.SubElement(
            svg, "text", x=str(margin), y=str(top - 8), **{"font-size": "13"}
        ).text = f"{title} (max {max(row[key] for row in rows):g})"
        ET.SubElement(
            svg, "rect", x=str(margin), y=str(top), width=str(width - 2 * margin),
            height=str(panel), fill="none", stroke="#999",
        )  # fmt: skip
        points = " ".join(
            f"{margin + (width - 2 * margin) * row['minute'] / last_minute:.1f},"
            f"{top + panel - panel * row[key] / peak:.1f}"
            for row in rows
        )
        ET.SubElement(svg, "polyline", points=points, fill="none", stroke="#1f6feb")
        ET.SubElement(svg, "text", x=str(width - margin), y=str(top + panel + 14),
                      **{"font-size": "11", "text-anchor": "end"}).text = f"minute {last_minute:g}"  # fmt: skip
    ET.ElementTree(svg).write(path, encoding="unicode")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--share", type=float, default=0.5, help="Share of measured capacity.")
    parser.add_argument("--rate", type=float, help="Spans/s to post (skips the capacity burst).")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--window-minutes", type=float, default=10.0)
    parser.add_argument("--plot", type=Path, help="Write the SVG plot here.")
    parser.add_argument("--dir", type=Path, help="Keep the store here (default: a temp dir).")
    parser.add_argument(
        "--no-cache", action="store_true", help="Evaluate with --no-cache (scan every span)."
    )
    options = parser.parse_args()
    rate = options.rate
    if rate is None:
        capacity = burst(4, 15.0, [make_body(seed) for seed in range(16)], 5.0)["spans_per_s"]
        rate = capacity * options.share
        print(f"capacity {capacity:,.0f} acked spans/s; soak at {rate:,.0f} spans/s")
    with tempfile.TemporaryDirectory() as scratch:
        db = (options.dir or Path(scratch)) / "store"
        rows = soak(
            db, options.minutes, rate, options.clients, options.window_minutes, options.no_cache
        )
    for line in verdict(rows, warmup=int(options.window_minutes)):
        print(line)
    if options.plot and rows:
        plot(rows, options.plot)


if __name__ == "__main__":
    main()
