"""OTLP JSON decoded by Arrow: the fast path of file ingest, columnar end to end.

Why: `pyarrow.json` parses OTLP JSON into nested columns on every core, and
Arrow compute (with numpy over the buffers) flattens resource -> scope -> span
and extracts the attributes without a Python loop per span. Measured against
the DuckDB plan (`json_transform` after a shape check per line) and a
hand-written DuckDB script, it is the faster one (bench/README.md).

The path is exact or it declines. The reader gets an explicit schema of OTLP
JSON traces (otlp_schema: cut to the fields the file's first document uses, the
full one when a block brings others) with `unexpected_field_behavior="error"`,
so a field OTLP does not define (a snake_case name, an `arrayValue`, a vendor
extension) fails the parse, and so does every type the schema does not expect
(`kind` as a string; a number where a decimal string is expected, unless the
block uses numbers throughout, which a second schema reads), a duplicate key, a
lone surrogate, any syntax error. Since every field is typed, a document is
never deeper than the schema, so the Python decoder's nesting limit is never
the difference either. What parses is then checked as the Python decoder checks
it (hex ids, enums in range, timestamps as decimal digits within int64,
attribute keys unique, ints in canonical form, HTTP status as plain digits).
Any doubt raises `ArrowDeclined`; the caller hands the file to the DuckDB path
and then the strict decoder, which store the same rows or name the bad line and
field.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from flowsight.telemetry.arrow_buffers import (
    BLANK,
    DIGITS,
    HEX,
    all_within,
    byte_lengths,
    flat,
    from_numpy,
    int_scalar,
    offsets,
    only,
    text_scalar,
    to_numpy,
    value_bytes,
)
from flowsight.telemetry.otlp_schema import (
    ATTRIBUTES,
    BOOL,
    STATUS,
    child,
    fields_used,
    schema_for,
    uses_numbers,
)
from flowsight.telemetry.spans import SCHEMA

#: Arrow parses a block per thread; a longer line gets a block of its own size.
PARSE_BLOCK_BYTES = 4 << 20

_METHOD_KEYS = ("http.request.method", "http.method")
_STATUS_KEYS = ("http.response.status_code", "http.status_code")
_PATH_KEYS = ("url.path", "http.target")
_USER_KEYS = ("enduser.id", "user.id")
_CANONICAL_INT = "^(0|-?[1-9][0-9]*)$"


class ArrowDeclined(Exception):
    """The file is not one the Arrow path decodes exactly; use an exact path."""


class BlockParser:
    """Parses blocks of one file with the schema of the fields its first document uses,
    moving for good to the full schema when a block brings others, and to int64 as JSON
    numbers when a block sends them (a block that mixes both encodings declines)."""

    def __init__(self, json_lines: bool, sample: Any = None) -> None:
        self.json_lines = json_lines
        self.fields = fields_used(sample) if sample is not None else None
        self.numbers = uses_numbers(sample)

    def __call__(self, data: bytes | bytearray) -> pa.Table:
        _check_text(data)
        documents, longest = _lines(data) if self.json_lines else (0, len(data))
        while True:
            try:
                table = self._read(data, max(PARSE_BLOCK_BYTES, longest + 1))
                break
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                if self.fields is not None and "unexpected field" in str(error):
                    self.fields = None
                elif not self.numbers and "changed from string to number" in str(error):
                    self.numbers = True
                else:
                    raise ArrowDeclined(str(error)) from None
        if self.json_lines and table.num_rows != documents:
            raise ArrowDeclined("a line holds more than one JSON document")
        return table

    def _read(self, data: bytes | bytearray, block: int) -> pa.Table:
        options = pj.ParseOptions(
            explicit_schema=schema_for(self.fields, self.numbers),
            unexpected_field_behavior="error",
            newlines_in_values=not self.json_lines,
        )
        return pj.read_json(
            pa.BufferReader(pa.py_buffer(data)),
            pj.ReadOptions(block_size=block),
            parse_options=options,
            memory_pool=pa.system_memory_pool(),
        )


def _check_text(data: bytes | bytearray) -> None:
    if not data.isascii():
        if b"\xef\xbb\xbf" in data:
            raise ArrowDeclined("a byte-order mark")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ArrowDeclined("not valid UTF-8") from None


def _lines(data: bytes | bytearray) -> tuple[int, int]:
    """(non-blank lines, longest line) of a block: each line must hold one document, as
    the line-by-line decoder reads them, and fit in one of Arrow's parse blocks."""
    if data.count(b"\n") < 4096:
        starts = [0]
        while (found := data.find(b"\n", starts[-1])) >= 0:
            starts.append(found + 1)
        bounds = np.array([*starts, len(data) + 1])
    else:
        bounds = np.concatenate(
            [[0], np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1, [len(data) + 1]]
        )
    begins, ends = bounds[:-1], bounds[1:] - 1
    raw = np.frombuffer(data, np.uint8)
    heads = raw[np.minimum(begins, len(raw) - 1)] if len(raw) else begins
    maybe = np.flatnonzero((begins >= ends) | BLANK[heads])
    blank = sum(not data[begins[i] : ends[i]].strip() for i in maybe.tolist())
    return len(begins) - blank, int((ends - begins).max())


