"""Store upkeep while `collect` and `serve` run: size-tiered compaction and retention.

Why: a receiver that writes a segment every couple of seconds would leave
tens of thousands of files a day, and evaluation time grows with the file
count. Segments are grouped in size tiers (x4 per tier); when a tier holds
FANOUT segments, the oldest ones are merged into one, in time order, so the
count stays near FANOUT per tier (a few dozen for years of data) and each
segment covers a narrow span of time. Retention drops whole segments
whose newest span is past the horizon (`--retain 400d`). flowsight.telemetry.upkeep
runs these steps in background lanes and holds the locks.

Crash safety, step by step (`crash_point` marks each step; tests SIGKILL there):
- merge: a manifest `c-X.json` naming the inputs is written and fsync'd; the
  merged rows go to tmp/ and are fsync'd; the inputs' evaluate rollups are carried
  to the output (flowsight.telemetry.rollups); `c-X.parquet` is renamed into
  segments/ (the commit point: readers hide the inputs only once both exist);
  the inputs are deleted later.
- retention: a manifest `r-X.json` naming the expired segments is the commit
  point (readers hide them from then on); the files are deleted later.
Deletion waits `grace` seconds after the commit point, so a reader that
listed a file just before never finds it gone. Before that, every leftover of
a crash (an orphan manifest, a staged file) is harmless and is cleaned up by
`collect_garbage`. Nothing is counted twice and nothing is lost at any step.
"""

from __future__ import annotations

import json
import math
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flowsight.telemetry import rollups
from flowsight.telemetry.spans import SCHEMA
from flowsight.telemetry.store import (
    STREAM_ROWS,
    TelemetryStore,
    _atomic_write,
    _fsync_dir,
    _sequence,
    open_segment,
    segment_files,
)
from flowsight.telemetry.wal import wal_root

TIER_BASE = 4 << 20
FANOUT = 4
MAX_INPUTS = 16
MAX_SEGMENT = 512 << 20
GRACE_SECONDS = 120.0
#: Rows per row group a merge writes (see merge).
ROW_GROUP_ROWS = 65_536
CRASH_ENV = "FLOWSIGHT_CRASH_AT"


def crash_point(step: str) -> None:
    """Fault injection for the crash tests: SIGKILL this process at the named step."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def tier(size: int) -> int:
    return 0 if size < TIER_BASE else 1 + int(math.log(size / TIER_BASE, FANOUT))


def _unconverted(store: TelemetryStore, name: str) -> bool:
    """A log's segment whose log file still exists is left alone until the log is gone."""
    if not name.startswith("w-"):
        return False
    log_id, seq = name.removeprefix("w-").removesuffix(".parquet").rsplit("-", 1)
    return (wal_root(store) / log_id / f"{seq}.wal").exists()


def plan(store: TelemetryStore, tiers_from: int = 0, tiers_below: int | None = None) -> list[Path]:
    """The oldest segments of the lowest tier holding FANOUT of them (empty: nothing to do),
    among the tiers in [tiers_from, tiers_below) (an upkeep lane's share)."""
    tiers: dict[int, list[Path]] = {}
    for path in segment_files(store):
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue
        rank = tier(size)
        inside = rank >= tiers_from and (tiers_below is None or rank < tiers_below)
        if inside and not _unconverted(store, path.name):
            tiers.setdefault(rank, []).append(path)
    for _, members in sorted(tiers.items()):
        if len(members) >= FANOUT:
            chosen: list[Path] = []
            total = 0
            for path in sorted(members, key=lambda p: p.stat().st_mtime_ns)[:MAX_INPUTS]:
                total += path.stat().st_size
                if chosen and total > MAX_SEGMENT:
                    break
                chosen.append(path)
            if len(chosen) >= 2:
                return chosen
    return []


def _earliest_start(path: Path) -> int:
    """The smallest start_ns in a segment, from its Parquet statistics (0: unknown)."""
    metadata = pq.read_metadata(path)
    column = metadata.schema.names.index("start_ns")
    starts = [
        stats.min
        for group in range(metadata.num_row_groups)
        if (stats := metadata.row_group(group).column(column).statistics) is not None
        and stats.has_min_max
    ]
    return min(starts, default=0)


class MergeCancelled(Exception):
    """A merge given up because its upkeep is stopping; nothing of it remains."""


def _batches(inputs: list[Path], cancel: threading.Event | None) -> Iterator[pa.RecordBatch]:
    """The inputs' rows in time order, in small batches of the store's schema."""
    for source in sorted(inputs, key=lambda p: (_earliest_start(p), p.name)):
        for batch in pq.ParquetFile(source).iter_batches(batch_size=STREAM_ROWS):
            if cancel is not None and cancel.is_set():
                return
            if batch.schema == SCHEMA:
                yield batch
            else:  # Table.cast: RecordBatch.cast needs pyarrow 16, the floor is 15
                yield from pa.Table.from_batches([batch]).cast(SCHEMA).to_batches()


def _copy(writer: pq.ParquetWriter, batches: Iterator[pa.RecordBatch]) -> None:
    """Write the batches in row groups of ROW_GROUP_ROWS, holding one row group at most."""
    held: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        held.append(batch)
        rows += batch.num_rows
        if rows >= ROW_GROUP_ROWS:
            writer.write_table(pa.Table.from_batches(held))
            held, rows = [], 0
    if held:
        writer.write_table(pa.Table.from_batches(held))


