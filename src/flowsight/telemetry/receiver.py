"""OTLP/HTTP trace receiver: `POST /v1/traces`, protobuf or JSON, optionally gzip.

It answers as the OTLP/HTTP spec says (200 with an ExportTraceServiceResponse in
the request's encoding; 400 with a google.rpc.Status naming the reason), and an
accepted request is an fsync'd segment before the 200 leaves, so whatever an
exporter saw acknowledged survives a crash. A rejected request stores nothing.
It is an APIRouter so `flowsight collect` and the dashboard mount the same code.
"""

from __future__ import annotations

import zlib

from fastapi import APIRouter, FastAPI, Request, Response
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.concurrency import run_in_threadpool

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry.otlp_json import decode_traces, parse_json
from flowsight.telemetry.otlp_proto import decode_request, parse_message
from flowsight.telemetry.spans import SpanColumns
from flowsight.telemetry.store import TelemetryStore, write_table

#: The OTLP spec's recommended ceiling for one request body (after decompression too).
MAX_BODY_BYTES = 20 * 1024 * 1024
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
INVALID_ARGUMENT = 3


class _Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _answer(status: int, content_type: str, reason: str | None = None) -> Response:
    if reason is None:
        message = ExportTraceServiceResponse()
        body = (
            message.SerializeToString()
            if content_type == PROTOBUF
            else json_format.MessageToJson(message).encode()
        )
    else:
        error = status_pb2.Status(code=INVALID_ARGUMENT, message=reason)
        body = (
            error.SerializeToString()
            if content_type == PROTOBUF
            else json_format.MessageToJson(error, indent=None).encode()
        )
    return Response(body, status_code=status, media_type=content_type)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _Rejected(400, f"body of {declared} bytes exceeds the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Rejected(400, f"body exceeds the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _decompress(body: bytes, encoding: str, limit: int) -> bytes:
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
        raise _Rejected(400, f"decompressed body exceeds the {limit}-byte limit")
    if not inflater.eof:
        raise _Rejected(400, "body is not valid gzip (truncated stream)")
    return data


def _decode(data: bytes, content_type: str) -> SpanColumns:
    columns = SpanColumns()
    spans = (
        decode_request(parse_message(data, "request"), "request")
        if content_type == PROTOBUF
        else decode_traces(parse_json(data, "request"), "request")
    )
    for span in spans:
        columns.add(span)
    return columns


def _accept(store: TelemetryStore, data: bytes, content_type: str) -> int:
    """Decode everything first, then write one durable segment: all or nothing."""
    columns = _decode(data, content_type)
    write_table(store, columns.table())
    return len(columns)


def make_router(store: TelemetryStore, max_body_bytes: int = MAX_BODY_BYTES) -> APIRouter:
    """An APIRouter serving `POST /v1/traces` into `store`."""
    router = APIRouter()

    @router.post("/v1/traces")
    async def receive_traces(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in (PROTOBUF, JSON):
            return _answer(
                415, JSON, f"unsupported Content-Type '{content_type}'; send {PROTOBUF} or {JSON}"
            )
        try:
            body = await _read_body(request, max_body_bytes)
            encoding = request.headers.get("content-encoding", "").strip().lower()
            data = _decompress(body, encoding, max_body_bytes)
            await run_in_threadpool(_accept, store, data, content_type)
        except _Rejected as rejected:
            return _answer(rejected.status, content_type, rejected.reason)
        except MalformedTelemetry as error:
            return _answer(400, content_type, error.message)
        return _answer(200, content_type)

    return router


def make_app(store: TelemetryStore, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """A stand-alone ASGI app with only the receiver (what `flowsight collect` serves)."""
    app = FastAPI(title="flowsight OTLP receiver", docs_url=None, redoc_url=None)
    app.include_router(make_router(store, max_body_bytes))
    return app
