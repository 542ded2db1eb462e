"""Ingest OTLP trace files: JSON Lines (the Collector's file exporter), whole-file JSON
(pretty-printed or not), length-delimited or plain protobuf, each optionally gzip.

Each file is decoded completely before any of it becomes visible: chunks are
staged as segments and published together, so a malformed line 900,000 leaves
the store as it was and the message names the file and line.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from flowsight.errors import InputError, MalformedTelemetry
from flowsight.telemetry.allocator import system_allocator
from flowsight.telemetry.json_native import AVAILABLE as NATIVE_JSON
from flowsight.telemetry.json_native import stage_blocks
from flowsight.telemetry.otlp_arrow import ArrowDeclined, BlockParser, parsed_ahead, spans_table
from flowsight.telemetry.otlp_duckdb import MAX_LINE_BYTES, EngineDeclined, stage_json_lines
from flowsight.telemetry.otlp_json import decode_traces, parse_documents, parse_json
from flowsight.telemetry.otlp_native import decode_frames
from flowsight.telemetry.otlp_proto import decode_request, framed_messages, parse_message
from flowsight.telemetry.segment_writer import SegmentWriter
from flowsight.telemetry.spans import CLAMPED_REASON, SpanColumns, SpanRecord
from flowsight.telemetry.store import TelemetryStore, discard, open_store, publish, stage_table

#: Spans per staged segment: bounds memory while keeping segments large.
CHUNK_SPANS = 500_000
#: Spans per segment the Arrow path writes (row group by row group): large segments,
#: which the compaction after an ingest leaves alone.
SEGMENT_SPANS = 4_000_000
#: JSON Lines read per Arrow block (then to the end of the line): bounds memory. Blocks
#: under glibc's 32 MB mmap threshold are recycled by malloc instead of being mapped and
#: faulted in afresh each time (measured: a third less system time than 64 MB blocks).
READ_BYTES = 16 << 20
#: A whole-file JSON document larger than this is left to DuckDB, which streams it.
WHOLE_FILE_BYTES = 1 << 30
GZIP_MAGIC = b"\x1f\x8b"

#: progress(advance_bytes, total_bytes, description) — the CLI wires a rich bar here.
Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    files: int = 0
    spans: int = 0
    per_file: dict[str, int] = field(default_factory=dict)
    #: Spans stored with a duration of 0 because their clock was unusable.
    clamped: int = 0

    @property
    def warnings(self) -> list[str]:
        return [f"{self.clamped} {CLAMPED_REASON}"] if self.clamped else []


def _open(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(decoded stream, raw stream); the raw one tells how far we are for progress."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; pass the trace files themselves") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw), raw  # type: ignore[return-value]
    raw.seek(0)
    return raw, raw


def _json_spans(stream: IO[bytes], path: Path, tick: Callable[[], None]) -> Iterator[SpanRecord]:
    for number, line in enumerate(stream, start=1):
        if number % 200 == 0:
            tick()
        if not line.strip():
            continue
        where = f"{path}:{number}"
        yield from decode_traces(parse_json(line, where, column=True), f"{where}: $")


def _whole_file_spans(stream: IO[bytes], path: Path) -> Iterator[SpanRecord]:
    for where, document in parse_documents(stream.read(), str(path)):
        yield from decode_traces(document, f"{where}: $")


def _json_lines(stream: IO[bytes], path: Path) -> bool:
    """Whether the file is JSON Lines: its first non-blank line is a whole JSON document."""
    return _first_document(stream, path) is not _NOT_JSON_LINES


_NOT_JSON_LINES = object()


def _first_document(stream: IO[bytes], path: Path) -> Any:
    """The first non-blank line as a JSON document, or _NOT_JSON_LINES when it is not one."""
    first = b""
    try:
        while not first:
            line = stream.readline(MAX_LINE_BYTES)
            if not line:
                break
            first = line.strip()
        stream.seek(0)
    except (OSError, EOFError, zlib.error) as error:
        raise MalformedTelemetry(f"not a valid gzip file ({error})", str(path)) from None
    if not first.endswith(b"}"):
        return _NOT_JSON_LINES
    try:
        return json.loads(first)
    except (ValueError, RecursionError):
        return _NOT_JSON_LINES


def _proto_spans(stream: IO[bytes], path: Path) -> Iterator[SpanRecord]:
    for where, payload in framed_messages(stream.read(), str(path)):
        yield from decode_request(parse_message(payload, where), where)


def _first_byte(stream: IO[bytes], path: Path) -> bytes:
    try:
        head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    except (OSError, EOFError, zlib.error) as error:
        raise MalformedTelemetry(f"not a valid gzip file ({error})", str(path)) from None
    return head.lstrip()[:1]


def _spans_of(stream: IO[bytes], path: Path, tick: Callable[[], None]) -> Iterator[SpanRecord]:
    if _first_byte(stream, path) in (b"{", b"["):
        if _json_lines(stream, path):
            return _json_spans(stream, path, tick)
        return _whole_file_spans(stream, path)
    return _proto_spans(stream, path)


def _published(
    store: TelemetryStore,
    staged: list[Path],
    path: Path,
    done: tuple[int, int],
    progress: Progress | None,
    report: IngestReport | None,
    clamped: int = 0,
) -> None:
    """Make a file's staged segments visible, finish its progress bar, count its clamped spans."""
    publish(store, staged)
    seen, total = done
    if progress:
        progress(total - seen, total, path.name)
    if report is not None:
        report.clamped += clamped


