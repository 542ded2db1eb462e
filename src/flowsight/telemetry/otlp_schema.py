"""The Arrow schema of OTLP JSON traces, cut to the fields a file uses.

Why cut it: `pyarrow.json` fills every field the schema names and a line lacks
with a null, and that costs: parsing with the full OTLP schema takes twice as
long as with only the fields present. So the schema a file is read with is the
full one pruned to the fields its first document uses; a block that brings other
fields fails its parse ("unexpected field") and is read again with the full schema.
Every field stays typed either way, which is what keeps the Arrow path exact
(see otlp_arrow).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyarrow as pa

_S, _I = pa.string(), pa.int64()
_DROPPED = ("droppedAttributesCount", _I)


@lru_cache(maxsize=2)
def full_schema(numbers: bool) -> pa.Schema:
    """Every field of an OTLP JSON TracesData; 64-bit integers (timestamps, intValue) as
    decimal strings or, with `numbers`, as JSON numbers (a file uses one, consistently)."""
    i64 = _I if numbers else _S
    value = pa.struct(
        [("stringValue", _S), ("intValue", i64), ("boolValue", pa.bool_()), ("doubleValue", _S)]
    )
    kv = pa.list_(pa.struct([("key", _S), ("value", value)]))
    event = pa.struct([("timeUnixNano", i64), ("name", _S), ("attributes", kv), _DROPPED])
    link = pa.struct(
        [("traceId", _S), ("spanId", _S), ("traceState", _S), ("flags", _I),
         ("attributes", kv), _DROPPED]
    )  # fmt: skip
    span = pa.struct(
        [
            ("traceId", _S), ("spanId", _S), ("parentSpanId", _S), ("name", _S), ("kind", _I),
            ("startTimeUnixNano", i64), ("endTimeUnixNano", i64), ("attributes", kv),
            ("status", pa.struct([("code", _I), ("message", _S)])), ("traceState", _S),
            ("flags", _I), _DROPPED, ("events", pa.list_(event)), ("droppedEventsCount", _I),
            ("links", pa.list_(link)), ("droppedLinksCount", _I),
        ]
    )  # fmt: skip
    scope = pa.struct([("name", _S), ("version", _S), ("attributes", kv), _DROPPED])
    scope_spans = pa.struct([("spans", pa.list_(span)), ("scope", scope), ("schemaUrl", _S)])
    resource_spans = pa.struct(
        [
            ("resource", pa.struct([("attributes", kv), _DROPPED])),
            ("scopeSpans", pa.list_(scope_spans)),
            ("schemaUrl", _S),
        ]
    )
    return pa.schema([("resourceSpans", pa.list_(resource_spans))])


def _root(numbers: bool) -> pa.StructType:
    return pa.struct(list(full_schema(numbers)))


def fields_used(document: Any) -> frozenset[str] | None:
    """Dotted paths of the OTLP fields a (Python-parsed) document uses; None when it uses
    one OTLP does not define (the Arrow parse will then fail and decline)."""
    found: set[str] = set()
    return frozenset(found) if _walk(document, _tree(), "", found) else None


@lru_cache(maxsize=1)
def _tree() -> dict[str, Any]:
    """The full schema as nested dicts (lists see-through): walked per document."""

    def of(kind: pa.DataType) -> Any:
        while pa.types.is_list(kind):
            kind = kind.value_type
        return {field.name: of(field.type) for field in kind} if pa.types.is_struct(kind) else None

    return of(_root(False))


def _walk(node: Any, tree: dict[str, Any] | None, path: str, found: set[str]) -> bool:
    if isinstance(node, list):
        return all(_walk(item, tree, path, found) for item in node)
    if tree is None or not isinstance(node, dict):
        return True
    for key, value in node.items():
        if key not in tree:
            return False
        child_path = f"{path}.{key}" if path else key
        found.add(child_path)
        if not _walk(value, tree[key], child_path, found):
            return False
    return True


def uses_numbers(document: Any) -> bool:
    """Whether a document sends its span timestamps as JSON numbers."""
    for resource in _items(document, "resourceSpans"):
        for scope in _items(resource, "scopeSpans"):
            for span in _items(scope, "spans"):
                if isinstance(span, dict) and type(span.get("startTimeUnixNano")) is int:
                    return True
    return False


def _items(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


@lru_cache(maxsize=16)
def schema_for(fields: frozenset[str] | None, numbers: bool) -> pa.Schema:
    """The full schema cut to `fields` (None: the full schema)."""
    if fields is None:
        return full_schema(numbers)
    root = _prune(_root(numbers), "", fields)
    return pa.schema(list(root))


def _prune(kind: pa.DataType, path: str, fields: frozenset[str]) -> pa.DataType:
    if pa.types.is_list(kind):
        return pa.list_(_prune(kind.value_type, path, fields))
    if pa.types.is_struct(kind):
        kept = []
        for field in kind:
            child = f"{path}.{field.name}" if path else field.name
            if child in fields:
                kept.append(pa.field(field.name, _prune(field.type, child, fields)))
        return pa.struct(kept)
    return kind


def child(values: pa.StructArray, name: str, kind: pa.DataType = _S) -> pa.Array:
    """A struct's field, or nulls of `kind` when the schema the file was read with lacks it."""
    index = values.type.get_field_index(name)
    return values.field(index) if index >= 0 else pa.nulls(len(values), kind)


#: Types of the fields `otlp_arrow` reads, for when a file's schema lacks them.
ATTRIBUTES = full_schema(False).field("resourceSpans").type.value_type.field("resource").type
ATTRIBUTES = ATTRIBUTES.field("attributes").type
STATUS = pa.struct([("code", _I)])
BOOL = pa.bool_()
