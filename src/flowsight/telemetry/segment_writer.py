"""Staged segments written behind a decoder: the file-ingest side of the store.

Why a writer of its own: encoding and compressing Parquet costs about as much as
decoding the JSON did, so it runs in a worker thread (Arrow releases the GIL)
while the decoder reads the next block; and the columns that hold one value per
span (ids, timestamps) skip dictionary encoding and statistics nobody reads.
Segments stay under `tmp/` until the caller publishes them all (store.publish),
so a file is visible whole or not at all.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flowsight.telemetry.spans import SCHEMA
from flowsight.telemetry.store import TelemetryStore, discard, staged_name

#: Distinct per span: dictionaries and min/max statistics would only cost time.
_PER_SPAN = {"trace_id", "span_id", "parent_span_id", "duration_ns", "attributes"}
_DICTIONARY = [name for name in SCHEMA.names if name not in _PER_SPAN] + [
    "attributes.key_value.key",
    "attributes.key_value.value",
]
_STATISTICS = [name for name in SCHEMA.names if name not in _PER_SPAN]


class SegmentWriter:
    """Collects span tables and stages a segment per `spans_per_segment` rows, in a
    worker thread, at most one segment in flight (memory stays bounded)."""

    def __init__(self, store: TelemetryStore, spans_per_segment: int) -> None:
        self.store = store
        self.spans_per_segment = spans_per_segment
        self.staged: list[Path] = []
        self._pending: list[pa.Table] = []
        self._rows = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segment-writer")
        self._writing: Future[Path] | None = None

    def add(self, table: pa.Table) -> None:
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= self.spans_per_segment:
            self._flush()

    def _flush(self) -> None:
        self._wait()
        table = pa.concat_tables(self._pending)
        self._pending, self._rows = [], 0
        self._writing = self._worker.submit(_stage, self.store, table)

    def _wait(self) -> None:
        if self._writing is not None:
            self.staged.append(self._writing.result())
            self._writing = None

    def finish(self) -> list[Path]:
        """Stage what is left; the staged segments, ready to publish."""
        if self._rows:
            self._flush()
        self._wait()
        self._worker.shutdown()
        return self.staged

    def abandon(self) -> None:
        """Delete every staged segment (the file goes to another decoder)."""
        try:
            self._wait()
        except Exception:  # the segment being written is discarded anyway
            self._writing = None
        self._worker.shutdown()
        discard(self.staged)
        self.staged = []


def _stage(store: TelemetryStore, table: pa.Table) -> Path:
    staged = store.tmp_dir / staged_name()
    try:
        pq.write_table(
            table.cast(SCHEMA),
            staged,
            compression="zstd",
            use_dictionary=_DICTIONARY,
            write_statistics=_STATISTICS,
        )
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged
