"""The store's rollup cache: per segment, its entry spans already tagged and grouped per minute.

Why: evaluate reads the burn-rate look-back (3 days) on every run; re-attributing
every raw span of it each minute made evaluate's time grow with the data. A
segment is immutable, so what evaluate derives from each of its spans alone
(flow, step, outcome, latency bucket, threshold bits...) never changes for a
given "tagging fingerprint" (flowsight.evaluate.rollups decides what that
covers). Those tags, grouped per minute with count and newest start, are kept
as `rollups/<fingerprint>/<segment name>` and evaluate combines them with
what moves each run (window, counted minutes) instead of rescanning.

Files and crash safety:
- A rollup is written under tmp/, fsync'd and renamed into place: it is either
  wholly there or absent. A missing rollup is simply recomputed from the segment,
  so a crash at any point leaves a consistent cache.
- Segment names are never reused, so a rollup never goes stale: it belongs to one
  immutable file.
- A merge carries rollups forward (`carry`): the output's rollup is the regrouped
  union of the inputs' rollups, written *before* the merged segment is published, so
  readers of the new segment find it cached. Inputs without one (new segments) are
  tagged in the merge with the key's stored SQL (`tagging.sql`, checked against the
  key), so the background merges, not evaluate, tag the new data.
- Deleting segments (merge, retention) deletes their rollups (`drop`); rollups of
  vanished segments that survive a crash, and fingerprints unused for a day, are
  removed by `collect_garbage`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flowsight.telemetry.store import (
    STREAM_ROWS,
    TelemetryStore,
    _fsync_dir,
    empty_connection,
)

ROLLUPS_DIR = "rollups"
#: Touched by every evaluate that uses a fingerprint; unused for this long, it is dropped.
USED_MARKER = "used"
UNUSED_SECONDS = 86400.0
#: A rollup whose segment is gone is deleted only after this (a merge writes the
#: output's rollup before publishing the output segment).
ORPHAN_SECONDS = 3600.0
ROW_GROUP = 65_536
#: The tagging SQL of a key (its first line the code version), reading view SOURCE_VIEW.
TAGGING_FILE = "tagging.sql"
SOURCE_VIEW = "rollup_source"
#: A merge tags inputs lacking a rollup only for keys evaluate used this recently.
ACTIVE_SECONDS = 3600.0

KEYS = (
    "flow",
    "step",
    "minute",
    "outcome",
    "hb",
    "synth",
    "authed",
    "bucket",
    "unders",
    "svc",
    "method",
    "route",
)
SCHEMA = pa.schema(
    [
        ("flow", pa.string()),
        ("step", pa.string()),
        ("minute", pa.int64()),
        ("outcome", pa.int32()),
        ("hb", pa.bool_()),
        ("synth", pa.int32()),
        ("authed", pa.int32()),
        ("bucket", pa.int32()),
        ("unders", pa.int64()),
        ("svc", pa.string()),
        ("method", pa.string()),
        ("route", pa.string()),
        ("n", pa.int64()),
        ("last_ns", pa.int64()),
    ]
)


def rollups_root(store: TelemetryStore) -> Path:
    return store.path / ROLLUPS_DIR


def rollup_path(store: TelemetryStore, fingerprint: str, segment: str) -> Path:
    return rollups_root(store) / fingerprint / segment


def cached(store: TelemetryStore, fingerprint: str, segments: Iterable[Path]) -> dict[str, Path]:
    """segment name -> its rollup, for the segments that have one."""
    folder = rollups_root(store) / fingerprint
    try:
        present = {p.name for p in folder.iterdir()}
    except OSError:  # none yet, or no cache can live here
        return {}
    return {s.name: folder / s.name for s in segments if s.name in present}


def regrouped(tables: list[pa.Table]) -> pa.Table:
    """Rollups of disjoint span sets combined into the rollup of their union."""
    union = pa.concat_tables([SCHEMA.empty_table(), *(t.cast(SCHEMA) for t in tables)])
    grouped = union.group_by(list(KEYS), use_threads=False).aggregate(
        [("n", "sum"), ("last_ns", "max")]
    )
    grouped = grouped.rename_columns(
        [{"n_sum": "n", "last_ns_max": "last_ns"}.get(c, c) for c in grouped.column_names]
    )
    return grouped.select(SCHEMA.names).cast(SCHEMA)


def write_rollup(store: TelemetryStore, fingerprint: str, segment: str, table: pa.Table) -> None:
    """Atomically publish a segment's rollup (tmp/, fsync, rename, fsync the directory)."""
    from flowsight.telemetry.compaction import crash_point

    folder = rollups_root(store) / fingerprint
    folder.mkdir(parents=True, exist_ok=True)
    staged = store.tmp_dir / f"rollup-{uuid.uuid4().hex}.parquet.{os.getpid()}.tmp"
    try:
        # Sorted by minute in small row groups: readers skip the minutes outside their scan.
        ordered = table.cast(SCHEMA).sort_by("minute")
        pq.write_table(ordered, staged, compression="zstd", row_group_size=ROW_GROUP)
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
        crash_point("rollup-staged")
        os.rename(staged, folder / segment)
    finally:
        staged.unlink(missing_ok=True)
    _fsync_dir(folder)


def touch(store: TelemetryStore, fingerprint: str) -> None:
    marker = rollups_root(store) / fingerprint / USED_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def key_of(tagging: str) -> str:
    """A fingerprint is the hash of its tagging text (code version + SQL)."""
    return hashlib.sha256(tagging.encode()).hexdigest()[:24]


def remember_tagging(store: TelemetryStore, tagging: str) -> None:
    """Keep the key's tagging SQL next to its rollups, so merges can tag new inputs."""
    path = rollups_root(store) / key_of(tagging) / TAGGING_FILE
    with contextlib.suppress(OSError):
        if path.read_text() == tagging:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = store.tmp_dir / f"tagging-{uuid.uuid4().hex}.sql.{os.getpid()}.tmp"
    try:
        staged.write_text(tagging)
        os.rename(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def _active_tagging(folder: Path, now: float) -> str | None:
    """The folder's tagging SQL when evaluate used the key lately and it is intact."""
    if now - _mtime(folder / USED_MARKER, None) >= ACTIVE_SECONDS:
        return None
    try:
        text = (folder / TAGGING_FILE).read_text()
    except OSError:
        return None
    return text if key_of(text) == folder.name else None


def tag_segment(tagging: str, segment: Path) -> pa.Table:
    """A segment's rollup, computed from its spans with a key's stored tagging SQL.

    The SQL comes from a file in the store, so whoever can write the store could
    put any SQL there: it runs in a DuckDB that sees only the segment and can
    neither touch files nor change that setting. The segment comes as a stream of
    small record batches, read once (DuckDB refuses a second scan, and the merge
    then leaves the rollup to evaluate): it runs inside a merge, in the receiver's
    process, where a whole decoded row group per lane was most of the RSS swing.
    """
    source = pq.ParquetFile(segment)
    batches = source.iter_batches(batch_size=STREAM_ROWS)
    with empty_connection() as connection:
        connection.register(
            SOURCE_VIEW, pa.RecordBatchReader.from_batches(source.schema_arrow, batches)
        )
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        table = connection.sql(tagging.split("\n", 1)[1]).to_arrow_table()
    return table.select(SCHEMA.names).cast(SCHEMA)


def carry(store: TelemetryStore, inputs: list[Path], output: str) -> int:
    """Write the merge output's rollup for each key: the inputs' rollups regrouped, and
    inputs without one tagged here (only for keys evaluate used in the last hour), so
    new data is tagged in the background merge, not by the next evaluate. Returns how
    many keys were carried. Never fails the merge: a rollup that cannot be written is
    just recomputed by the next evaluate."""
    import duckdb

    root = rollups_root(store)
    if not root.is_dir():
        return 0
    carried, now = 0, time.time()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        missing = [p for p in inputs if not (folder / p.name).exists()]
        tagging = _active_tagging(folder, now) if missing else None
        if missing and tagging is None:
            continue
        try:
            tables = [pq.read_table(folder / p.name) for p in inputs if p not in missing]
            tables += [tag_segment(str(tagging), p) for p in missing]
            write_rollup(store, folder.name, output, regrouped(tables))
        except (OSError, pa.ArrowException, duckdb.Error, KeyError, ValueError):
            continue
        carried += 1
    return carried


def drop(store: TelemetryStore, segments: Iterable[str]) -> None:
    """Delete the rollups of deleted segments, in every fingerprint."""
    root = rollups_root(store)
    if not root.is_dir():
        return
    names = list(segments)
    for folder in root.iterdir():
        for name in names:
            with contextlib.suppress(OSError):
                (folder / name).unlink(missing_ok=True)


def collect_garbage(store: TelemetryStore, now: float | None = None) -> int:
    """Remove rollups whose segment is gone (after ORPHAN_SECONDS) and fingerprints
    nobody used for UNUSED_SECONDS; returns how many files or folders went."""
    root = rollups_root(store)
    if not root.is_dir():
        return 0
    now = time.time() if now is None else now
    present = {p.name for p in store.segments_dir.iterdir()}
    removed = 0
    for folder in (p for p in root.iterdir() if p.is_dir()):
        if now - _mtime(folder / USED_MARKER, folder) >= UNUSED_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
            continue
        for path in folder.glob("*.parquet"):
            if path.name not in present and now - _mtime(path, None) >= ORPHAN_SECONDS:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _mtime(path: Path, fallback: Path | None) -> float:
    for candidate in (path, fallback):
        if candidate is not None:
            with contextlib.suppress(OSError):
                return candidate.stat().st_mtime
    return 0.0
