"""OTLP JSON decoded by Arrow: the fast path of file ingest, columnar end to end.

Why: `pyarrow.json` parses OTLP JSON into nested columns on every core at
hundreds of MB/s, and Arrow compute flattens resource -> scope -> span and
extracts the attributes without a Python loop per span. It beats DuckDB's
`json_transform` plan, which needs a shape check per line.

The path is exact or it declines. The reader gets an explicit schema naming
every field OTLP JSON defines for traces (`unexpected_field_behavior="error"`),
so a field it does not know (a snake_case name, an `arrayValue`, a vendor
extension) fails the parse, and so does every type the schema does not expect
(an int64 sent as a JSON number, `kind` as a string), a duplicate key, a lone
surrogate, any syntax error. Since every field is typed, a document is never
deeper than the schema, so the Python decoder's nesting limit is never the
difference either. What parses is then checked as the Python decoder checks it
(hex ids, enums in range, timestamps as decimal digits within int64, attribute
keys unique, ints in canonical form, HTTP status as plain digits). Any doubt
raises `ArrowDeclined`; the caller hands the file to the DuckDB path and then the
strict decoder, which store the same rows or name the bad line and field.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from flowsight.telemetry.spans import SCHEMA

#: Arrow parses a block per thread; a longer line gets a block of its own size.
PARSE_BLOCK_BYTES = 4 << 20

_S, _I = pa.string(), pa.int64()
_DROPPED = ("droppedAttributesCount", _I)


@lru_cache(maxsize=4)
def document_schema(full: bool, numbers: bool) -> pa.Schema:
    """The OTLP JSON TracesData schema: every field of it (`full`), or only those stored;
    64-bit integers (timestamps, intValue) as decimal strings or, with `numbers`, as
    JSON numbers (each file may use either, consistently).

    Fields the reader does not expect make the parse fail. The narrow schema parses
    about twice as fast (Arrow fills every absent field with nulls), so files that
    carry no more than the stored fields are read with it.
    """
    extra = (lambda *fields: list(fields)) if full else (lambda *fields: [])
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
            ("status", pa.struct([("code", _I), *extra(("message", _S))])),
            *extra(("traceState", _S), ("flags", _I), _DROPPED, ("events", pa.list_(event)),
                   ("droppedEventsCount", _I), ("links", pa.list_(link)),
                   ("droppedLinksCount", _I)),
        ]
    )  # fmt: skip
    scope = pa.struct([("name", _S), ("version", _S), ("attributes", kv), _DROPPED])
    scope_spans = pa.struct(
        [("spans", pa.list_(span)), *extra(("scope", scope), ("schemaUrl", _S))]
    )
    resource_spans = pa.struct(
        [
            ("resource", pa.struct([("attributes", kv), *extra(_DROPPED)])),
            ("scopeSpans", pa.list_(scope_spans)),
            *extra(("schemaUrl", _S)),
        ]
    )
    return pa.schema([("resourceSpans", pa.list_(resource_spans))])


_METHOD_KEYS = ("http.request.method", "http.method")
_STATUS_KEYS = ("http.response.status_code", "http.status_code")
_PATH_KEYS = ("url.path", "http.target")
_USER_KEYS = ("enduser.id", "user.id")
_CANONICAL_INT = "^(0|-?[1-9][0-9]*)$"


def _byte_set(characters: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(characters)] = True
    return table


_DIGITS = _byte_set(b"0123456789")
#: Bytes a blank line may start with (what bytes.strip() strips).
_BLANK = _byte_set(b" \t\n\r\x0b\x0c")
_HEX = _byte_set(b"0123456789abcdefABCDEF")


class ArrowDeclined(Exception):
    """The file is not one the Arrow path decodes exactly; use an exact path."""


def parse(data: bytes, json_lines: bool, full: bool = False, numbers: bool = False) -> pa.Table:
    """Documents of a block (whole lines, or a whole file) as nested Arrow columns.

    Tried with the narrow schema and int64 as strings first; then, if a field it lacks
    is met, the full one, and if a number is met where a string was expected, numbers.
    """
    if not data.isascii():
        if b"\xef\xbb\xbf" in data:
            raise ArrowDeclined("a byte-order mark")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ArrowDeclined("not valid UTF-8") from None
    documents, longest = _lines(data) if json_lines else (0, len(data))
    options = pj.ParseOptions(
        explicit_schema=document_schema(full, numbers),
        unexpected_field_behavior="error",
        newlines_in_values=not json_lines,
    )
    block = max(PARSE_BLOCK_BYTES, longest + 1)
    try:
        table = pj.read_json(
            pa.BufferReader(pa.py_buffer(data)),
            pj.ReadOptions(block_size=block),
            parse_options=options,
            memory_pool=pa.system_memory_pool(),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        if not full and "unexpected field" in str(error):
            return parse(data, json_lines, True, numbers)
        if not numbers and "changed from string to number" in str(error):
            return parse(data, json_lines, full, True)
        raise ArrowDeclined(str(error)) from None
    if json_lines and table.num_rows != documents:
        raise ArrowDeclined("a line holds more than one JSON document")
    return table


def _lines(data: bytes) -> tuple[int, int]:
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
    maybe = np.flatnonzero((begins >= ends) | _BLANK[heads])
    blank = sum(not data[begins[i] : ends[i]].strip() for i in maybe.tolist())
    return len(begins) - blank, int((ends - begins).max())


def _decline(failed: pa.Array, why: str) -> None:
    if pc.any(failed).as_py():
        raise ArrowDeclined(why)


def _lengths(values: pa.Array) -> np.ndarray:
    """Byte length of each string (0 for null)."""
    return np.diff(np.frombuffer(values.buffers()[1], np.int32)[values.offset :][: len(values) + 1])


def _bytes(values: pa.Array) -> np.ndarray:
    """All the bytes of a string array's values, back to back (null ones hold none)."""
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset :][: len(values) + 1]
    data = values.buffers()[2]
    if data is None or not len(offsets):
        return np.zeros(0, np.uint8)
    return np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]


