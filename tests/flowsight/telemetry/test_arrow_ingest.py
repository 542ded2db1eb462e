"""File ingest through Arrow stores exactly what the strict Python decoder stores, and
hands every file it cannot decode exactly to the exact paths (DuckDB, then Python)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_ingest import VARIED, _kv, _line, _span

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import files, ingest_files, open_store, otlp_arrow
from flowsight.telemetry.files import IngestReport, _python_ingest
from flowsight.telemetry.otlp_arrow import ArrowDeclined, BlockParser, spans_table
from flowsight.telemetry.otlp_json import decode_traces, parse_documents, parse_json
from flowsight.telemetry.spans import SpanColumns
from flowsight.telemetry.store import connect

EXAMPLE = Path(__file__).parent / "fixtures" / "otlp-proto-example-trace.json"


def _python_rows(data: bytes, json_lines: bool = True) -> tuple[list[dict], int]:
    """What the strict decoder stores for a file's bytes (raises MalformedTelemetry)."""
    columns = SpanColumns()
    if json_lines:
        documents = [parse_json(line, "f") for line in data.split(b"\n") if line.strip()]
    else:
        documents = [document for _, document in parse_documents(data, "f")]
    for document in documents:
        for span in decode_traces(document):
            columns.add(span)
    return columns.table().to_pylist(), columns.clamped


def _first_document(data: bytes) -> Any:
    try:
        return json.loads(next(line for line in data.split(b"\n") if line.strip()))
    except (ValueError, StopIteration, RecursionError):
        return None


def _arrow_rows(data: bytes, json_lines: bool = True) -> tuple[list[dict], int]:
    """Rows read with the full schema, and (JSON Lines) with the schema cut to the first
    document's fields as files.py reads them: both must decline or agree."""
    parsers = [BlockParser(json_lines)]
    if json_lines:
        parsers.append(BlockParser(True, _first_document(data)))
    results: list[tuple[pa.Table, int] | None] = []
    for parser in parsers:
        try:
            results.append(spans_table(parser(data)))
        except ArrowDeclined:
            results.append(None)
    assert all(result == results[0] for result in results)
    if results[0] is None:
        raise ArrowDeclined("declined")
    table, clamped = results[0]
    return table.to_pylist(), clamped


def _relecloud_line(first: int, count: int) -> str:
    """An export request shaped like Relecloud's (and the bench's) traffic."""
    spans = []
    for number in range(first, first + count):
        status = (200, 404, 500)[number % 3]
        attributes = [
            _kv("app.flow", {"stringValue": "purchase-ticket"}),
            _kv("http.request.method", {"stringValue": "POST"}),
            _kv("http.route", {"stringValue": "/cart/{id}"}),
            _kv("http.response.status_code", {"intValue": str(status)}),
        ]
        spans.append(_span(number, attributes=attributes))
    return _text(_line(*spans, service="relecloud")).decode()


def _strings(node: Any) -> Any:
    """64-bit ints as decimal strings, as the Collector writes them (a file sending
    numbers takes the number schema, which it must then use consistently)."""
    if isinstance(node, list):
        return [_strings(item) for item in node]
    if isinstance(node, dict):
        return {
            key: str(value)
            if key in ("startTimeUnixNano", "endTimeUnixNano", "intValue") and type(value) is int
            else _strings(value)
            for key, value in node.items()
        }
    return node


def _text(*lines: str) -> bytes:
    out = [json.dumps(_strings(json.loads(line))) if line.strip() else line for line in lines]
    return "\n".join(line.rstrip("\n") for line in out).encode() + b"\n"


