"""Staged segments written behind a decoder: the file-ingest side of the store.

Why a writer of its own: encoding and compressing Parquet costs about as much as
decoding the JSON did, so it runs in a worker thread (Arrow releases the GIL)
while the decoder reads the next block; and the columns that hold one value per
span (ids, timestamps) skip dictionary encoding and statistics nobody reads.
Segments stay under `tmp/` until the caller publishes them all (store.publish),
so a file is visible whole or not at all. The settings are the store's (store.open_segment).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flowsight.telemetry.spans import SCHEMA
from flowsight.telemetry.store import TelemetryStore, discard, open_segment, staged_name


class SegmentWriter:
    """Appends span tables to a staged segment as row groups, in a worker thread with at
    most one table in flight (memory stays bounded); a new segment every
    `spans_per_segment` rows."""

    def __init__(self, store: TelemetryStore, spans_per_segment: int) -> None:
        self.store = store
        self.spans_per_segment = spans_per_segment
        self.staged: list[Path] = []
        self._open: tuple[Path, pq.ParquetWriter] | None = None
        self._rows = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segment-writer")
        self._writing: Future[None] | None = None

    def add(self, table: pa.Table) -> None:
        self._wait()
        self._writing = self._worker.submit(self._write, table)

    def _write(self, table: pa.Table) -> None:
        if self._open is None:
            path = self.store.tmp_dir / staged_name()
            self.staged.append(path)
            self._open, self._rows = (path, open_segment(path)), 0
        self._open[1].write_table(table.cast(SCHEMA))
        self._rows += table.num_rows
        if self._rows >= self.spans_per_segment:
            self._close()

    def _close(self) -> None:
        if self._open is not None:
            path, writer = self._open
            self._open = None
            writer.close()
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())

    def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def finish(self) -> list[Path]:
        """Close the last segment; the staged segments, ready to publish."""
        self._wait()
        self._worker.submit(self._close).result()
        self._worker.shutdown()
        return self.staged

    def abandon(self) -> None:
        """Delete every staged segment (the file goes to another decoder)."""
        try:
            self._wait()
            self._close()
        except Exception:  # the segments are discarded anyway
            self._open = None
        self._worker.shutdown()
        discard(self.staged)
        self.staged = []
