"""OTLP/JSON traces -> SpanRecords, strictly by the OTLP JSON encoding rules.

The rules differ from generic proto3 JSON: ids are hex (any case), enums are
integers, 64-bit integers may be decimal strings. A payload that breaks them is
rejected as a whole with the path of the first bad field, so a receiver can
answer 400 without storing half a request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry.spans import SpanRecord

_HEX = re.compile(r"^[0-9a-fA-F]*$")
_MAX_KIND = 5
_MAX_STATUS = 2


def _fail(where: str, message: str) -> MalformedTelemetry:
    return MalformedTelemetry(message, where)


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(where, f"expected an array, got {type(value).__name__}")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(where, f"expected an object, got {type(value).__name__}")
    return value


def _uint64(value: Any, where: str) -> int:
    """A fixed64/int64 field: a decimal string or a JSON number (both are allowed on decode)."""
    if isinstance(value, bool):
        raise _fail(where, "expected a 64-bit integer as a decimal string, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise _fail(where, f"expected a 64-bit integer as a decimal string, got {value!r}")


def _enum(value: Any, where: str, highest: int) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"enums are integers in OTLP JSON, got {value!r}")
    if not 0 <= value <= highest:
        raise _fail(where, f"{value} is not a known value (0 to {highest})")
    return value


def _hex_id(value: Any, where: str, size: int, required: bool) -> str:
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or len(value) != size * 2 or not _HEX.match(value):
        raise _fail(where, f"expected {size} bytes as {size * 2} hex digits, got {value!r}")
    return value.lower()


def any_value_text(value: Any, where: str) -> str:
    """An AnyValue as the text the store keeps (ints and bools as their decimal/JSON text).

    A member that is null counts as absent (proto3 JSON: null is the default value).
    """
    value = {k: v for k, v in _object(value, where).items() if v is not None}
    if "stringValue" in value:
        text = value["stringValue"]
        if not isinstance(text, str):
            raise _fail(f"{where}.stringValue", "expected a string")
        return text
    if "intValue" in value:
        return str(_signed(value["intValue"], f"{where}.intValue"))
    if "boolValue" in value:
        flag = value["boolValue"]
        if not isinstance(flag, bool):
            raise _fail(f"{where}.boolValue", "expected true or false")
        return "true" if flag else "false"
    if "doubleValue" in value:
        number = value["doubleValue"]
        if isinstance(number, bool) or not isinstance(number, int | float | str):
            raise _fail(f"{where}.doubleValue", "expected a number")
        return str(number)
    for key in ("arrayValue", "kvlistValue", "bytesValue"):
        if key in value:
            return json.dumps(value[key], separators=(",", ":"))
    return ""


def _signed(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise _fail(where, f"expected a 64-bit integer as a decimal string, got {value!r}")


def attributes(value: Any, where: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for index, item in enumerate(_list(value, where)):
        here = f"{where}[{index}]"
        item = _object(item, here)
        key = item.get("key")
        if not isinstance(key, str):
            raise _fail(f"{here}.key", "expected a string")
        result[key] = any_value_text(item.get("value"), f"{here}.value")
    return result


def _span(raw: Any, where: str, service: str) -> SpanRecord:
    span = _object(raw, where)
    name = span.get("name")
    name = "" if name is None else name
    if not isinstance(name, str):
        raise _fail(f"{where}.name", "expected a string")
    status = _object(span.get("status"), f"{where}.status")
    return SpanRecord(
        trace_id=_hex_id(span.get("traceId"), f"{where}.traceId", 16, True),
        span_id=_hex_id(span.get("spanId"), f"{where}.spanId", 8, True),
        parent_span_id=_hex_id(span.get("parentSpanId"), f"{where}.parentSpanId", 8, False),
        service=service,
        name=name,
        kind=_enum(span.get("kind"), f"{where}.kind", _MAX_KIND),
        start_ns=_uint64(span.get("startTimeUnixNano", 0), f"{where}.startTimeUnixNano"),
        end_ns=_uint64(span.get("endTimeUnixNano", 0), f"{where}.endTimeUnixNano"),
        status=_enum(status.get("code"), f"{where}.status.code", _MAX_STATUS),
        attributes=attributes(span.get("attributes"), f"{where}.attributes"),
    )


def decode_traces(document: Any, where: str = "$") -> Iterator[SpanRecord]:
    """Spans of one TracesData / ExportTraceServiceRequest object."""
    root = _object(document, where)
    for r_index, resource_spans in enumerate(
        _list(root.get("resourceSpans"), f"{where}.resourceSpans")
    ):
        r_where = f"{where}.resourceSpans[{r_index}]"
        resource_spans = _object(resource_spans, r_where)
        resource = _object(resource_spans.get("resource"), f"{r_where}.resource")
        resource_attrs = attributes(resource.get("attributes"), f"{r_where}.resource.attributes")
        service = resource_attrs.get("service.name", "unknown_service")
        for s_index, scope_spans in enumerate(
            _list(resource_spans.get("scopeSpans"), f"{r_where}.scopeSpans")
        ):
            s_where = f"{r_where}.scopeSpans[{s_index}]"
            scope_spans = _object(scope_spans, s_where)
            for index, span in enumerate(_list(scope_spans.get("spans"), f"{s_where}.spans")):
                yield _span(span, f"{s_where}.spans[{index}]", service)


def parse_json(data: bytes | str, where: str) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedTelemetry(f"not valid JSON ({error})", where) from None