def _engine(
    store: TelemetryStore, path: Path, progress: Progress | None, report: IngestReport | None
) -> int | None:
    """The DuckDB path for JSON: spans published, or None when Python must decode."""
    kind = _json_kind(path)
    if kind is None:
        return None
    json_lines, compressed, total, _ = kind
    seen = [0]

    def advance(share: float) -> None:
        position = int(share * total)
        if progress and position > seen[0]:
            progress(position - seen[0], total, path.name)
            seen[0] = position

    try:
        staged, count = stage_json_lines(store, path, compressed, advance, not json_lines)
    except EngineDeclined:
        return None
    _published(store, staged, path, (seen[0], total), progress, None)
    return count


def _native(
    store: TelemetryStore, path: Path, progress: Progress | None, report: IngestReport | None
) -> int | None:
    """Protobuf files through the native decoder; None for JSON or a declined message."""
    stream, raw = _open(path)
    try:
        if _first_byte(stream, path) in (b"{", b"["):
            return None
        data = stream.read()
        total = os.fstat(raw.fileno()).st_size
    except (OSError, EOFError, zlib.error):
        return None
    finally:
        stream.close()
        raw.close()
    decoded = decode_frames(data, str(path))
    if decoded is None:
        return None
    tables, clamped = decoded
    table = pa.concat_tables(tables)
    staged = [stage_table(store, table)] if table.num_rows else []
    _published(store, staged, path, (0, total), progress, report, clamped)
    return table.num_rows


def ingest_file(
    store: TelemetryStore,
    path: Path,
    progress: Progress | None = None,
    report: IngestReport | None = None,
) -> int:
    """Ingest one file atomically; returns the number of spans it held.

    JSON goes through the native JSON decoder when it decodes it exactly
    (json_native), else Arrow when that can (otlp_arrow), else DuckDB when that can
    (otlp_duckdb); protobuf through the native decoder (otlp_native). Otherwise the strict Python decoders run, which store the same
    rows or name the bad place.
    """
    for path_taken in (_native, _native_json, _arrow, _engine):
        try:
            count = path_taken(store, path, progress, report)
        except MalformedTelemetry:
            count = None
        if count is not None:
            return count
    return _python_ingest(store, path, progress, report)


def _json_kind(path: Path) -> tuple[bool, bool, int, Any] | None:
    """(JSON Lines?, compressed?, size on disk, first document) of a JSON file; None for
    protobuf. The first document of JSON Lines tells which fields the file uses."""
    stream, raw = _open(path)
    try:
        total = os.fstat(raw.fileno()).st_size
        if _first_byte(stream, path) not in (b"{", b"["):
            return None
        first = _first_document(stream, path)
        json_lines = first is not _NOT_JSON_LINES
        return json_lines, stream is not raw, total, first if json_lines else None
    finally:
        stream.close()
        raw.close()


def _blocks(stream: IO[bytes], json_lines: bool) -> Iterator[bytes | bytearray]:
    """Whole lines, about READ_BYTES at a time; or the whole file at once."""
    if not json_lines:
        data = stream.read(WHOLE_FILE_BYTES + 1)
        if len(data) > WHOLE_FILE_BYTES:
            raise ArrowDeclined("a whole-file document too large to parse at once")
        yield data
        return
    carry = b""
    while True:
        block = _read_after(stream, carry)
        if len(block) == len(carry):
            if carry:
                yield block
            return
        cut = block.rfind(b"\n") + 1
        carry = bytes(block[cut:])
        if cut:
            del block[cut:]
            yield block