def test_relecloud_like_files_take_the_arrow_path(tmp_path: Path, monkeypatch):
    source = tmp_path / "t.jsonl"
    source.write_text("".join(_relecloud_line(i * 50 + 1, 50) for i in range(4)))
    taken: list[str] = []
    for name in ("_arrow", "_engine", "_python_ingest"):
        original = getattr(files, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            taken.append(_name)
            return _original(*args)

        monkeypatch.setattr(files, name, spy)
    monkeypatch.setattr(files, "READ_BYTES", 4096)  # several blocks, one segment
    monkeypatch.setattr(files, "NATIVE_JSON", False)  # the path before (test_json_native)
    report = ingest_files([source], tmp_path / "s")
    assert taken == ["_arrow"] and report.spans == 200
    with connect(open_store(tmp_path / "s")) as connection:
        rows = connection.sql("SELECT * FROM spans ORDER BY span_id").to_arrow_table()
    assert rows.to_pylist() == sorted(_python_rows(source.read_bytes())[0], key=_span_id)


def _span_id(row: dict) -> str:
    return row["span_id"]


@pytest.mark.parametrize("parse_block", [1, 4 << 20])
def test_varied_spans_store_what_the_strict_decoder_stores(monkeypatch, parse_block: int):
    monkeypatch.setattr(otlp_arrow, "PARSE_BLOCK_BYTES", parse_block)  # 1: a chunk per line
    data = _text(*VARIED, _relecloud_line(100, 3)).replace(b'"0042"', b'"42"')
    assert _arrow_rows(data) == _python_rows(data)
    rows = _arrow_rows(data)[0]
    assert rows[0]["http_status"] == 503 and rows[0]["parent_span_id"] == "00000000000000aa"
    assert rows[0]["url_path"] == "/items/7" and rows[2]["service"] == "unknown_service"


def test_official_example_with_numbers_is_read_exactly():
    data = EXAMPLE.read_bytes()
    assert _arrow_rows(data, json_lines=False) == _python_rows(data, json_lines=False)


@pytest.mark.parametrize(
    "span",
    [
        _span(1, traceId=7),
        _span(1, traceId=""),
        _span(1, traceId="0" * 31 + "\n"),
        _span(1, parentSpanId="00"),
        _span(1, kind="2"),
        _span(1, kind=9),
        _span(1, kind=2.0),
        _span(1, startTimeUnixNano="12a"),
        _span(1, startTimeUnixNano="+12"),
        _span(1, startTimeUnixNano="99999999999999999999"),
        _span(1, attributes=[_kv("a", {"arrayValue": {"values": []}})]),
        _span(1, attributes=[_kv("a", {"doubleValue": 1.5})]),
        _span(1, attributes=[_kv("a", {"intValue": "0042"})]),
        _span(1, attributes=[_kv("a", {"intValue": "-0"})]),
        _span(1, attributes=[_kv("a", {"stringValue": "x"}), _kv("a", {"stringValue": "y"})]),
        _span(1, attributes=[_kv("http.status_code", {"stringValue": "2_00"})]),
        _span(1, attributes=[_kv("http.status_code", {"stringValue": "200.0"})]),
        _span(1, attributes={"key": "a"}),
        _span(1, attributes=[None]),
        _span(1, attributes=[{"value": {"stringValue": "x"}}]),
        _span(1, status=5),
        _span(1, attributes=[_kv("a", 5)]),
        _span(1, attributes=[_kv("a", {"string_value": "x"})]),
        _span(1, name=7),
        _span(1, trace_id="0" * 32),
        _span(1, events=[{"name": "e", "attributes": [_kv("x", {"kvlistValue": {}})]}]),
        _span(1, vendor={"deep": [[[[1]]]]}),
    ],
)
def test_arrow_declines_what_it_cannot_decode_exactly(span: dict):
    data = _text(_line(_span(2)), _line(_span(3, status={}), span))
    assert _arrow_rows(_text(_line(_span(2)), _line(_span(3, status={}))))
    with pytest.raises(ArrowDeclined):
        _arrow_rows(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"resourceSpans": []} {"resourceSpans": []}\n',
        b'{"resourceSpans": [], "resourceSpans": []}\n',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "\\ud800"}]}]}]}\n',
        b'\xef\xbb\xbf{"resourceSpans": []}\n{"resourceSpans": []}\n',
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "\xff"}]}]}]}\n',
        b'{"resourceSpans": [{"x": ' + b"[" * 3000 + b"]" * 3000 + b"}]}\n",
        b'{"resourceSpans": []}\n[]\n',
        b'{"resourceSpans": NaN}\n',
    ],
)
def test_arrow_declines_documents_the_line_decoder_reads_differently(data: bytes):
    with pytest.raises(ArrowDeclined):
        _arrow_rows(data)


def test_blank_lines_and_clamped_clocks_match_the_decoder(tmp_path: Path):
    spans = [_span(1, startTimeUnixNano="", endTimeUnixNano="5"), _span(2, endTimeUnixNano="1")]
    data = b"\n  \n" + _text(
        _line(*spans), "\t", "", _line(_span(3, endTimeUnixNano="18" + "0" * 17))
    )
    assert _arrow_rows(data) == _python_rows(data)
    assert _arrow_rows(data)[1] == 2
    source = tmp_path / "t.jsonl"
    source.write_bytes(gzip.compress(data))
    report = IngestReport()
    assert files._arrow(open_store(tmp_path / "s", create=True), source, None, report) == 3
    assert report.clamped == 2