def _decline(failed: pa.Array, why: str) -> None:
    if pc.any(failed).as_py():
        raise ArrowDeclined(why)


def _canonical_ints(values: pa.Array) -> None:
    """Decline ints the decoder would rewrite (`str(int(text))`: leading zeros, a sign)."""
    if values.null_count == len(values):
        return
    lengths, raw = byte_lengths(values), value_bytes(values)
    present = lengths > 0
    firsts = raw[(np.cumsum(lengths) - lengths)[present]]
    simple = (
        all_within(raw, DIGITS)
        and int(present.sum()) == len(values) - values.null_count
        and not (firsts[lengths[present] > 1] == ord("0")).any()
    )
    if not simple:
        canonical = pc.match_substring_regex(values, _CANONICAL_INT)
        _decline(pc.invert(canonical), "an intValue the decoder would rewrite")


def _texts(values: pa.StructArray) -> pa.Array:
    """AnyValue -> the stored text, as `otlp_json.any_value_text` gives it."""
    string, integer = child(values, "stringValue"), child(values, "intValue")
    flag, double = child(values, "boolValue", BOOL), child(values, "doubleValue")
    if pa.types.is_integer(integer.type):
        integer = integer.cast(pa.string())
    else:
        _canonical_ints(integer)
    if flag.null_count == len(flag) and double.null_count == len(double):
        return pc.coalesce(string, integer, text_scalar(""))
    flag_text = pc.if_else(flag, text_scalar("true"), text_scalar("false"))
    return pc.coalesce(string, integer, flag_text, double, text_scalar(""))


class Attributes:
    """Every attribute of a list column, flat, checked as the decoder checks them."""

    def __init__(self, lists: pa.Array) -> None:
        items, self.owners = flat(lists)
        _decline(pc.is_null(items), "an attribute that is null")
        self.keys = child(items, "key")
        _decline(pc.is_null(self.keys), "an attribute without a key")
        self.offsets = offsets(lists)
        _unique_keys(pa.ListArray.from_arrays(self.offsets, self.keys))
        self.texts = _texts(child(items, "value", pa.struct([])))
        encoded = self.keys.dictionary_encode()
        self.codes = to_numpy(encoded.indices)
        self.names = {name: code for code, name in enumerate(encoded.dictionary.to_pylist())}
        self.filled = byte_lengths(self.texts) > 0

    def lookup(self, key: str, size: int, nonempty: bool = True) -> pa.Array:
        """Per owner (of `size`), the text of attribute `key` (when non-empty), else null."""
        code = self.names.get(key)
        if code is None:
            return pa.nulls(size, pa.string())
        hit = self.codes == code
        if nonempty:
            hit &= self.filled
        index = np.full(size, -1, dtype=np.int64)
        index[self.owners[hit]] = np.flatnonzero(hit)
        return self.texts.take(from_numpy(index, valid=index >= 0))


def _unique_keys(keys: pa.ListArray) -> None:
    """Decline when a list repeats a key (the decoder keeps the last value at the first
    place): checked once per distinct key sequence, of which real files have few."""
    for signature in pc.unique(pc.binary_join(keys, text_scalar("\x00"))).to_pylist():
        if signature is not None:
            names = signature.split("\x00")
            if len(names) != len(set(names)):
                raise ArrowDeclined("an attribute key repeated in one list")


def _first(found: dict[str, pa.Array], keys: tuple[str, ...]) -> pa.Array:
    return pc.coalesce(*(found[key] for key in keys))


def _ids(values: pa.Array, digits: int, optional: bool) -> pa.Array:
    """Hex ids, lower-cased; an optional one may be null or "" (stored as "")."""
    lengths = byte_lengths(values)
    sized = (lengths == digits) | ((lengths == 0) & optional)
    if not optional and values.null_count:
        raise ArrowDeclined("a span without an id")
    if not sized.all() or not only(values, HEX):
        raise ArrowDeclined(f"an id that is not {digits} hex digits")
    lowered = pc.ascii_lower(values)
    return lowered.fill_null(text_scalar("")) if optional else lowered


def _enum(values: pa.Array, highest: int) -> pa.Array:
    values = values.fill_null(int_scalar(0))
    _decline(
        pc.or_(pc.less(values, int_scalar(0)), pc.greater(values, int_scalar(highest))),
        "an enum out of range",
    )
    return values.cast(pa.int8())


