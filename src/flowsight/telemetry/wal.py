"""The receiver's write-ahead log: group commit, acknowledged only once durable.

Why: an fsync'd Parquet segment per request capped the receiver at a few
hundred requests a second and left millions of files a day. Instead each
writer process appends requests, already decoded and checked, as Arrow IPC
records to its own log `wal/<log>/<seq>.wal`. One committer thread writes every
request that arrived while the previous fsync ran and covers them all with one
fdatasync; only then are they acknowledged. A converter thread turns each
finished log file into one Parquet segment named after it
(`w-<log>-<seq>.parquet`), off the request path, and deletes the log file.

Crash guarantees: an acknowledged record is on disk in a log file or in its
segment. A log file is deleted only after its segment is published, and a
segment's name says which log file it replaces, so replaying a log file whose
segment exists (or was compacted, see `covered`) is skipped: nothing is
counted twice. A torn record at the tail was never acknowledged; replay stops
there. The writer holds an flock on `wal/<log>/LOCK`; a log whose lock is free
belongs to a dead process and is replayed by the next writer to start.
Readers see log files that have no segment yet (`pending_tables`), so a span
is visible as soon as it is acknowledged.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from flowsight.telemetry.spans import SCHEMA
from flowsight.telemetry.store import TelemetryStore, publish, replaced_names, stage_table

HEADER = struct.Struct(">II")  # payload length, crc32 of the payload
#: A log file is closed and converted after this long, or at this size.
ROTATE_SECONDS = 2.0
ROTATE_BYTES = 64 << 20


def wal_root(store: TelemetryStore) -> Path:
    return store.path / "wal"


def segment_name(log_id: str, seq: int) -> str:
    return f"w-{log_id}-{seq:012d}.parquet"


def encode(table: pa.Table) -> bytes:
    """One log record: the table as an Arrow IPC stream behind a length and a checksum."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, SCHEMA) as writer:
        writer.write_table(table if table.schema == SCHEMA else table.cast(SCHEMA))
    payload = sink.getvalue().to_pybytes()
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_records(path: Path) -> Iterator[pa.Table]:
    """The intact records of a log file; a torn or corrupt tail (never acknowledged) ends it."""
    data = path.read_bytes()
    offset = 0
    while offset + HEADER.size <= len(data):
        size, checksum = HEADER.unpack_from(data, offset)
        payload = data[offset + HEADER.size : offset + HEADER.size + size]
        if len(payload) < size or zlib.crc32(payload) != checksum:
            return
        yield pa.ipc.open_stream(payload).read_all()
        offset += HEADER.size + size


def _log_files(store: TelemetryStore) -> list[tuple[str, int, Path]]:
    root = wal_root(store)
    if not root.is_dir():
        return []
    found = []
    for path in root.glob("*/*.wal"):
        with contextlib.suppress(ValueError):
            found.append((path.parent.name, int(path.stem), path))
    return sorted(found)


def covered(name: str, present: set[str], hidden: set[str]) -> bool:
    """Whether a log file's spans are already in a segment (its own or a compacted one)."""
    return name in present or name in hidden


def pending_tables(store: TelemetryStore, present: set[str], hidden: set[str]) -> list[pa.Table]:
    """Records of log files not yet converted, for readers. Raises FileNotFoundError when
    a log file was converted meanwhile; the caller takes a new snapshot."""
    tables: list[pa.Table] = []
    for log_id, seq, path in _log_files(store):
        if not covered(segment_name(log_id, seq), present, hidden):
            tables.extend(read_records(path))
    return tables


def wal_signature(store: TelemetryStore) -> tuple[tuple[str, int], ...]:
    """Names and sizes of the log files: changes whenever a record is appended."""
    result = []
    for _, _, path in _log_files(store):
        with contextlib.suppress(FileNotFoundError):
            result.append((path.name, path.stat().st_size))
    return tuple(result)


def _try_lock(path: Path) -> int | None:
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _table(record: pa.Table | bytes) -> pa.Table:
    if isinstance(record, pa.Table):
        return record
    return pa.ipc.open_stream(memoryview(record)[HEADER.size :]).read_all()


def convert(store: TelemetryStore, log_id: str, seq: int, records: list[pa.Table | bytes]) -> int:
    """Publish a log file's records as its segment, then delete the log file. Idempotent."""
    tables = [_table(record) for record in records]
    path = wal_root(store) / log_id / f"{seq:012d}.wal"
    present = {p.name for p in store.segments_dir.iterdir()}
    name = segment_name(log_id, seq)
    rows = sum(t.num_rows for t in tables)
    if rows and not covered(name, present, replaced_names(store)):
        staged = stage_table(store, pa.concat_tables(tables), name=name)
        publish(store, [staged])
    path.unlink(missing_ok=True)
    return rows


