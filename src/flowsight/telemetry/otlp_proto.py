"""OTLP protobuf traces -> SpanRecords (request bodies and Collector file-exporter files).

The Collector's file exporter frames each protobuf message with a 4-byte
big-endian length; a plain file holds one unframed message. Both are accepted.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry.otlp_json import MAX_NANOS
from flowsight.telemetry.spans import SpanRecord

_MAX_KIND = 5
_MAX_STATUS = 2


def _text(value: AnyValue) -> str:
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "int_value":
        return str(value.int_value)
    if which == "bool_value":
        return "true" if value.bool_value else "false"
    if which == "double_value":
        return str(value.double_value)
    if which is None:
        return ""
    from google.protobuf.json_format import MessageToDict

    return json.dumps(MessageToDict(value), separators=(",", ":"))


def _hex(raw: bytes, size: int, where: str, required: bool) -> str:
    if not raw and not required:
        return ""
    if len(raw) != size:
        raise MalformedTelemetry(f"expected a {size}-byte id, got {len(raw)} bytes", where)
    return raw.hex()


def _nanos(value: int, where: str) -> int:
    if value > MAX_NANOS:
        raise MalformedTelemetry(
            f"{value} is outside the timestamps flowsight stores (0 to 2^63-1 ns, "
            "the year 2262); send Unix-epoch nanoseconds",
            where,
        )
    return value


def _enum(value: int, where: str, highest: int) -> int:
    if not 0 <= value <= highest:
        raise MalformedTelemetry(f"{value} is not a known value (0 to {highest})", where)
    return value


def _check(span: Span, here: str) -> None:
    """Raise for the first bad field of a span (only called when a fast check failed)."""
    _hex(span.trace_id, 16, f"{here}.traceId", True)
    _hex(span.span_id, 8, f"{here}.spanId", True)
    _hex(span.parent_span_id, 8, f"{here}.parentSpanId", False)
    _enum(int(span.kind), f"{here}.kind", _MAX_KIND)
    _nanos(span.start_time_unix_nano, f"{here}.startTimeUnixNano")
    _nanos(span.end_time_unix_nano, f"{here}.endTimeUnixNano")
    _enum(int(span.status.code), f"{here}.status.code", _MAX_STATUS)


def _attributes(values: Iterable[KeyValue]) -> dict[str, str]:
    result = {}
    for kv in values:
        value = kv.value
        result[kv.key] = (
            value.string_value if value.WhichOneof("value") == "string_value" else _text(value)
        )
    return result


def decode_request(message: ExportTraceServiceRequest, where: str) -> Iterator[SpanRecord]:
    """Spans of a request, each checked; the location is spelled out only for a bad one."""
    for r_index, resource_spans in enumerate(message.resource_spans):
        service = "unknown_service"
        for kv in resource_spans.resource.attributes:
            if kv.key == "service.name":
                service = _text(kv.value)
        for s_index, scope_spans in enumerate(resource_spans.scope_spans):
            for index, span in enumerate(scope_spans.spans):
                trace_id, span_id, parent = span.trace_id, span.span_id, span.parent_span_id
                start, end = span.start_time_unix_nano, span.end_time_unix_nano
                kind, code = int(span.kind), int(span.status.code)
                if (
                    len(trace_id) != 16
                    or len(span_id) != 8
                    or len(parent) not in (0, 8)
                    or start > MAX_NANOS
                    or end > MAX_NANOS
                    or not 0 <= kind <= _MAX_KIND
                    or not 0 <= code <= _MAX_STATUS
                ):
                    _check(
                        span,
                        f"{where}.resourceSpans[{r_index}].scopeSpans[{s_index}].spans[{index}]",
                    )
                yield SpanRecord(
                    trace_id=trace_id.hex(),
                    span_id=span_id.hex(),
                    parent_span_id=parent.hex(),
                    service=service,
                    name=span.name,
                    kind=kind,
                    start_ns=start,
                    end_ns=end,
                    status=code,
                    attributes=_attributes(span.attributes),
                )


def parse_message(data: bytes, where: str) -> ExportTraceServiceRequest:
    message = ExportTraceServiceRequest()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError, RecursionError) as error:
        raise MalformedTelemetry(f"not a valid OTLP protobuf message ({error})", where) from None
    return message


def framed_messages(data: bytes, where: str) -> Iterator[tuple[str, bytes]]:
    """Split a file-exporter stream; an unframed file is one message."""
    offset, index, frames = 0, 0, []
    while offset + 4 <= len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        if offset + 4 + size > len(data):
            break
        frames.append((f"{where} message {index + 1}", data[offset + 4 : offset + 4 + size]))
        offset += 4 + size
        index += 1
    if frames and offset == len(data):
        yield from frames
    else:
        yield where, data
