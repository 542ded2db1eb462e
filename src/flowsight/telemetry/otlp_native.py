"""The native columnar decoder of OTLP protobuf requests: exactly the Python path's table, or None.

`_otlp_wire` (a C extension, _otlp_wire.c) reads an ExportTraceServiceRequest's
wire format straight into Arrow buffers, without the GIL, and this module wraps
them without copying. Its contract: for every body the table and clamped count
equal what `otlp_proto.decode_request` + `spans.SpanColumns` give, or it
declines (None) and the caller runs that Python path, which produces the located
400 message or the rare exact result. It declines on anything unusual (see the
C file's header), so declining is how it stays exact, never a failure.

The C module carries its own table of the OTLP fields it checks; at import it is
held against the installed opentelemetry-proto descriptors, and a newer
opentelemetry-proto with a field the table lacks turns the native path off
(`AVAILABLE`), since skipping that field could make it laxer than protobuf.
Without a compiler (an sdist built without one) the module is absent and
everything runs in Python.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from flowsight.telemetry.otlp_proto import framed_messages
from flowsight.telemetry.spans import SCHEMA

try:
    from flowsight.telemetry import _otlp_wire  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - an install built without a C compiler
    _otlp_wire = None

_KINDS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_MESSAGE: "message",
    **dict.fromkeys(
        (
            FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
            FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
            FieldDescriptor.TYPE_BOOL, FieldDescriptor.TYPE_ENUM,
        ),
        "varint",
    ),
    **dict.fromkeys(
        (FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64, FieldDescriptor.TYPE_DOUBLE),
        "fixed64",
    ),
    **dict.fromkeys(
        (FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_SFIXED32, FieldDescriptor.TYPE_FLOAT),
        "fixed32",
    ),
}  # fmt: skip


def _repeated(field: FieldDescriptor) -> bool:
    repeated: Any = getattr(field, "is_repeated", None)  # protobuf >= 6; `label` before
    if repeated is None:
        repeated = getattr(field, "label", None) == FieldDescriptor.LABEL_REPEATED
    return bool(repeated)


def _messages(root: Descriptor) -> list[Descriptor]:
    found: dict[str, Descriptor] = {}
    todo = [root]
    while todo:
        descriptor = todo.pop()
        if descriptor.full_name not in found:
            found[descriptor.full_name] = descriptor
            todo.extend(f.message_type for f in descriptor.fields if f.message_type)
    return list(found.values())


def schema_differences(native: list[tuple[str, int, str, bool, str | None]]) -> list[str]:
    """Fields the installed protobuf knows that the C table lacks or types differently.

    Fields only the C table knows are fine: it checks them (UTF-8, nesting) where
    protobuf would skip them as unknown, which can only make it decline more."""
    table = {
        (message, number): (kind, repeated, sub) for message, number, kind, repeated, sub in native
    }
    differences = []
    for descriptor in _messages(ExportTraceServiceRequest.DESCRIPTOR):
        for field in descriptor.fields:
            sub = field.message_type.full_name if field.message_type else None
            expected = (_KINDS.get(field.type), _repeated(field), sub)
            if table.get((descriptor.full_name, field.number)) != expected:
                differences.append(f"{descriptor.full_name}.{field.name}")
    return differences


#: Whether the native decoder is built and agrees with the installed OTLP schema.
AVAILABLE = _otlp_wire is not None and not schema_differences(_otlp_wire.schema())


def _buffer(data: Any) -> pa.Buffer | None:
    return None if data is None else pa.py_buffer(data)


def _column(kind: pa.DataType, rows: int, parts: tuple[Any, ...]) -> pa.Array:
    nulls, *buffers = parts
    return pa.Array.from_buffers(kind, rows, [_buffer(b) for b in buffers], null_count=nulls)


def table_from(rows: int, columns: tuple[Any, ...]) -> pa.Table:
    """The table of `_otlp_wire.decode`'s buffers, in `SCHEMA` (no copy of the column data)."""
    arrays = [
        _column(field.type, rows, parts)
        for field, parts in zip(list(SCHEMA)[:-1], columns[:-1], strict=True)
    ]
    offsets, key_offsets, keys, value_offsets, values, entries = columns[-1]
    attributes = pa.MapArray.from_arrays(
        _column(pa.int32(), rows + 1, (0, None, offsets)),
        _column(pa.string(), entries, (0, None, key_offsets, keys)),
        _column(pa.string(), entries, (0, None, value_offsets, values)),
    )
    return pa.Table.from_arrays([*arrays, attributes], schema=SCHEMA)


def decode_table(data: bytes) -> tuple[pa.Table, int] | None:
    """(table, clamped spans) of a request body, or None: run the Python path instead."""
    if not AVAILABLE:
        return None
    decoded = _otlp_wire.decode(data)
    if decoded is None:
        return None
    rows, clamped, columns = decoded
    return table_from(rows, columns), clamped


def decode_frames(data: bytes, where: str) -> tuple[list[pa.Table], int] | None:
    """Tables and clamped spans of a protobuf file (framed or plain), or None when any
    message is declined: the whole file then takes the Python path, which names the place."""
    tables, clamped = [], 0
    for _, payload in framed_messages(data, where):
        decoded = decode_table(payload)
        if decoded is None:
            return None
        tables.append(decoded[0])
        clamped += decoded[1]
    return tables, clamped