@contextlib.contextmanager
def _registry(store: TelemetryStore) -> Iterator[None]:
    """One process at a time recovers logs or starts one (`collect --workers` starts
    several at once): otherwise a recovery could take the lock of a log directory
    another writer has just made but not yet locked, and remove it under that writer."""
    descriptor = os.open(store.path / "wal.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def recover(store: TelemetryStore) -> int:
    """Replay the logs of dead writers into segments; returns the spans recovered."""
    with _registry(store):
        return _recover(store)


def _recover(store: TelemetryStore) -> int:
    root = wal_root(store)
    recovered = 0
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        lock = _try_lock(directory / "LOCK")
        if lock is None:
            continue
        try:
            for path in sorted(directory.glob("*.wal")):
                records: list[pa.Table | bytes] = list(read_records(path))
                recovered += convert(store, directory.name, int(path.stem), records)
            (directory / "LOCK").unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                directory.rmdir()
        finally:
            os.close(lock)
    return recovered


@dataclass
class WalStats:
    batches: int = 0
    records: int = 0
    segments: int = 0
    #: Bytes acknowledged but not yet converted to Parquet (held in memory).
    pending_bytes: int = 0
    pending_spans: int = 0
    converted_spans: int = 0
    fsync_seconds: list[float] = field(default_factory=list)


class WriteAheadLog:
    """One process's log; `submit` returns a future resolved once the record is durable."""

    def __init__(
        self,
        store: TelemetryStore,
        rotate_seconds: float = ROTATE_SECONDS,
        rotate_bytes: int = ROTATE_BYTES,
    ) -> None:
        self.store = store
        self.rotate_seconds = rotate_seconds
        self.rotate_bytes = rotate_bytes
        self.log_id = f"{time.time_ns():020d}{uuid.uuid4().hex[:6]}"
        self.directory = wal_root(store) / self.log_id
        self.stats = WalStats()
        self._incoming: queue.SimpleQueue[tuple[bytes, pa.Table | bytes, Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._finished: queue.SimpleQueue[tuple[int, list[pa.Table | bytes], int] | None] = (
            queue.SimpleQueue()
        )
        self._closed = False
        self._stats_lock = threading.Lock()
        self._lock_fd: int | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        with _registry(self.store):
            _recover(self.store)
            self.directory.mkdir(parents=True)
            self._lock_fd = _try_lock(self.directory / "LOCK")
        self._threads = [
            threading.Thread(target=self._commit_loop, name="wal-commit", daemon=True),
            threading.Thread(target=self._convert_loop, name="wal-convert", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, table: pa.Table) -> Future[None]:
        """Queue a checked table; the future resolves after the fsync that covers it."""
        return self.submit_encoded(encode(table), table.num_rows, table)

    def submit_encoded(
        self, record: bytes, rows: int, table: pa.Table | None = None
    ) -> Future[None]:
        """Queue a record made by `encode` (in another process, say), holding `rows` spans."""
        future: Future[None] = Future()
        if self._closed:
            future.set_exception(RuntimeError("the write-ahead log is closed"))
            return future
        with self._stats_lock:
            self.stats.pending_bytes += len(record)
            self.stats.pending_spans += rows
        self._incoming.put((record, record if table is None else table, future))
        return future

    def close(self) -> None:
        """Graceful shutdown: commit and convert everything, then remove the log."""
        if self._closed:
            return
        self._closed = True
        self._incoming.put(None)
        for thread in self._threads:
            thread.join()
        if self._lock_fd is not None:
            (self.directory / "LOCK").unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.directory.rmdir()
            os.close(self._lock_fd)

    def _open(self, seq: int) -> int:
        descriptor = os.open(
            self.directory / f"{seq:012d}.wal", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
        )
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return descriptor

    def _commit_loop(self) -> None:
        seq, size, opened = 1, 0, time.monotonic()
        descriptor = self._open(seq)
        tables: list[pa.Table | bytes] = []
        stopping = False
        while not stopping:
            wait = max(0.01, self.rotate_seconds - (time.monotonic() - opened))
            try:
                batch = [self._incoming.get(timeout=wait)]
            except queue.Empty:
                batch = []
            while not self._incoming.empty():
                batch.append(self._incoming.get())
            stopping = None in batch
            items = [item for item in batch if item is not None]
            if items:
                os.write(descriptor, b"".join(record for record, _, _ in items))
                began = time.perf_counter()
                os.fdatasync(descriptor)
                self.stats.fsync_seconds = [time.perf_counter() - began]
                self.stats.batches += 1
                self.stats.records += len(items)
                for record, table, future in items:
                    size += len(record)
                    tables.append(table)
                    future.set_result(None)
            due = time.monotonic() - opened >= self.rotate_seconds or size >= self.rotate_bytes
            if tables and (due or stopping):
                os.close(descriptor)
                self._finished.put((seq, tables, size))
                seq, size, tables, opened = seq + 1, 0, [], time.monotonic()
                descriptor = self._open(seq) if not stopping else -1
            elif due:
                opened = time.monotonic()
        if descriptor >= 0:
            os.close(descriptor)
            (self.directory / f"{seq:012d}.wal").unlink(missing_ok=True)
        self._finished.put(None)

    def _convert_loop(self) -> None:
        while (item := self._finished.get()) is not None:
            seq, tables, size = item
            rows = convert(self.store, self.log_id, seq, tables)
            with self._stats_lock:
                self.stats.segments += 1
                self.stats.converted_spans += rows
                self.stats.pending_bytes -= size
                self.stats.pending_spans -= rows