def test_declined_files_fall_back_and_keep_their_located_errors(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(files, "READ_BYTES", 256)  # the bad line comes blocks after staging
    good = "".join(_relecloud_line(i * 3 + 1, 3) for i in range(5))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(good.encode() + _text(_line(_span(99, kind="2"))))
    with pytest.raises(MalformedTelemetry) as caught:
        ingest_files([bad], tmp_path / "s")
    assert f"{bad}:6" in caught.value.message and "kind" in caught.value.message
    store = open_store(tmp_path / "s")
    assert not list(store.tmp_dir.iterdir()) and not list(store.segments_dir.iterdir())
    legal = tmp_path / "legal.jsonl"
    legal.write_bytes(
        good.encode() + _text(_line(_span(98, attributes=[_kv("a", {"arrayValue": {}})])))
    )
    assert ingest_files([legal], store).spans == 16
    python = open_store(tmp_path / "p", create=True)
    _python_ingest(python, legal, None)
    query = "SELECT * FROM spans ORDER BY span_id"
    with connect(store) as ours, connect(python) as theirs:
        assert ours.execute(query).fetchall() == theirs.execute(query).fetchall()


ID = st.sampled_from(["", "0" * 16, "AbCdEf0123456789", "ab" * 8, "zz" * 8, "ab" * 16, "AB" * 16])
TEXT = st.text(alphabet=st.sampled_from('aZ /?{}:."\\é\n0'), max_size=6)
KEYS = st.sampled_from(
    ["http.request.method", "http.method", "http.route", "url.path", "http.target", "user.id",
     "http.response.status_code", "http.status_code", "enduser.id", "service.name", "x"]
)  # fmt: skip
VALUE = (
    st.fixed_dictionaries({}, optional={"stringValue": TEXT | st.none()})
    | st.fixed_dictionaries(
        {"intValue": st.sampled_from(["200", "0", "-5", "007", "", "404", "1" * 25])}
    )
    | st.fixed_dictionaries({"boolValue": st.booleans()})
    | st.fixed_dictionaries({"doubleValue": st.sampled_from(["1.5", "200"])})
    | st.none()
)
ATTRIBUTES = st.lists(st.fixed_dictionaries({"key": KEYS, "value": VALUE}), max_size=4) | st.none()
CLOCK = st.sampled_from(["", "0", "1", "1790000000000000000", "1790000000000000001", "12x"])
SPAN = st.fixed_dictionaries(
    {"traceId": ID, "spanId": ID},
    optional={
        "parentSpanId": ID | st.none(),
        "name": TEXT | st.none(),
        "kind": st.integers(-1, 6) | st.none(),
        "startTimeUnixNano": CLOCK,
        "endTimeUnixNano": CLOCK,
        "attributes": ATTRIBUTES,
        "status": st.fixed_dictionaries({}, optional={"code": st.integers(0, 3)}) | st.none(),
        "flags": st.just(1),
    },
)
RESOURCE = st.fixed_dictionaries(
    {},
    optional={
        "resource": st.fixed_dictionaries({}, optional={"attributes": ATTRIBUTES}) | st.none(),
        "scopeSpans": st.lists(st.fixed_dictionaries({"spans": st.lists(SPAN, max_size=3)})),
    },
)
DOCUMENT = st.fixed_dictionaries({"resourceSpans": st.lists(RESOURCE, max_size=3)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents=st.lists(DOCUMENT, min_size=1, max_size=3), ascii_only=st.booleans())
def test_arrow_stores_what_the_decoder_stores_or_declines(documents, ascii_only: bool):
    lines = "".join(json.dumps(d, ensure_ascii=ascii_only) + "\n" for d in documents)
    pretty = "\n".join(json.dumps(d, ensure_ascii=ascii_only, indent=1) for d in documents)
    for data, json_lines in ((lines.encode(), True), (pretty.encode(), False)):
        try:
            expected: tuple[list[dict], int] | None = _python_rows(data, json_lines)
        except MalformedTelemetry:
            expected = None
        try:
            got = _arrow_rows(data, json_lines)
        except ArrowDeclined:
            continue
        assert expected is not None, "Arrow accepted a file the strict decoder refuses"
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    newline_at_end=st.booleans(),
    read_bytes=st.integers(1, 40),
)
def test_blocks_are_whole_lines_that_add_up_to_the_file(lines, newline_at_end, read_bytes):
    import io

    data = b"\n".join(lines) + (b"\n" if newline_at_end else b"")
    original = files.READ_BYTES
    files.READ_BYTES = read_bytes
    try:
        blocks = list(files._blocks(io.BufferedReader(io.BytesIO(data)), json_lines=True))
    finally:
        files.READ_BYTES = original
    assert b"".join(blocks) == data
    assert all(block.endswith(b"\n") for block in blocks[:-1]) and all(blocks)


def test_byte_checks_accept_exactly_digits_and_hex():
    import numpy as np

    from flowsight.telemetry.arrow_buffers import DIGITS, HEX, all_within

    for byte in range(256):
        one = np.array([byte], np.uint8)
        assert all_within(one, DIGITS) == (chr(byte) in "0123456789")
        assert all_within(one, HEX) == (chr(byte) in "0123456789abcdefABCDEF")
