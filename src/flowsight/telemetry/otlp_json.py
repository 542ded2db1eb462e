"""OTLP/JSON traces -> SpanRecords, strictly by the OTLP JSON encoding rules.

The rules differ from generic proto3 JSON: ids are hex (any case), enums are
integers, 64-bit integers may be decimal strings. Field names may also be the
proto's snake_case ones, which protobuf JSON parsers accept. A payload that
breaks the rules is rejected as a whole with the path of the first bad field,
so a receiver can answer 400 without storing half a request. Values the store
cannot hold (a timestamp past 2^63-1 ns, text with a lone surrogate, nesting
deeper than the parser allows) are refused the same way, never a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry.spans import SpanRecord

_HEX = re.compile(r"^[0-9a-fA-F]*$")
_SPACE = re.compile(r"\s*")
_MAX_KIND = 5
_MAX_STATUS = 2
#: Timestamps are stored as signed 64-bit nanoseconds (up to the year 2262).
MAX_NANOS = 2**63 - 1
#: An escaped UTF-16 surrogate in the raw text: only then can a decoded string hold a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: camelCase field -> the proto's own snake_case name (accepted by protobuf JSON parsers).
SNAKE_NAMES = {
    camel: re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)
    for camel in (
        "resourceSpans", "scopeSpans", "traceId", "spanId", "parentSpanId",
        "startTimeUnixNano", "endTimeUnixNano", "stringValue", "intValue", "boolValue",
        "doubleValue", "arrayValue", "kvlistValue", "bytesValue",
    )
}  # fmt: skip
_CAMEL = {snake: camel for camel, snake in SNAKE_NAMES.items()}


def _get(node: dict[str, Any], camel: str) -> Any:
    """A field by its JSON name, or by its proto name when only that one is present."""
    value = node.get(camel)
    if value is None and camel in SNAKE_NAMES:
        value = node.get(SNAKE_NAMES[camel])
    return value


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
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise _fail(where, f"expected a 64-bit integer as a decimal string, got {value!r}")
    if not 0 <= value <= MAX_NANOS:
        raise _fail(
            where,
            f"{value} is outside the timestamps flowsight stores (0 to 2^63-1 ns, "
            "the year 2262); send Unix-epoch nanoseconds",
        )
    return value


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
    value = {_CAMEL.get(k, k): v for k, v in _object(value, where).items() if v is not None}
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
    if isinstance(value, str) and value.isascii():
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
        trace_id=_hex_id(_get(span, "traceId"), f"{where}.traceId", 16, True),
        span_id=_hex_id(_get(span, "spanId"), f"{where}.spanId", 8, True),
        parent_span_id=_hex_id(_get(span, "parentSpanId"), f"{where}.parentSpanId", 8, False),
        service=service,
        name=name,
        kind=_enum(span.get("kind"), f"{where}.kind", _MAX_KIND),
        start_ns=_uint64(_get(span, "startTimeUnixNano") or 0, f"{where}.startTimeUnixNano"),
        end_ns=_uint64(_get(span, "endTimeUnixNano") or 0, f"{where}.endTimeUnixNano"),
        status=_enum(status.get("code"), f"{where}.status.code", _MAX_STATUS),
        attributes=attributes(span.get("attributes"), f"{where}.attributes"),
    )


def decode_traces(document: Any, where: str = "$") -> Iterator[SpanRecord]:
    """Spans of one TracesData / ExportTraceServiceRequest object."""
    root = _object(document, where)
    for r_index, resource_spans in enumerate(
        _list(_get(root, "resourceSpans"), f"{where}.resourceSpans")
    ):
        r_where = f"{where}.resourceSpans[{r_index}]"
        resource_spans = _object(resource_spans, r_where)
        resource = _object(resource_spans.get("resource"), f"{r_where}.resource")
        resource_attrs = attributes(resource.get("attributes"), f"{r_where}.resource.attributes")
        service = resource_attrs.get("service.name", "unknown_service")
        for s_index, scope_spans in enumerate(
            _list(_get(resource_spans, "scopeSpans"), f"{r_where}.scopeSpans")
        ):
            s_where = f"{r_where}.scopeSpans[{s_index}]"
            scope_spans = _object(scope_spans, s_where)
            for index, span in enumerate(_list(scope_spans.get("spans"), f"{s_where}.spans")):
                yield _span(span, f"{s_where}.spans[{index}]", service)


def _too_deep(where: str) -> MalformedTelemetry:
    return MalformedTelemetry(
        "JSON nested deeper than the parser allows; OTLP requests are a few levels deep", where
    )


def parse_json(data: bytes | str, where: str, column: bool = False) -> Any:
    """One JSON document; refused (never a crash) when too deep or holding a lone surrogate.

    With `column`, a syntax error's column is appended to `where` (a line of a file).
    """
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        place = f"{where}:{error.colno}" if column else where
        raise MalformedTelemetry(f"not valid JSON ({error.msg})", place) from None
    except UnicodeDecodeError as error:
        raise MalformedTelemetry(f"not valid UTF-8 JSON ({error})", where) from None
    except RecursionError:
        raise _too_deep(where) from None
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _SURROGATE_ESCAPE.search(raw):
        _refuse_lone_surrogates(document, "$", where)
    return document


def parse_documents(data: bytes, where: str) -> Iterator[tuple[str, Any]]:
    """(file:line, document) for each JSON document of a file, laid out any way.

    A whole-file request (pretty-printed or not) is one document; several may
    follow each other. A syntax error is located as file:line:column.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedTelemetry(
            f"not valid UTF-8 ({error.reason} at byte {error.start})", where
        ) from None
    decoder = json.JSONDecoder()
    position, line = 0, 1
    check = _SURROGATE_ESCAPE.search(data) is not None
    while True:
        start = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        line += text.count("\n", position, start)
        if start >= len(text):
            return
        try:
            document, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError as error:
            raise MalformedTelemetry(
                f"not valid JSON ({error.msg})", f"{where}:{error.lineno}:{error.colno}"
            ) from None
        except RecursionError:
            raise _too_deep(f"{where}:{line}") from None
        here = f"{where}:{line}"
        if check:
            _refuse_lone_surrogates(document, "$", here)
        yield here, document
        line += text.count("\n", start, position)


def _refuse_lone_surrogates(node: Any, path: str, where: str) -> None:
    """Text must be valid Unicode to be stored: name the first string that is not."""
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedTelemetry(
                    f"{path} holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff "
                    "escape), which is not text; fix the exporter's string escaping",
                    where,
                ) from None
        elif isinstance(node, dict):
            for key, value in node.items():
                stack.append((key, f"{path} key"))
                stack.append((value, f"{path}.{key}"))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{index}]") for index, value in enumerate(node))