def _only(values: pa.Array, allowed: np.ndarray) -> bool:
    """Whether every byte of every value is in the allowed set (a 256-entry table)."""
    return bool(allowed[_bytes(values)].all())


def _int(value: int, kind: pa.DataType = _I) -> pa.Scalar:
    """A constant for compute calls, built from a buffer: `pa.scalar` (which compute calls
    apply to plain Python values) imports pandas, a third of a second per process."""
    data = np.array([value], dtype=kind.to_pandas_dtype())
    return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(data)])[0]


def _text(value: str) -> pa.Scalar:
    data = value.encode()
    offsets = np.array([0, len(data)], dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])[
        0
    ]


def _array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An integer numpy array as Arrow, without a copy (and without `pa.array`, which
    imports pandas too)."""
    kind = pa.from_numpy_dtype(values.dtype)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)])


def _numbers(values: pa.Array) -> np.ndarray:
    """A null-free integer array as numpy, without a copy (`to_numpy` would import pandas)."""
    dtype = np.dtype(values.type.to_pandas_dtype())
    return np.frombuffer(values.buffers()[1], dtype)[values.offset :][: len(values)]


def _flat(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(items, index of the list each item came from)."""
    parents = _numbers(pc.list_parent_indices(lists))
    return lists.flatten(), parents


def _canonical_ints(values: pa.Array) -> None:
    """Decline ints the decoder would rewrite (`str(int(text))`: leading zeros, a sign)."""
    if values.null_count == len(values):
        return
    lengths, raw = _lengths(values), _bytes(values)
    present = lengths > 0
    firsts = raw[(np.cumsum(lengths) - lengths)[present]]
    simple = (
        bool(_DIGITS[raw].all())
        and int(present.sum()) == len(values) - values.null_count
        and not (firsts[lengths[present] > 1] == ord("0")).any()
    )
    if not simple:
        canonical = pc.match_substring_regex(values, _CANONICAL_INT)
        _decline(pc.invert(canonical), "an intValue the decoder would rewrite")


def _texts(values: pa.StructArray) -> pa.Array:
    """AnyValue -> the stored text, as `otlp_json.any_value_text` gives it."""
    string, integer = values.field("stringValue"), values.field("intValue")
    flag, double = values.field("boolValue"), values.field("doubleValue")
    if pa.types.is_integer(integer.type):
        integer = integer.cast(pa.string())
    else:
        _canonical_ints(integer)
    if flag.null_count == len(flag) and double.null_count == len(double):
        return pc.coalesce(string, integer, _text(""))
    flag_text = pc.if_else(flag, _text("true"), _text("false"))
    return pc.coalesce(string, integer, flag_text, double, _text(""))


def _offsets(lists: pa.Array) -> pa.Array:
    """List offsets into `lists.flatten()` (a null list counts as empty)."""
    lengths = _numbers(pc.list_value_length(lists).fill_null(_int(0, pa.int32())))
    return _array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))


class Attributes:
    """Every attribute of a list column, flat, checked as the decoder checks them."""

    def __init__(self, lists: pa.Array) -> None:
        items, self.owners = _flat(lists)
        _decline(pc.is_null(items), "an attribute that is null")
        self.keys = items.field("key")
        _decline(pc.is_null(self.keys), "an attribute without a key")
        self.offsets = _offsets(lists)
        _unique_keys(pa.ListArray.from_arrays(self.offsets, self.keys))
        self.texts = _texts(items.field("value"))
        encoded = self.keys.dictionary_encode()
        self.codes = _numbers(encoded.indices)
        self.names = {name: code for code, name in enumerate(encoded.dictionary.to_pylist())}
        self.filled = _lengths(self.texts) > 0

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
        return self.texts.take(_array(index, valid=index >= 0))


