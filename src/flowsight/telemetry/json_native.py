"""The native columnar decoder of OTLP JSON: exactly the strict Python path's table, or None.

`_otlp_json` (a C extension, _otlp_json.c) reads OTLP/JSON documents (JSON Lines
or a whole-file document) straight into Arrow buffers without the GIL; this
module wraps them without copying (as otlp_native does for protobuf) and runs
it on the file's blocks of whole lines on two threads, with the Parquet writer
behind. Its contract: for every block the table and clamped count equal what
`otlp_json.parse_json` + `decode_traces` + `spans.SpanColumns` give, or it
declines (None) on anything unusual (see the C file's header), and the file goes
to the existing chain (Arrow, DuckDB, then the strict decoder that names the bad
line and field). Without a compiler the module is absent and that chain runs.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from flowsight.telemetry.otlp_arrow import ArrowDeclined
from flowsight.telemetry.otlp_native import table_from
from flowsight.telemetry.segment_writer import SegmentWriter
from flowsight.telemetry.store import TelemetryStore

try:
    from flowsight.telemetry import _otlp_json  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - an install built without a C compiler
    _otlp_json = None

#: Whether the native JSON decoder is built.
AVAILABLE = _otlp_json is not None
#: Threads decoding blocks (the machine this is tuned on has two cores).
THREADS = 2
#: Spans per staged segment (as the Arrow path writes them).
SEGMENT_SPANS = 4_000_000
#: Blocks decoded or waiting for the writer at once: bounds memory.
IN_FLIGHT = 3

Decoded = tuple[pa.Table, int]


def decode_block(data: bytes | bytearray | memoryview, json_lines: bool) -> Decoded | None:
    """(table, clamped spans) of a block of whole lines (or a whole-file text), or None."""
    if not AVAILABLE:
        return None
    decoded = _otlp_json.decode(data, json_lines)
    if decoded is None:
        return None
    rows, clamped, columns = decoded
    return table_from(rows, columns), clamped


def write_blocks(
    blocks: Iterable[bytes | bytearray],
    json_lines: bool,
    writer: SegmentWriter,
    advanced: Callable[[], None] | None = None,
) -> tuple[int, int] | None:
    """Decode blocks on THREADS threads, in order, into `writer`: (spans, clamped), or
    None as soon as one block declines (the caller abandons the writer)."""
    totals = [0, 0]
    pending: deque[Future[Decoded | None]] = deque()

    def written() -> bool:
        decoded = pending.popleft().result()
        if decoded is None:
            return False
        writer.add(decoded[0])
        totals[0] += decoded[0].num_rows
        totals[1] += decoded[1]
        if advanced:
            advanced()
        return True

    with ThreadPoolExecutor(THREADS, thread_name_prefix="json-native") as pool:
        try:
            for block in blocks:
                pending.append(pool.submit(decode_block, block, json_lines))
                while len(pending) >= IN_FLIGHT or (pending and pending[0].done()):
                    if not written():
                        return None
            while pending:
                if not written():
                    return None
        finally:
            for future in pending:
                future.cancel()
    return totals[0], totals[1]


def stage_blocks(
    store: TelemetryStore,
    blocks: Iterable[bytes | bytearray],
    json_lines: bool,
    advanced: Callable[[], None] | None = None,
) -> tuple[list[Path], int, int] | None:
    """(staged segments, spans, clamped) of a file's blocks, or None when a block declines
    or the file cannot be read (nothing stays staged; the caller tries the next path)."""
    writer = SegmentWriter(store, SEGMENT_SPANS)
    try:
        written = write_blocks(blocks, json_lines, writer, advanced)
        if written is not None:
            return writer.finish(), *written
    except (ArrowDeclined, OSError, EOFError, zlib.error):
        pass
    except BaseException:
        writer.abandon()
        raise
    writer.abandon()
    return None
