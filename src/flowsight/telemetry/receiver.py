"""OTLP/HTTP trace receiver: `POST /v1/traces`, protobuf or JSON, optionally gzip.

It answers as the OTLP/HTTP spec says: 200 with an ExportTraceServiceResponse in
the request's encoding (its partial_success carries warnings, such as clamped
durations); 400 with a google.rpc.Status naming the reason; 413 for a body over
the limit; 429 with Retry-After when the bytes of all requests in flight would
pass the receiver's budget, so memory stays bounded in total, not only per
request; 503 with Retry-After when conversion to Parquet falls behind. An
accepted request is in the write-ahead log (wal.py, group commit) before the 200
leaves, so whatever an exporter saw acknowledged survives a crash, and readers
see it at once. A rejected request stores nothing.
It is an APIRouter so `flowsight collect` and the dashboard mount the same code.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pyarrow as pa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.concurrency import run_in_threadpool

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry.otlp_json import decode_traces, parse_json
from flowsight.telemetry.otlp_native import decode_table
from flowsight.telemetry.otlp_proto import decode_request, parse_message
from flowsight.telemetry.spans import CLAMPED_REASON, SpanColumns
from flowsight.telemetry.store import TelemetryStore, segment_files
from flowsight.telemetry.wal import WalStats, WriteAheadLog, encode, recover

#: The OTLP spec's recommended ceiling for one request body (after decompression too).
MAX_BODY_BYTES = 20 * 1024 * 1024
#: Bytes of all requests in flight together (bodies and their decompressed copies).
IN_FLIGHT_BYTES = 64 * 1024 * 1024
#: Bytes acknowledged but not yet converted to Parquet; past it, 503 with Retry-After.
QUEUE_BYTES = 256 * 1024 * 1024
#: Seconds an exporter is asked to wait when the receiver sheds load.
RETRY_AFTER_SECONDS = 1
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
#: google.rpc.Code values for the Status body of a refusal.
_CODES = {400: 3, 413: 3, 415: 3, 429: 8, 503: 14}


class _Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ByteBudget:
    """Bytes held by requests in flight, across all of them: past the limit, shed load."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.refused = 0
        self._lock = threading.Lock()

    def take(self, size: int) -> None:
        with self._lock:
            if self.used + size > self.limit:
                self.refused += 1
                raise _Rejected(
                    429,
                    f"the receiver holds {self.used} bytes of requests in flight (budget "
                    f"{self.limit}); retry after {RETRY_AFTER_SECONDS} s",
                )
            self.used += size

    def give(self, size: int) -> None:
        with self._lock:
            self.used -= size


def _answer(
    status: int, content_type: str, reason: str | None = None, warning: str | None = None
) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status in (429, 503) else None
    if reason is None:
        message = ExportTraceServiceResponse()
        if warning:
            message.partial_success.error_message = warning
        body = (
            message.SerializeToString()
            if content_type == PROTOBUF
            else json_format.MessageToJson(message, indent=None).encode()
        )
    else:
        error = status_pb2.Status(code=_CODES.get(status, 3), message=reason)
        body = (
            error.SerializeToString()
            if content_type == PROTOBUF
            else json_format.MessageToJson(error, indent=None).encode()
        )
    return Response(body, status_code=status, media_type=content_type, headers=headers)


class _Held:
    """The bytes one request holds in the budget; all returned when it is answered."""

    def __init__(self, budget: ByteBudget) -> None:
        self.budget = budget
        self.size = 0

    def take(self, size: int) -> None:
        self.budget.take(size)
        self.size += size

    def release(self) -> None:
        self.budget.give(self.size)
        self.size = 0