def _unique_keys(keys: pa.ListArray) -> None:
    """Decline when a list repeats a key (the decoder keeps the last value at the first
    place): checked once per distinct key sequence, of which real files have few."""
    for signature in pc.unique(pc.binary_join(keys, _text("\x00"))).to_pylist():
        if signature is not None:
            names = signature.split("\x00")
            if len(names) != len(set(names)):
                raise ArrowDeclined("an attribute key repeated in one list")


def _first(found: dict[str, pa.Array], keys: tuple[str, ...]) -> pa.Array:
    return pc.coalesce(*(found[key] for key in keys))


def _ids(values: pa.Array, digits: int, optional: bool) -> pa.Array:
    """Hex ids, lower-cased; an optional one may be null or "" (stored as "")."""
    lengths = _lengths(values)
    sized = (lengths == digits) | ((lengths == 0) & optional)
    if not optional and values.null_count:
        raise ArrowDeclined("a span without an id")
    if not sized.all() or not _only(values, _HEX):
        raise ArrowDeclined(f"an id that is not {digits} hex digits")
    lowered = pc.ascii_lower(values)
    return lowered.fill_null(_text("")) if optional else lowered


def _enum(values: pa.Array, highest: int) -> pa.Array:
    values = values.fill_null(_int(0))
    _decline(
        pc.or_(pc.less(values, _int(0)), pc.greater(values, _int(highest))), "an enum out of range"
    )
    return values.cast(pa.int8())


def _nanos(values: pa.Array) -> pa.Array:
    """Decimal digits within int64; null or "" is 0, as `value or 0` makes it."""
    if pa.types.is_integer(values.type):
        _decline(pc.less(values, _int(0)), "a negative timestamp")
        return values.fill_null(_int(0))
    if not _only(values, _DIGITS):
        raise ArrowDeclined("a timestamp that is not decimal digits")
    if (_lengths(values) == 0).sum() > values.null_count:
        values = pc.if_else(pc.equal(values, _text("")), pa.nulls(1, pa.string())[0], values)
    try:
        return values.cast(pa.int64()).fill_null(_int(0))
    except pa.ArrowInvalid:
        raise ArrowDeclined("a timestamp past int64") from None


def _http_status(text: pa.Array) -> pa.Array:
    """`spans._status_code` for plain digits; other text (which it parses as a float) declines."""
    lengths = _lengths(text)
    if not _only(text, _DIGITS) or (lengths > 9).any():
        raise ArrowDeclined("an HTTP status that is not plain digits")
    return text.cast(pa.int32())


def _spans_and_services(documents: pa.ListArray) -> tuple[pa.StructArray, pa.Array]:
    """Flatten resource -> scope -> span; each span's service.name (as text)."""
    resources, _ = _flat(documents)
    scopes, scope_owner = _flat(resources.field("scopeSpans"))
    spans, span_owner = _flat(scopes.field("spans"))
    attributes = Attributes(resources.field("resource").field("attributes"))
    service = attributes.lookup("service.name", len(resources), nonempty=False)
    service = service.fill_null(_text("unknown_service"))
    return spans, service.take(_array(scope_owner[span_owner]))


def spans_table(documents: pa.Table) -> tuple[pa.Table, int]:
    """Rows of `spans.SCHEMA` for parsed documents, and how many durations were clamped.

    Each chunk Arrow parsed (a block of lines) is flattened on its own: combining them
    first would copy every parsed column."""
    tables, clamped = [], 0
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
    attributes = Attributes(spans.field("attributes"))
    wanted = (*_METHOD_KEYS, *_STATUS_KEYS, *_PATH_KEYS, *_USER_KEYS)
    found = {
        key: attributes.lookup(key, size)
        for key in (*wanted, "http.route", "user_agent.synthetic.type")
    }
    start = _nanos(spans.field("startTimeUnixNano"))
    end = _nanos(spans.field("endTimeUnixNano"))
    usable = pc.and_(pc.greater(start, _int(0)), pc.greater_equal(end, start))
    path = _first(found, _PATH_KEYS)
    columns = {
        "trace_id": _ids(spans.field("traceId"), 32, False),
        "span_id": _ids(spans.field("spanId"), 16, False),
        "parent_span_id": _ids(spans.field("parentSpanId"), 16, True),
        "service": service,
        "name": spans.field("name").fill_null(_text("")),
        "kind": _enum(spans.field("kind"), 5),
        "status": _enum(spans.field("status").field("code"), 2),
        "start_ns": start,
        "duration_ns": pc.if_else(usable, pc.subtract(end, start), _int(0)),
        "http_method": _first(found, _METHOD_KEYS),
        "http_route": found["http.route"],
        "url_path": pc.list_element(pc.split_pattern(path, "?", max_splits=1), _int(0)),
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