def _read_after(stream: IO[bytes], carry: bytes) -> bytearray:
    """`carry` (a line begun in the last block) and READ_BYTES more, read in place: no
    copy of the block to finish its last line."""
    block = bytearray(len(carry) + READ_BYTES)
    block[: len(carry)] = carry
    read = stream.readinto(memoryview(block)[len(carry) :])  # type: ignore[attr-defined]
    del block[len(carry) + (read or 0) :]
    return block


def _native_json(
    store: TelemetryStore, path: Path, progress: Progress | None, report: IngestReport | None
) -> int | None:
    """JSON through the native decoder (json_native); None when it declines."""
    kind = _json_kind(path) if NATIVE_JSON else None
    if kind is None:
        return None
    json_lines, _, total, _ = kind
    stream, raw = _open(path)
    seen = [0]

    def advanced() -> None:
        if progress:
            progress(raw.tell() - seen[0], total, path.name)
            seen[0] = raw.tell()

    with stream, raw:
        staged = stage_blocks(store, _blocks(stream, json_lines), json_lines, advanced)
    if staged is None:
        return None
    _published(store, staged[0], path, (seen[0], total), progress, report, staged[2])
    return staged[1]


def _arrow(
    store: TelemetryStore, path: Path, progress: Progress | None, report: IngestReport | None
) -> int | None:
    """The Arrow path for JSON: spans published, or None when an exact path must decode."""
    with system_allocator():
        return _arrow_ingest(store, path, progress, report)


def _arrow_ingest(
    store: TelemetryStore, path: Path, progress: Progress | None, report: IngestReport | None
) -> int | None:
    kind = _json_kind(path)
    if kind is None:
        return None
    json_lines, _, total, first = kind
    stream, raw = _open(path)
    writer = SegmentWriter(store, SEGMENT_SPANS)
    count = clamped = seen = 0
    try:
        parser = BlockParser(json_lines, first)
        for documents in parsed_ahead(_blocks(stream, json_lines), parser):
            table, block_clamped = spans_table(documents)
            writer.add(table)
            count, clamped = count + table.num_rows, clamped + block_clamped
            if progress:
                position = raw.tell()
                progress(position - seen, total, path.name)
                seen = position
        staged = writer.finish()
    except (ArrowDeclined, OSError, EOFError, zlib.error):
        writer.abandon()
        return None
    except BaseException:
        writer.abandon()
        raise
    finally:
        stream.close()
        raw.close()
    _published(store, staged, path, (seen, total), progress, report, clamped)
    return count


def _python_ingest(
    store: TelemetryStore,
    path: Path,
    progress: Progress | None,
    report: IngestReport | None = None,
) -> int:
    stream, raw = _open(path)
    total = os.fstat(raw.fileno()).st_size
    seen = [0]

    def tick() -> None:
        if progress:
            position = raw.tell()
            progress(position - seen[0], total, path.name)
            seen[0] = position

    staged: list[Path] = []
    count = clamped = 0
    try:
        columns = SpanColumns()
        for span in _spans_of(stream, path, tick):
            columns.add(span)
            if len(columns) >= CHUNK_SPANS:
                staged.append(stage_table(store, columns.table()))
                count += len(columns)
                clamped += columns.clamped
                columns = SpanColumns()
        if len(columns):
            staged.append(stage_table(store, columns.table()))
            count += len(columns)
        clamped += columns.clamped
    except (OSError, EOFError, zlib.error) as error:
        discard(staged)
        raise MalformedTelemetry(f"cannot be decompressed or read ({error})", str(path)) from None
    except BaseException:
        discard(staged)
        raise
    finally:
        stream.close()
        raw.close()
    _published(store, staged, path, (seen[0], total), progress, report, clamped)
    return count


def ingest_files(
    paths: Iterable[str | os.PathLike[str]],
    store_path: TelemetryStore | str | os.PathLike[str],
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest OTLP JSON / protobuf files (optionally gzip) into the store, file by file."""
    store = (
        store_path
        if isinstance(store_path, TelemetryStore)
        else open_store(store_path, create=True)
    )
    report = IngestReport()
    for name in paths:
        path = Path(name)
        spans = ingest_file(store, path, progress, report)
        report.files += 1
        report.spans += spans
        report.per_file[str(path)] = spans
    return report