async def _read_body(request: Request, limit: int, held: _Held) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit():
        if int(declared) > limit:
            raise _Rejected(413, f"body of {declared} bytes exceeds the {limit}-byte limit")
        held.take(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Rejected(413, f"body exceeds the {limit}-byte limit")
        if size > held.size:
            held.take(size - held.size)
        chunks.append(chunk)
    return b"".join(chunks)


def _decompress(body: bytes, encoding: str, limit: int, held: _Held) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise _Rejected(400, f"unsupported Content-Encoding '{encoding}'; use gzip or none")
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise _Rejected(400, f"body is not valid gzip ({error})") from None
    if len(data) > limit:
        raise _Rejected(413, f"decompressed body exceeds the {limit}-byte limit")
    held.take(len(data))
    if not inflater.eof:
        raise _Rejected(400, "body is not valid gzip (truncated stream)")
    return data


def _decode(data: bytes, content_type: str) -> tuple[pa.Table, int]:
    """(table, clamped spans) of a body: protobuf by the native decoder when it does
    not decline (otlp_native.py), else span by span in Python."""
    if content_type == PROTOBUF:
        native = decode_table(data)
        if native is not None:
            return native
    columns = SpanColumns()
    spans = (
        decode_request(parse_message(data, "request"), "request")
        if content_type == PROTOBUF
        else decode_traces(parse_json(data, "request"), "request")
    )
    for span in spans:
        columns.add(span)
    return columns.table(), columns.clamped


def decode_logged(data: bytes, content_type: str) -> tuple[bytes, int, int] | str:
    """(log record, spans, clamped) of a body, or the reason it is refused.

    Run in a worker thread: the native decoder releases the GIL while it parses, so
    requests decode on both cores without the processes (and their memory) a pool
    of decoder processes cost; measured no slower (bench/README.md). The table dies
    here, in the thread whose malloc made its buffers (wal.py says why that matters)."""
    try:
        table, clamped = _decode(data, content_type)
    except MalformedTelemetry as error:
        return error.message
    return encode(table), table.num_rows, clamped


class Receiver:
    """What the endpoint needs besides HTTP: the store, its limits, its log and its counters."""

    def __init__(
        self,
        store: TelemetryStore,
        max_body_bytes: int = MAX_BODY_BYTES,
        in_flight_bytes: int = IN_FLIGHT_BYTES,
        queue_bytes: int = QUEUE_BYTES,
    ) -> None:
        self.store = store
        self.max_body_bytes = max_body_bytes
        self.queue_bytes = queue_bytes
        self.budget = ByteBudget(max(in_flight_bytes, max_body_bytes))
        self.spans_accepted = 0
        self.requests_refused: dict[int, int] = {}
        self._wal: WriteAheadLog | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    @property
    def wal(self) -> WriteAheadLog:
        """The log, started on first use (a router mounted without its lifespan still works)."""
        with self._start_lock:
            if self._closed:
                raise _Rejected(503, "the receiver is shutting down; retry against the restart")
            if self._wal is None:
                self._wal = WriteAheadLog(self.store)
                self._wal.start()
            return self._wal

    def close(self) -> None:
        """Graceful shutdown: everything acknowledged is converted to segments."""
        with self._start_lock:
            self._closed = True
            wal, self._wal = self._wal, None
        if wal is not None:
            wal.close()

    async def accept(self, data: bytes, content_type: str) -> str | None:
        """Decode everything first, then wait until the log holds it durably. A warning or None."""
        wal = self.wal
        if wal.stats.pending_bytes > self.queue_bytes:
            raise _Rejected(
                503,
                f"the store is {wal.stats.pending_bytes} bytes behind (limit {self.queue_bytes}); "
                f"retry after {RETRY_AFTER_SECONDS} s",
            )
        logged = await run_in_threadpool(decode_logged, data, content_type)
        if isinstance(logged, str):
            raise _Rejected(400, logged)
        record, spans, clamped = logged
        await asyncio.wrap_future(wal.submit_encoded(record, spans))
        self.spans_accepted += spans
        return f"{clamped} {CLAMPED_REASON}" if clamped else None

    def refused(self, status: int) -> None:
        self.requests_refused[status] = self.requests_refused.get(status, 0) + 1

    async def handle(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in (PROTOBUF, JSON):
            self.refused(415)
            return _answer(
                415, JSON, f"unsupported Content-Type '{content_type}'; send {PROTOBUF} or {JSON}"
            )
        held = _Held(self.budget)
        try:
            body = await _read_body(request, self.max_body_bytes, held)
            encoding = request.headers.get("content-encoding", "").strip().lower()
            data = _decompress(body, encoding, self.max_body_bytes, held)
            warning = await self.accept(data, content_type)
        except _Rejected as rejected:
            self.refused(rejected.status)
            return _answer(rejected.status, content_type, rejected.reason)
        except MalformedTelemetry as error:
            self.refused(400)
            return _answer(400, content_type, error.message)
        finally:
            held.release()
        return _answer(200, content_type, warning=warning)

    def metrics(self) -> dict[str, float]:
        """The receiver's own gauges and counters (Prometheus names, without labels)."""
        stats = self._wal.stats if self._wal else WalStats()
        values: dict[str, float] = {
            "flowsight_receiver_spans_accepted_total": self.spans_accepted,
            "flowsight_receiver_in_flight_bytes": self.budget.used,
            "flowsight_receiver_queue_bytes": stats.pending_bytes,
            "flowsight_receiver_wal_lag_spans": stats.pending_spans,
            "flowsight_receiver_wal_batches_total": stats.batches,
            "flowsight_receiver_wal_records_total": stats.records,
            "flowsight_receiver_segments_written_total": stats.segments,
            "flowsight_store_segments": len(segment_files(self.store)),
        }
        for status, count in sorted(self.requests_refused.items()):
            values[f'flowsight_receiver_requests_refused_total{{status="{status}"}}'] = count
        return values


def metrics_text(values: dict[str, float]) -> str:
    return "".join(f"{name} {value:g}\n" for name, value in values.items())


def make_router(
    store: TelemetryStore,
    max_body_bytes: int = MAX_BODY_BYTES,
    in_flight_bytes: int = IN_FLIGHT_BYTES,
) -> APIRouter:
    """An APIRouter serving `POST /v1/traces` into `store`; its lifespan flushes on shutdown."""
    receiver = Receiver(store, max_body_bytes, in_flight_bytes)

    @asynccontextmanager
    async def lifespan(_: object) -> AsyncIterator[None]:
        await run_in_threadpool(recover, store)  # logs a killed predecessor left behind
        await run_in_threadpool(lambda: receiver.wal)  # the log ready before serving
        yield
        await run_in_threadpool(receiver.close)

    router = APIRouter(lifespan=lifespan)
    router.add_api_route("/v1/traces", receiver.handle, methods=["POST"])
    router.receiver = receiver  # type: ignore[attr-defined]
    return router


def make_app(
    store: TelemetryStore,
    max_body_bytes: int = MAX_BODY_BYTES,
    in_flight_bytes: int = IN_FLIGHT_BYTES,
) -> FastAPI:
    """A stand-alone ASGI app with the receiver and its /metrics (what `collect` serves)."""
    app = FastAPI(title="flowsight OTLP receiver", docs_url=None, redoc_url=None)
    router = make_router(store, max_body_bytes, in_flight_bytes)
    receiver: Receiver = router.receiver  # type: ignore[attr-defined]
    app.state.receiver = receiver

    @app.get("/metrics")
    def metrics() -> PlainTextResponse:
        values = receiver.metrics()
        upkeep = getattr(app.state, "upkeep", None)
        if upkeep is not None:
            values["flowsight_store_compactions_total"] = upkeep.compactions
            values["flowsight_store_segments_expired_total"] = upkeep.expired_segments
        combine = getattr(app.state, "combine_metrics", None)
        if combine is not None:  # `collect --workers N`: totals of every worker (workers.py)
            values = combine(values)
        return PlainTextResponse(metrics_text(values))

    app.include_router(router)
    return app