def merge(
    store: TelemetryStore,
    inputs: list[Path],
    grace: float = GRACE_SECONDS,
    cancel: threading.Event | None = None,
) -> Path:
    """Merge segments into one, inputs in time order; see the module doc for the steps.

    `cancel` set (a shutdown) stops it between row groups: the staged file and the
    uncommitted manifest are removed and MergeCancelled raised, so `collect` does not
    wait minutes for a large merge to end.

    Rows are copied in the inputs' order, not re-sorted: a sort with the attributes map
    cost 3-4 us of CPU per row, three times the copy, and under a steady 100 k spans/s
    the merges fell behind. A log's rows arrive within seconds of their start, so each
    row group already covers a narrow span of time, which is what readers prune by.
    They are decoded in small batches and written in row groups of ROW_GROUP_ROWS:
    decoding a whole input row group at a time (200 k rows from a log) cost the
    receiver's process about 380 MiB at its peak per merge; in 16 k batches into
    131 k-row groups about 210 MiB, into 65,536-row groups about 145 (80 on jemalloc,
    which `collect` and `serve` use); files within 2 % in size, read as fast."""
    stem = f"c-{_sequence()}--{uuid.uuid4().hex[:8]}"
    _atomic_write(store, f"{stem}.json", json.dumps({"replaces": [p.name for p in inputs]}))
    crash_point("merge-manifest")
    staged = store.tmp_dir / f"{stem}.parquet.tmp"
    writer = open_segment(staged)
    try:
        _copy(writer, _batches(inputs, cancel))
    finally:
        writer.close()
    if cancel is not None and cancel.is_set():
        staged.unlink(missing_ok=True)
        (store.segments_dir / f"{stem}.json").unlink(missing_ok=True)
        raise MergeCancelled(stem)
    with open(staged, "rb+") as handle:
        os.fsync(handle.fileno())
    crash_point("merge-staged")
    target = store.segments_dir / f"{stem}.parquet"
    rollups.carry(store, inputs, target.name)  # before publishing: readers find it cached
    crash_point("merge-rollups")
    os.rename(staged, target)
    _fsync_dir(store.segments_dir)
    crash_point("merge-published")
    if grace <= 0:
        _delete(store, [p.name for p in inputs])
    return target


def _newest_start(path: Path) -> int | None:
    """The largest start_ns in a segment, from its Parquet statistics (None: unknown)."""
    try:
        metadata = pq.read_metadata(path)
    except (OSError, ValueError):
        return None
    column = metadata.schema.names.index("start_ns")
    newest = None
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max:
            return None
        newest = stats.max if newest is None else max(newest, stats.max)
    return newest


def expire(
    store: TelemetryStore, retain_seconds: float, now: float | None = None, grace: float = 0
) -> int:
    """Hide (and after `grace`, delete) whole segments whose newest span is past the horizon."""
    horizon = int(((now if now is not None else time.time()) - retain_seconds) * 1e9)
    expired = []
    for path in segment_files(store):
        newest = _newest_start(path)
        if newest is not None and newest < horizon:
            expired.append(path.name)
    if not expired:
        return 0
    _atomic_write(store, f"r-{_sequence()}.json", json.dumps({"replaces": expired}))
    _fsync_dir(store.segments_dir)
    crash_point("retain-manifest")
    if grace <= 0:
        _delete(store, expired)
    return len(expired)


def _delete(store: TelemetryStore, names: list[str]) -> None:
    for index, name in enumerate(names):
        (store.segments_dir / name).unlink(missing_ok=True)
        if index == 0:
            crash_point("delete-first")
    rollups.drop(store, names)


def _manifest(path: Path) -> list[str] | None:
    try:
        return list(json.loads(path.read_text())["replaces"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def collect_garbage(
    store: TelemetryStore,
    grace: float = GRACE_SECONDS,
    orphan_age: float = 3600.0,
    orphans: bool = True,
) -> int:
    """Finish what crashed or deferred steps left: delete hidden inputs and expired segments
    once `grace` has passed, then manifests that hide nothing, orphans and staged files.

    `orphans=False` keeps uncommitted manifests and staged files, whatever their age:
    while another lane's merge runs, its manifest is uncommitted until it publishes."""
    removed, now = 0, time.time()
    present = {p.name for p in store.segments_dir.iterdir()}
    for path in sorted(store.segments_dir.glob("[cr]-*.json")):
        replaces = _manifest(path)
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if replaces is None or age < grace:
            continue
        remaining = [n for n in replaces if n in present]
        if path.name.startswith("r-") or path.with_suffix(".parquet").name in present:
            _delete(store, remaining)  # committed: the hidden files may go now
            removed += len(remaining)
            if path.name.startswith("r-"):
                path.unlink(missing_ok=True)
        elif orphans and (not remaining or age >= orphan_age):
            path.unlink(missing_ok=True)  # merged away since, or a merge that never committed
    for staged in store.tmp_dir.iterdir() if orphans else ():
        try:
            if now - staged.stat().st_mtime >= orphan_age:
                staged.unlink()
        except (FileNotFoundError, IsADirectoryError):
            continue
    return removed


def parse_retention(text: str | None) -> float | None:
    """`--retain 400d` in seconds; at least an hour, so a typo cannot empty the store."""
    if text is None:
        return None
    from flowsight.errors import UsageError
    from flowsight.model.base import parse_duration

    try:
        seconds = parse_duration(text).total_seconds()
    except (ValueError, OverflowError) as error:
        raise UsageError(f"--retain: {error}") from None
    if not 3600 <= seconds <= 100 * 366 * 86400:
        raise UsageError(f"--retain {text}: give between 1h and 100 years, for example 400d")
    return seconds
