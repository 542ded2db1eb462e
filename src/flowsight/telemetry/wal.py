"""The receiver's write-ahead log: group commit, acknowledged only once durable.

Why: an fsync'd Parquet segment per request capped the receiver at a few
hundred requests a second and left millions of files a day. Instead each
writer process appends requests, already decoded and checked, as Arrow IPC
records to its own log `wal/<log>/<seq>.wal`. One committer thread writes every
request that arrived while the previous fsync ran and covers them all with one
fdatasync; only then are they acknowledged. A converter thread reads each
finished log file back (it was just written: the page cache still has it) and
turns it into one Parquet segment named after it (`w-<log>-<seq>.parquet`), off
the request path, then deletes the log file. Nothing of a record stays in
memory between its fsync and its conversion: the decoded table is dropped in
the request thread that made it, so the native decoder's buffers are freed by
the thread whose malloc made them. Holding them instead (about 40 MiB of
records at the soak's rate) until the converter freed them cost far more than
their size: paced runs at the soak's rate peaked at 645-735 MiB of RSS a minute
with them held and 346-434 without. Capping glibc's arenas (MALLOC_ARENA_MAX=2)
won back only about 80 MiB of that, and nothing on top of this (bench/README.md).

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


def log_file(store: TelemetryStore, log_id: str, seq: int) -> Path:
    return wal_root(store) / log_id / f"{seq:012d}.wal"


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
    """The intact records of a log file; a torn or corrupt tail (never acknowledged) ends it.
    The tables share the file's one buffer (no copy per record)."""
    data = memoryview(path.read_bytes())
    offset = 0
    while offset + HEADER.size <= len(data):
        size, checksum = HEADER.unpack_from(data, offset)
        payload = data[offset + HEADER.size : offset + HEADER.size + size]
        if len(payload) < size or zlib.crc32(payload) != checksum:
            return
        yield pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
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


def _write_all(descriptor: int, data: bytes) -> None:
    """Why a loop: write(2) may write less than asked (a disk nearly full, say), and the
    converter reads an acknowledged record back from the file, so it must be whole."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def convert(store: TelemetryStore, log_id: str, seq: int, tables: list[pa.Table]) -> int:
    """Publish a log file's records as its segment, then delete the log file. Idempotent."""
    path = log_file(store, log_id, seq)
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
                records = list(read_records(path))
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
    #: Bytes acknowledged but not yet converted to Parquet: the log files the converter
    #: has yet to read back (the receiver's queue limit sheds load past it).
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
        self._incoming: queue.SimpleQueue[tuple[bytes, int, Future[None]] | None] = (
            queue.SimpleQueue()
        )
        #: (seq, bytes, spans) of each log file closed and due for conversion
        self._finished: queue.SimpleQueue[tuple[int, int, int] | None] = queue.SimpleQueue()
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
        return self.submit_encoded(encode(table), table.num_rows)

    def submit_encoded(self, record: bytes, rows: int) -> Future[None]:
        """Queue a record made by `encode` (in another process, say), holding `rows` spans."""
        future: Future[None] = Future()
        if self._closed:
            future.set_exception(RuntimeError("the write-ahead log is closed"))
            return future
        with self._stats_lock:
            self.stats.pending_bytes += len(record)
            self.stats.pending_spans += rows
        self._incoming.put((record, rows, future))
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
            log_file(self.store, self.log_id, seq), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
        )
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return descriptor

    def _commit_loop(self) -> None:
        seq, size, spans, opened = 1, 0, 0, time.monotonic()
        descriptor = self._open(seq)
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
                written, rows = self._append(descriptor, items)
                size, spans = size + written, spans + rows
            del batch, items  # on disk now: free the records before the next wait
            due = time.monotonic() - opened >= self.rotate_seconds or size >= self.rotate_bytes
            if size and (due or stopping):
                os.close(descriptor)
                self._finished.put((seq, size, spans))
                seq, size, spans, opened = seq + 1, 0, 0, time.monotonic()
                descriptor = self._open(seq) if not stopping else -1
            elif due:
                opened = time.monotonic()
        if descriptor >= 0:
            os.close(descriptor)
            log_file(self.store, self.log_id, seq).unlink(missing_ok=True)
        self._finished.put(None)

    def _append(
        self, descriptor: int, items: list[tuple[bytes, int, Future[None]]]
    ) -> tuple[int, int]:
        """Write `items` to the log, fsync, acknowledge them; returns their bytes and spans."""
        _write_all(descriptor, b"".join(record for record, _, _ in items))
        began = time.perf_counter()
        os.fdatasync(descriptor)
        self.stats.fsync_seconds = [time.perf_counter() - began]
        self.stats.batches += 1
        self.stats.records += len(items)
        for _, _, future in items:
            future.set_result(None)
        return sum(len(record) for record, _, _ in items), sum(rows for _, rows, _ in items)

    def _convert_loop(self) -> None:
        while (item := self._finished.get()) is not None:
            seq, size, spans = item
            records = list(read_records(log_file(self.store, self.log_id, seq)))
            convert(self.store, self.log_id, seq, records)
            with self._stats_lock:
                self.stats.segments += 1
                self.stats.converted_spans += spans
                self.stats.pending_bytes -= size
                self.stats.pending_spans -= spans
