"""The telemetry store: a directory of immutable Parquet segments, queried by DuckDB.

Why a directory and not one DuckDB file: DuckDB lets one process hold a file
read-write and no other process open it meanwhile, but `flowsight collect` must
keep writing while `flowsight evaluate` reads. Every write is a new segment,
written under `tmp/`, fsync'd and atomically renamed into `segments/` (then the
directory is fsync'd), so a segment is either wholly visible or absent, survives
SIGKILL once the writer returned, and readers never take a lock. A reader opens
an in-memory DuckDB with a `spans` view over the segments present when it
started. `compact` merges small segments without readers ever seeing a span twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from flowsight.errors import StoreError
from flowsight.telemetry.spans import SCHEMA, SpanColumns, SpanRecord

FORMAT = "flowsight-telemetry-store"
VERSION = 1
MARKER = "store.json"
_lock = threading.Lock()
_counter = [0]


@dataclass(frozen=True)
class TelemetryStore:
    """A store directory; cheap to create, holds no open handles."""

    path: Path

    @property
    def segments_dir(self) -> Path:
        return self.path / "segments"

    @property
    def tmp_dir(self) -> Path:
        return self.path / "tmp"


def open_store(path: str | os.PathLike[str], create: bool = False) -> TelemetryStore:
    """Open (or with `create`, initialise) a store directory, checking its format marker."""
    root = Path(path)
    marker = root / MARKER
    if create and not root.exists():
        (root / "segments").mkdir(parents=True)
        (root / "tmp").mkdir()
        marker.write_text(json.dumps({"format": FORMAT, "version": VERSION}) + "\n")
        _fsync_dir(root)
    if not root.is_dir():
        raise StoreError(
            f"{root}: no telemetry store here",
            hint="create one with `flowsight ingest FILE --db PATH` or `flowsight collect --db PATH`",
        )
    try:
        meta = json.loads(marker.read_text())
    except (OSError, ValueError):
        raise StoreError(
            f"{root}: this directory is not a flowsight telemetry store (no valid {MARKER})"
        ) from None
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise StoreError(f"{root}: unknown store format {meta!r}; expected version {VERSION}")
    return TelemetryStore(root)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sequence() -> str:
    """Time-ordered, unique within the process (nanoseconds plus a counter)."""
    with _lock:
        _counter[0] += 1
        return f"{time.time_ns() + _counter[0] % 1000:020d}"


def staged_name(prefix: str = "s") -> str:
    """A file name under tmp/ that `publish` turns into a new segment's name."""
    return f"{prefix}-{_sequence()}--{uuid.uuid4().hex[:8]}.parquet.{os.getpid()}.tmp"


#: Rows decoded at a time when a merge copies or tags a segment: a merge in the
#: receiver's process holds one such batch per input stream, not a whole row group.
STREAM_ROWS = 16_384

#: Distinct per span: dictionaries and min/max statistics would only cost time.
_PER_SPAN = {"trace_id", "span_id", "parent_span_id", "duration_ns", "attributes"}
_DICTIONARY = [name for name in SCHEMA.names if name not in _PER_SPAN] + [
    "attributes.key_value.key",
    "attributes.key_value.value",
]
_STATISTICS = [name for name in SCHEMA.names if name not in _PER_SPAN]


def open_segment(path: Path) -> pq.ParquetWriter:
    """A Parquet writer with the store's segment settings: the receiver's log conversion,
    ingest and compaction share them."""
    return pq.ParquetWriter(
        path,
        SCHEMA,
        compression="zstd",
        use_dictionary=_DICTIONARY,
        write_statistics=_STATISTICS,
        memory_pool=pa.system_memory_pool(),
    )


def stage_table(
    store: TelemetryStore, table: pa.Table, prefix: str = "s", name: str | None = None
) -> Path:
    """Write a segment under tmp/ and fsync it; invisible to readers until `publish`.

    `name` fixes the segment's published name (a log file's segment must have its own).
    """
    staged = store.tmp_dir / (f"{name}.{os.getpid()}.tmp" if name else staged_name(prefix))
    table = table if table.schema == SCHEMA else table.cast(SCHEMA)  # a cast copies every column
    with open_segment(staged) as writer:
        writer.write_table(table)
    with open(staged, "rb+") as handle:
        os.fsync(handle.fileno())
    return staged


def publish(store: TelemetryStore, staged: list[Path]) -> None:
    """Rename staged segments into segments/ and fsync the directory: now durable and visible."""
    for path in staged:
        os.rename(path, store.segments_dir / (path.name.split(".parquet")[0] + ".parquet"))
    if staged:
        _fsync_dir(store.segments_dir)


def discard(staged: list[Path]) -> None:
    for path in staged:
        path.unlink(missing_ok=True)


def write_table(store: TelemetryStore, table: pa.Table) -> Path | None:
    """Durably add one segment; returns its path (None for an empty table)."""
    if table.num_rows == 0:
        return None
    staged = stage_table(store, table)
    publish(store, [staged])
    return store.segments_dir / (staged.name.split(".parquet")[0] + ".parquet")


def record_spans(store: TelemetryStore, spans: Iterable[SpanRecord]) -> int:
    """Store spans as one durable segment; the prober writes its own spans through this."""
    columns = SpanColumns()
    for span in spans:
        columns.add(span)
    write_table(store, columns.table())
    return len(columns)


def _manifests(store: TelemetryStore, present: set[str]) -> set[str]:
    """Names hidden from readers: the inputs of a committed merge (its parquet exists) and
    the segments retention expired (`r-` manifests, see compaction.py)."""
    hidden: set[str] = set()
    for manifest in store.segments_dir.glob("[cr]-*.json"):
        if manifest.name.startswith("r-") or manifest.with_suffix(".parquet").name in present:
            with contextlib.suppress(FileNotFoundError, ValueError):
                hidden.update(json.loads(manifest.read_text())["replaces"])
    return hidden


def replaced_names(store: TelemetryStore) -> set[str]:
    """Segment names a published compacted file stands for (whether still on disk or not)."""
    return _manifests(store, {p.name for p in store.segments_dir.iterdir()})


def _snapshot(store: TelemetryStore) -> tuple[list[Path], list[pa.Table]]:
    """Segments and not-yet-converted log records, consistent with each other."""
    from flowsight.telemetry.wal import pending_tables

    for _ in range(20):
        present = {p.name for p in store.segments_dir.iterdir() if p.suffix == ".parquet"}
        hidden = _manifests(store, present)
        try:
            pending = pending_tables(store, present, hidden)
        except FileNotFoundError:  # converted while we looked: look again
            continue
        return [store.segments_dir / name for name in sorted(present - hidden)], pending
    raise StoreError(f"{store.path}: the store kept changing while being read; try again")


def segment_files(store: TelemetryStore) -> list[Path]:
    """The live segments: a compacted file hides exactly the segments its manifest lists."""
    present = {p.name for p in store.segments_dir.iterdir() if p.suffix == ".parquet"}
    return [store.segments_dir / name for name in sorted(present - _manifests(store, present))]


def signature(store: TelemetryStore) -> tuple[object, ...]:
    """Changes whenever what readers see changes (segments, or records appended to a log)."""
    from flowsight.telemetry.wal import wal_signature

    return (tuple(p.name for p in segment_files(store)), wal_signature(store))


def parquet_list(paths: Iterable[Path]) -> str:
    """A DuckDB list literal of file paths, for read_parquet([...])."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def empty_connection(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB set up as every reader of the store wants it."""
    connection = duckdb.connect(":memory:")
    connection.execute("SET enable_progress_bar = false")
    if memory_limit:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    return connection


def connect(store: TelemetryStore, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a `spans` view over the segments present right now, and
    the acknowledged spans still in a receiver's write-ahead log."""
    connection = empty_connection(memory_limit)
    files, pending = _snapshot(store)
    parts = []
    if files:
        parts.append(f"SELECT * FROM read_parquet({parquet_list(files)})")
    if pending or not files:
        connection.register("pending_spans", pa.concat_tables([SCHEMA.empty_table(), *pending]))
        parts.append("SELECT * FROM pending_spans")
    connection.execute(f"CREATE VIEW spans AS {' UNION ALL '.join(parts)}")
    return connection


def span_count(store: TelemetryStore) -> int:
    with connect(store) as connection:
        row = connection.execute("SELECT count(*) FROM spans").fetchone()
    return int(row[0]) if row else 0


def _atomic_write(store: TelemetryStore, name: str, text: str) -> None:
    temporary = store.tmp_dir / f"{name}.tmp"
    with open(temporary, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(temporary, store.segments_dir / name)


def compact(store: TelemetryStore, small_bytes: int = 8 << 20) -> int:
    """Merge small segments into one now (after an ingest); returns how many were merged.

    The steps and their crash safety are those of `compaction.merge`; the
    originals are deleted at once, as no reader of a one-shot ingest is waiting.
    """
    from flowsight.telemetry.compaction import _unconverted, merge
    from flowsight.telemetry.upkeep import upkeep_lock

    with upkeep_lock(store, wait=True):  # the small lane's: these inputs are all in its tiers
        small = [
            f
            for f in segment_files(store)
            if f.stat().st_size < small_bytes and not _unconverted(store, f.name)
        ]
        if len(small) < 2:
            return 0
        merge(store, small, grace=0)
    return len(small)
