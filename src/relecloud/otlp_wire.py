"""OTLP/HTTP span export with a direct protobuf wire encoder.

The stock encoder builds a protobuf object per span, attribute and value: about
0.2 ms per span on the 2-core VM, in the export thread, holding the GIL the request
threads need (a cached page costs about 1 ms in all). Relecloud's attributes repeat
(flow, step, route, method, statement text), so this encoder writes the same
``ExportTraceServiceRequest`` bytes by hand and keeps each encoded key/value pair;
``tests/relecloud/test_otlp_wire.py`` checks it decodes to what the stock encoder gives.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import SpanContext

_CACHE_LIMIT = 20_000
_kv_cache: dict[tuple[str, type, Any], bytes] = {}
_block_cache: dict[Any, bytes] = {}
_HAS_IS_REMOTE, _IS_REMOTE = 0x100, 0x200
_SMALL = [bytes((i,)) for i in range(0x80)]


def _varint(n: int) -> bytes:
    if n < 0x80:
        return _SMALL[n]
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _uint(number: int, value: int) -> bytes:
    """A varint field (wire type 0); proto3 leaves zero out."""
    return _varint(number << 3) + _varint(value) if value else b""


def _fixed64(number: int, value: int) -> bytes:
    return _varint(number << 3 | 1) + struct.pack("<Q", value)


def _any_value(value: Any) -> bytes:
    if isinstance(value, str):
        return _field(1, value.encode())
    if isinstance(value, bool):
        return b"\x10\x01" if value else b"\x10\x00"
    if isinstance(value, int):
        return b"\x18" + _varint(value & 0xFFFFFFFFFFFFFFFF)
    if isinstance(value, float):
        return b"\x21" + struct.pack("<d", value)
    if isinstance(value, bytes):
        return _field(7, value)
    if isinstance(value, Sequence):
        return _field(5, b"".join(_field(1, _any_value(v)) for v in value))
    return _field(1, str(value).encode())


def _key_value(key: str, value: Any) -> bytes:
    """One encoded KeyValue; scalars are remembered (the type is part of the key, as
    ``True == 1``)."""
    if isinstance(value, (tuple, list)):
        return _field(2, _field(1, key.encode()) + _field(2, _any_value(value)))
    cache_key = (key, type(value), value)
    encoded = _kv_cache.get(cache_key)
    if encoded is None:
        if len(_kv_cache) >= _CACHE_LIMIT:
            _kv_cache.clear()
        encoded = _field(2, _field(1, key.encode()) + _field(2, _any_value(value)))
        _kv_cache[cache_key] = encoded
    return encoded


def _attributes(number: int, attributes: Mapping[str, Any] | None) -> bytes:
    """The repeated KeyValue fields; whole attribute sets repeat too (every cached page
    and every run of one SQL statement carries the same ones), so they are kept."""
    if not attributes:
        return b""
    # Value types are part of the key: True == 1 == 1.0 would share an entry.
    key: Any = (number, tuple(attributes.items()), tuple(map(type, attributes.values())))
    try:
        return _block_cache[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable (list) value: encode, do not keep
        key = None
    tag = bytes([number << 3 | 2])
    encoded = b"".join(tag + _key_value(k, v)[1:] for k, v in attributes.items())
    if key is not None:
        if len(_block_cache) >= _CACHE_LIMIT:
            _block_cache.clear()
        _block_cache[key] = encoded
    return encoded


def _span_flags(parent: SpanContext | None) -> int:
    return _HAS_IS_REMOTE | (_IS_REMOTE if parent is not None and parent.is_remote else 0)


def _events(span: ReadableSpan) -> bytes:
    out = b""
    for event in span.events:
        body = (
            _fixed64(1, event.timestamp)
            + _field(2, event.name.encode())
            + _attributes(3, event.attributes)
            + _uint(4, event.dropped_attributes)
        )
        out += _field(11, body)
    return out


def _links(span: ReadableSpan) -> bytes:
    out = b""
    for link in span.links:
        ctx = link.context
        body = (
            _field(1, ctx.trace_id.to_bytes(16, "big"))
            + _field(2, ctx.span_id.to_bytes(8, "big"))
            + (_field(3, ctx.trace_state.to_header().encode()) if ctx.trace_state else b"")
            + _attributes(4, link.attributes)
            + _uint(5, link.dropped_attributes)
            + b"\x35"
            + struct.pack("<I", _span_flags(ctx))
        )
        out += _field(13, body)
    return out


def _status(span: ReadableSpan) -> bytes:
    status = span.status
    body = (_field(2, status.description.encode()) if status.description else b"") + _uint(
        3, status.status_code.value
    )
    return _field(15, body)


def encode_span(span: ReadableSpan) -> bytes:
    """One ``Span`` message (trace.proto field numbers)."""
    ctx = span.get_span_context()
    assert ctx is not None
    parent = span.parent
    return (
        _field(1, ctx.trace_id.to_bytes(16, "big"))
        + _field(2, ctx.span_id.to_bytes(8, "big"))
        + (_field(3, ctx.trace_state.to_header().encode()) if ctx.trace_state else b"")
        + (_field(4, parent.span_id.to_bytes(8, "big")) if parent is not None else b"")
        + _field(5, span.name.encode())
        + _uint(6, span.kind.value + 1)
        + _fixed64(7, span.start_time or 0)
        + _fixed64(8, span.end_time or 0)
        + _attributes(9, span.attributes)
        + _uint(10, span.dropped_attributes)
        + _events(span)
        + _uint(12, span.dropped_events)
        + _links(span)
        + _uint(14, span.dropped_links)
        + _status(span)
        + b"\x85\x01"
        + struct.pack("<I", _span_flags(parent))
    )


def encode_request(spans: Sequence[ReadableSpan]) -> bytes:
    """An ``ExportTraceServiceRequest``: spans grouped by resource, then by scope."""
    # Grouped by object identity: Resource hashes by JSON-encoding its attributes.
    groups: dict[int, tuple[Any, dict[int, tuple[Any, list[bytes]]]]] = {}
    for span in spans:
        scopes = groups.setdefault(id(span.resource), (span.resource, {}))[1]
        scope = span.instrumentation_scope
        scopes.setdefault(id(scope), (scope, []))[1].append(_field(2, encode_span(span)))
    out = []
    for resource, scopes in groups.values():
        body = _field(1, _attributes(1, resource.attributes))
        for scope, encoded in scopes.values():
            head = b""
            if scope is not None:
                head = _field(
                    1,
                    _field(1, scope.name.encode())
                    + (_field(2, scope.version.encode()) if scope.version else b"")
                    + _attributes(3, scope.attributes),
                )
                if scope.schema_url:
                    encoded = [*encoded, _field(3, scope.schema_url.encode())]
            body += _field(2, head + b"".join(encoded))
        if resource.schema_url:
            body += _field(3, resource.schema_url.encode())
        out.append(_field(1, body))
    return b"".join(out)


class WireOTLPSpanExporter(OTLPSpanExporter):
    """``OTLPSpanExporter`` (same endpoint, headers, retries) with the direct encoder."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        client = getattr(self, "_client", None)
        if client is None or getattr(self, "_shutdown", False):
            return super().export(spans)
        result = client.export(encode_request(spans))
        return SpanExportResult.SUCCESS if result.success else SpanExportResult.FAILURE
