"""The one stored shape of a span, whatever format it arrived in.

OTLP JSON, OTLP protobuf and the synthetic prober all end up as rows of this
schema, with HTTP semantic conventions normalized once at ingest (old and new
attribute names), so evaluation never has to know which SDK version wrote a span.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

#: OTLP SpanKind values that mark a service boundary (entry spans), besides root spans.
KIND_SERVER = 2
KIND_CONSUMER = 5
#: OTLP Status code of a failed span.
STATUS_ERROR = 2

SCHEMA = pa.schema(
    [
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),
        ("service", pa.string()),
        ("name", pa.string()),
        ("kind", pa.int8()),
        ("status", pa.int8()),
        ("start_ns", pa.int64()),
        ("duration_ns", pa.int64()),
        ("http_method", pa.string()),
        ("http_route", pa.string()),
        ("url_path", pa.string()),
        ("http_status", pa.int32()),
        ("enduser", pa.string()),
        ("synthetic", pa.string()),
        ("attributes", pa.map_(pa.string(), pa.string())),
    ]
)

# Stable names first: the current HTTP semantic conventions, then the pre-1.20 spellings.
_METHOD_KEYS = ("http.request.method", "http.method")
_STATUS_KEYS = ("http.response.status_code", "http.status_code")
_PATH_KEYS = ("url.path", "http.target")
_USER_KEYS = ("enduser.id", "user.id")


def _first(attributes: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = attributes.get(key)
        if value:
            return value
    return None


def _status_code(text: str | None) -> int | None:
    """An HTTP status as a number, None for text that is none (or out of int32 range)."""
    if text is None:
        return None
    try:
        code = int(float(text))
    except (ValueError, OverflowError):
        return None
    return code if 0 <= code < 2**31 else None


def duration(start_ns: int, end_ns: int) -> int | None:
    """The stored duration, or None when the span's clock is unusable and 0 is stored.

    A span without a start (0) or ending before it starts would otherwise be stored
    with a duration of decades and flip its flow to breached; it keeps a duration of
    0 and the caller reports how many were clamped.
    """
    if start_ns <= 0 or end_ns < start_ns:
        return None
    return end_ns - start_ns


CLAMPED_REASON = (
    "span(s) with no start time or ending before they start were stored with a duration of 0"
)


@dataclass
class SpanRecord:
    """One span, already decoded; what `record_spans` accepts from the prober."""

    trace_id: str
    span_id: str
    service: str
    name: str
    kind: int
    start_ns: int
    end_ns: int
    parent_span_id: str = ""
    status: int = 0
    attributes: dict[str, str] = field(default_factory=dict)


class SpanColumns:
    """Column-wise accumulator: decoders append here, the store writes it as one segment."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names[:-1]}
        #: The attributes map, flat: building it from offsets is far cheaper than from pairs.
        self.offsets: list[int] = [0]
        self.keys: list[str] = []
        self.values: list[str] = []
        #: Spans whose duration was clamped to 0 (see `duration`).
        self.clamped = 0

    def __len__(self) -> int:
        return len(self.columns["span_id"])

    def add(self, span: SpanRecord) -> None:
        attrs = span.attributes
        path = _first(attrs, _PATH_KEYS)
        columns = self.columns
        columns["trace_id"].append(span.trace_id)
        columns["span_id"].append(span.span_id)
        columns["parent_span_id"].append(span.parent_span_id)
        columns["service"].append(span.service)
        columns["name"].append(span.name)
        columns["kind"].append(span.kind)
        columns["status"].append(span.status)
        columns["start_ns"].append(span.start_ns)
        elapsed = duration(span.start_ns, span.end_ns)
        if elapsed is None:
            self.clamped += 1
        columns["duration_ns"].append(elapsed or 0)
        columns["http_method"].append(_first(attrs, _METHOD_KEYS))
        columns["http_route"].append(attrs.get("http.route") or None)
        columns["url_path"].append(path.split("?", 1)[0] if path else None)
        columns["http_status"].append(_status_code(_first(attrs, _STATUS_KEYS)))
        columns["enduser"].append(_first(attrs, _USER_KEYS))
        columns["synthetic"].append(attrs.get("user_agent.synthetic.type") or None)
        self.keys.extend(attrs)
        self.values.extend(attrs.values())
        self.offsets.append(len(self.keys))

    def table(self) -> pa.Table:
        attributes = pa.MapArray.from_arrays(
            pa.array(self.offsets, pa.int32()),
            pa.array(self.keys, pa.string()),
            pa.array(self.values, pa.string()),
        )
        arrays = [
            pa.array(self.columns[name], type=SCHEMA.field(name).type) for name in SCHEMA.names[:-1]
        ]
        return pa.Table.from_arrays([*arrays, attributes], schema=SCHEMA)