def _nanos(values: pa.Array) -> pa.Array:
    """Decimal digits within int64; null or "" is 0, as `value or 0` makes it."""
    if pa.types.is_integer(values.type):
        _decline(pc.less(values, int_scalar(0)), "a negative timestamp")
        return values.fill_null(int_scalar(0))
    if not only(values, DIGITS):
        raise ArrowDeclined("a timestamp that is not decimal digits")
    if (byte_lengths(values) == 0).sum() > values.null_count:
        values = pc.if_else(pc.equal(values, text_scalar("")), pa.nulls(1, pa.string())[0], values)
    try:
        return values.cast(pa.int64()).fill_null(int_scalar(0))
    except pa.ArrowInvalid:
        raise ArrowDeclined("a timestamp past int64") from None


def _http_status(text: pa.Array) -> pa.Array:
    """`spans._status_code` for plain digits; other text (which it parses as a float) declines."""
    lengths = byte_lengths(text)
    if not only(text, DIGITS) or (lengths > 9).any():
        raise ArrowDeclined("an HTTP status that is not plain digits")
    return text.cast(pa.int32())


def _spans_and_services(documents: pa.ListArray) -> tuple[pa.StructArray, pa.Array]:
    """Flatten resource -> scope -> span; each span's service.name (as text)."""
    resources, _ = flat(documents)
    scopes, scope_owner = flat(child(resources, "scopeSpans", pa.list_(pa.struct([]))))
    spans, span_owner = flat(child(scopes, "spans", pa.list_(pa.struct([]))))
    resource = child(resources, "resource", pa.struct([]))
    attributes = Attributes(child(resource, "attributes", ATTRIBUTES))
    service = attributes.lookup("service.name", len(resources), nonempty=False)
    service = service.fill_null(text_scalar("unknown_service"))
    return spans, service.take(from_numpy(scope_owner[span_owner]))


def spans_table(documents: pa.Table) -> tuple[pa.Table, int]:
    """Rows of `spans.SCHEMA` for parsed documents, and how many durations were clamped.

    Each chunk Arrow parsed (a block of lines) is flattened on its own: combining them
    first would copy every parsed column."""
    tables, clamped = [], 0
    if "resourceSpans" not in documents.column_names:
        return SCHEMA.empty_table(), 0
    for chunk in documents.column("resourceSpans").chunks:
        table, chunk_clamped = _chunk_spans(chunk)
        tables.append(table)
        clamped += chunk_clamped
    return pa.concat_tables(tables) if tables else SCHEMA.empty_table(), clamped


def _chunk_spans(documents: pa.ListArray) -> tuple[pa.Table, int]:
    spans, service = _spans_and_services(documents)
    if spans.null_count:
        raise ArrowDeclined("a span that is null")
    size = len(spans)
    attributes = Attributes(child(spans, "attributes", ATTRIBUTES))
    wanted = (*_METHOD_KEYS, *_STATUS_KEYS, *_PATH_KEYS, *_USER_KEYS)
    found = {
        key: attributes.lookup(key, size)
        for key in (*wanted, "http.route", "user_agent.synthetic.type")
    }
    start = _nanos(child(spans, "startTimeUnixNano"))
    end = _nanos(child(spans, "endTimeUnixNano"))
    usable = pc.and_(pc.greater(start, int_scalar(0)), pc.greater_equal(end, start))
    path = _first(found, _PATH_KEYS)
    columns = {
        "trace_id": _ids(child(spans, "traceId"), 32, False),
        "span_id": _ids(child(spans, "spanId"), 16, False),
        "parent_span_id": _ids(child(spans, "parentSpanId"), 16, True),
        "service": service,
        "name": child(spans, "name").fill_null(text_scalar("")),
        "kind": _enum(child(spans, "kind", pa.int64()), 5),
        "status": _enum(child(child(spans, "status", STATUS), "code", pa.int64()), 2),
        "start_ns": start,
        "duration_ns": pc.if_else(usable, pc.subtract(end, start), int_scalar(0)),
        "http_method": _first(found, _METHOD_KEYS),
        "http_route": found["http.route"],
        "url_path": pc.list_element(pc.split_pattern(path, "?", max_splits=1), int_scalar(0)),
        "http_status": _http_status(_first(found, _STATUS_KEYS)),
        "enduser": _first(found, _USER_KEYS),
        "synthetic": found["user_agent.synthetic.type"],
        "attributes": pa.MapArray.from_arrays(
            attributes.offsets, attributes.keys, attributes.texts
        ),
    }
    clamped = size - pc.sum(usable).as_py() if size else 0
    table = pa.Table.from_arrays([columns[name] for name in SCHEMA.names], schema=SCHEMA)
    return table, clamped


def parsed_ahead(blocks: Iterator[bytes | bytearray], parser: BlockParser) -> Iterator[pa.Table]:
    """Blocks parsed one ahead, in a worker thread: Arrow parses the next block while
    this thread flattens the last one (both release the GIL)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="json-parse") as worker:
        ahead: Future[pa.Table] | None = None
        for block in blocks:
            following = worker.submit(parser, block)
            if ahead is not None:
                yield ahead.result()
            ahead = following
        if ahead is not None:
            yield ahead.result()
