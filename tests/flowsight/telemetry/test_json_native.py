"""The native OTLP/JSON decoder (_otlp_json.c) stores exactly what the strict Python decoder
stores for the same text, or declines; ordinary files are never declined; and file ingest
through it stores what the Python path stores, or falls back with its located errors."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_arrow_ingest import _relecloud_line
from test_engine_ingest import VARIED, _line, _span

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import files, ingest_files, json_native, open_store
from flowsight.telemetry.files import IngestReport, _python_ingest
from flowsight.telemetry.json_native import decode_block
from flowsight.telemetry.otlp_json import decode_traces, parse_documents, parse_json
from flowsight.telemetry.spans import SCHEMA, SpanColumns
from flowsight.telemetry.store import connect

EXAMPLE = Path(__file__).parent / "fixtures" / "otlp-proto-example-trace.json"
BENCH = Path(__file__).parents[3] / "bench"


def test_the_native_json_decoder_is_built():
    """A build without it would silently run the slower paths: fail loudly instead."""
    assert json_native.AVAILABLE


def _expected(data: bytes, json_lines: bool) -> tuple[pa.Table, int] | None:
    """What the strict decoder stores for a block, or None when it refuses it."""
    columns = SpanColumns()
    try:
        if json_lines:
            documents = [parse_json(line, "f") for line in data.split(b"\n") if line.strip()]
        else:
            documents = [document for _, document in parse_documents(data, "f")]
        for document in documents:
            for span in decode_traces(document):
                columns.add(span)
    except MalformedTelemetry:
        return None
    return columns.table(), columns.clamped


def _agree(data: bytes, json_lines: bool = True, accept: bool = False) -> bool:
    """Native == strict, or native declined (never when `accept`); whether it decoded."""
    got = decode_block(data, json_lines)
    expected = _expected(data, json_lines)
    if got is None:
        assert not (accept and expected is not None), f"declined an ordinary block: {data[:300]!r}"
        return False
    assert expected is not None, f"decoded a block the strict decoder refuses: {data[:300]!r}"
    table, clamped = got
    assert table.schema == SCHEMA
    table.validate(full=True)
    assert table.to_pylist() == expected[0].to_pylist()
    assert table.equals(expected[0]) and clamped == expected[1]
    return True


# ---------------------------------------------------------------- random documents

SNAKE = {
    "resourceSpans": "resource_spans", "scopeSpans": "scope_spans", "traceId": "trace_id",
    "spanId": "span_id", "parentSpanId": "parent_span_id",
    "startTimeUnixNano": "start_time_unix_nano", "endTimeUnixNano": "end_time_unix_nano",
    "stringValue": "string_value", "intValue": "int_value", "boolValue": "bool_value",
    "doubleValue": "double_value", "arrayValue": "array_value",
    "kvlistValue": "kvlist_value", "bytesValue": "bytes_value",
}  # fmt: skip
KEYS = st.sampled_from(
    ["http.request.method", "http.method", "http.route", "url.path", "http.target", "user.id",
     "http.response.status_code", "http.status_code", "enduser.id", "user_agent.synthetic.type",
     "service.name", "x", ""]
)  # fmt: skip
TEXT = st.text(max_size=8) | st.sampled_from(["", "GET", "/a?b=1", "?q", "200", "2e2", " 404 "])
JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)


class Builder:
    """Draws OTLP JSON documents: `clean` ones only as an ordinary exporter writes them
    (the decoder must accept every one), else with every oddity it must decline or match."""

    def __init__(self, data: st.DataObject, clean: bool) -> None:
        self.draw = data.draw
        self.clean = clean

    def name(self, camel: str) -> str:
        return SNAKE[camel] if camel in SNAKE and self.draw(st.booleans()) else camel

    def obj(self, fields: dict[str, Any], known: tuple[str, ...] = ()) -> dict[str, Any]:
        """Fields in a drawn order, absent ones dropped, some unknown fields added."""
        items = [(self.name(k), v) for k, v in fields.items() if v is not _ABSENT]
        if self.draw(st.integers(0, 4)) == 0:
            items.append(
                (self.draw(st.sampled_from(["flags", "x", "Name", "traceid"])), self.draw(JUNK))
            )
        if self.odd() and items:
            items.append(self.draw(st.sampled_from(items)))  # a repeated key
        if self.odd() and known:
            camel = self.draw(st.sampled_from(known))  # both spellings of one field
            items += [(camel, self.draw(JUNK)), (SNAKE.get(camel, camel), self.draw(JUNK))]
        order = self.draw(st.permutations(range(len(items))))
        return _Pairs([items[i] for i in order])

    def odd(self) -> bool:
        """Whether to draw an oddity here: rarely, so that each one meets clean surroundings."""
        return not self.clean and self.draw(st.integers(0, 7)) == 0

    def maybe(self, value: Any, null: bool = True) -> Any:
        choice = self.draw(st.integers(0, 5))
        if choice == 0:
            return _ABSENT
        if choice == 1 and null:
            return None
        return value

    def value(self) -> Any:
        draw = self.draw
        kinds = ["string", "int", "intnum", "bool", "double", "doublestr", "none", "empty"]
        if self.odd():
            kinds = ["odd_int", "nan", "array", "kvlist", "bytes", "two", "odd"]
        kind = draw(st.sampled_from(kinds))
        if kind == "none":
            return None
        if kind == "empty":
            return self.obj({})
        member, text = {
            "string": ("stringValue", draw(TEXT)),
            "int": ("intValue", str(draw(st.integers(-(2**63), 2**63 - 1)))),
            "intnum": ("intValue", draw(st.integers(-(10**18), 10**18))),
            "bool": ("boolValue", draw(st.booleans())),
            "double": ("doubleValue", draw(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-99, 99))),
            "doublestr": ("doubleValue", draw(TEXT)),
            "odd_int": ("intValue", draw(st.sampled_from(["007", "-0", "+5", " 5", "1_0", "", "1" * 25, "5.0", "x"]))),
            "nan": ("doubleValue", draw(st.sampled_from([float("nan"), float("inf"), 1e400, "1e999"]))),
            "array": ("arrayValue", {"values": [{"stringValue": "a"}]}),
            "kvlist": ("kvlistValue", {"values": []}),
            "bytes": ("bytesValue", "AAE="),
            "two": ("stringValue", "a"),
            "odd": ("stringValue", draw(JUNK)),
        }[kind]  # fmt: skip
        fields = {member: text}
        if kind == "two":
            fields["intValue"] = "5"
        return self.obj(fields, ("stringValue", "intValue"))

    def attributes(self) -> Any:
        items = []
        for _ in range(self.draw(st.integers(0, 4))):
            key = self.draw(KEYS)
            if self.clean and key in [item["key"] for item in items]:
                continue
            items.append(self.obj({"key": key, "value": self.maybe(self.value())}))
            if self.odd():
                items.append(self.draw(st.sampled_from([None, {}, {"key": 5}, "x"])))
        return self.maybe(items)

    def id(self, size: int, required: bool) -> Any:
        good = self.draw(st.text("0123456789abcdefABCDEF", min_size=size, max_size=size))
        choices = [good] if required else [good, ""]
        if self.odd():
            choices = ["", "zz" * (size // 2), good[:-1], good + "0", " " + good[1:]]
        value = self.draw(st.sampled_from(choices))
        return value if required and self.clean else self.maybe(value, null=not required)

    def clock(self) -> Any:
        number = self.draw(st.integers(0, 2**63 - 1) | st.sampled_from([0, 1, 1790000000000000000]))
        choices: list[Any] = [str(number), number, ""]
        if self.odd():
            choices = [-1, 2**63, "12x", "0x10", 1.5, True, "٣", "007", 2**63 - 1]
        return self.maybe(self.draw(st.sampled_from(choices)))

    def span(self) -> Any:
        odd_enum = st.sampled_from([-1, 6, 3, "2", 2.0, True, -0.0, 10])
        enum = odd_enum if self.odd() else st.integers(0, 5)
        code = odd_enum if self.odd() else st.integers(0, 2)
        status = self.obj({"code": self.maybe(self.draw(code)), "message": self.maybe("m")})
        fields = {
            "traceId": self.id(32, True), "spanId": self.id(16, True),
            "parentSpanId": self.id(16, False), "name": self.maybe(self.draw(TEXT)),
            "kind": self.maybe(self.draw(enum)), "startTimeUnixNano": self.clock(),
            "endTimeUnixNano": self.clock(), "attributes": self.attributes(),
            "status": self.maybe(status),
        }  # fmt: skip
        return self.obj(fields, ("traceId", "spanId", "startTimeUnixNano"))

    def document(self) -> Any:
        resources = []
        for _ in range(self.draw(st.integers(0, 3))):
            scopes = [
                self.obj({"spans": self.maybe([self.span() for _ in range(self.draw(st.integers(0, 3)))]), "scope": self.maybe({"name": "s"})})
                for _ in range(self.draw(st.integers(0, 2)))
            ]  # fmt: skip
            resource = self.obj({"attributes": self.attributes()})
            resources.append(
                self.obj(
                    {"resource": self.maybe(resource), "scopeSpans": self.maybe(scopes)},
                    ("scopeSpans",),
                )
            )
        return self.obj({"resourceSpans": self.maybe(resources)}, ("resourceSpans",))


_ABSENT = object()


class _Pairs(dict):  # type: ignore[type-arg]
    """An object that keeps repeated keys: rendered by `render`, not json.dumps."""

    def __init__(self, items: list[tuple[str, Any]]) -> None:
        super().__init__(items)
        self.items_in_order = items


def render(
    node: Any, ascii_only: bool, space: tuple[str, str, str], indent: str | None, depth: int = 0
) -> str:
    comma, colon, pad = space
    inner = "\n" + indent * (depth + 1) if indent is not None else pad
    close = "\n" + indent * depth if indent is not None else pad
    if isinstance(node, _Pairs):
        parts = [
            json.dumps(k, ensure_ascii=ascii_only)
            + colon
            + render(v, ascii_only, space, indent, depth + 1)
            for k, v in node.items_in_order
        ]
        return "{" + inner + (comma + inner).join(parts) + close + "}" if parts else "{" + pad + "}"
    if isinstance(node, list):
        parts = [render(v, ascii_only, space, indent, depth + 1) for v in node]
        return "[" + inner + (comma + inner).join(parts) + close + "]" if parts else "[" + pad + "]"
    if isinstance(node, dict):
        return render(_Pairs(list(node.items())), ascii_only, space, indent, depth)
    return json.dumps(node, ensure_ascii=ascii_only)


SPACES = st.sampled_from(
    [(",", ":", ""), (", ", ": ", " "), (" ,\t", " :\r", "\t"), (",", ":", "  ")]
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    clean=st.booleans(),
    ascii_only=st.booleans(),
    space=SPACES,
    count=st.integers(1, 3),
)
def test_native_stores_what_the_decoder_stores_or_declines(data, clean, ascii_only, space, count):
    builder = Builder(data, clean)
    documents = [builder.document() for _ in range(count)]
    lines = "".join(
        render(d, ascii_only, space, None) + data.draw(st.sampled_from(["\n", "\r\n", "\n\n  \n"]))
        for d in documents
    )
    event(f"clean={clean} lines decoded={_agree(lines.encode(), True, accept=clean)}")
    pretty = "\n".join(
        render(d, ascii_only, space, data.draw(st.sampled_from(["  ", "\t", ""])))
        for d in documents
    )
    event(f"clean={clean} whole decoded={_agree(pretty.encode(), False, accept=clean)}")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3),
    truncate=st.booleans(),
)
def test_damaged_lines_are_declined_or_equal(data, cuts, truncate):
    """Byte flips and truncations of ordinary documents: never a crash, never a wrong row."""
    text = bytearray(render(Builder(data, True).document(), False, (",", ":", ""), None).encode())
    if truncate:
        del text[cuts[0][0] % len(text) :]
    else:
        for position, byte in cuts:
            text[position % len(text)] = byte
    event(f"damaged lines decoded={_agree(bytes(text), True)}")
    event(f"damaged whole decoded={_agree(bytes(text), False)}")


# ---------------------------------------------------------------- a corpus of tricky text

IDS = '"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174"'
TIMES = '"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"'


def _doc(span_members: str, resource: str = "", spans: str | None = None) -> bytes:
    span = "{" + ",".join(part for part in (IDS, TIMES, span_members) if part) + "}"
    attributes = '{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]}'
    return (
        '{"resourceSpans":[{"resource":' + (resource or attributes) + ',"scopeSpans":[{"spans":['
        + (span if spans is None else spans) + "]}]}]}"
    ).encode()  # fmt: skip


VALUES = [
    '{"intValue":"007"}', '{"intValue":"-0"}', '{"intValue":-0}', '{"intValue":"+5"}',
    '{"intValue":" 5"}', '{"intValue":"1_0"}', '{"intValue":""}', '{"intValue":"-12"}',
    '{"intValue":"9223372036854775808"}', '{"intValue":12345678901234567890123}',
    '{"intValue":1.0}', '{"intValue":1e2}', '{"intValue":true}', '{"intValue":null}',
    '{"int_value":"5"}', '{"intValue":"5","int_value":"6"}', '{"stringValue":"a","stringValue":"b"}',
    '{"stringValue":"a","stringValue":null}', '{"stringValue":null,"intValue":"5"}',
    '{"stringValue":5}', '{"boolValue":"true"}', '{"boolValue":1}', '{"bool_value":false}',
    '{"doubleValue":1.5}', '{"doubleValue":1e400}', '{"doubleValue":-0.0}', '{"doubleValue":0.1}',
    '{"doubleValue":1E5}', '{"doubleValue":5}', '{"doubleValue":-5}', '{"doubleValue":"x"}',
    '{"doubleValue":NaN}', '{"doubleValue":Infinity}', '{"doubleValue":-Infinity}',
    '{"doubleValue":true}', '{"doubleValue":1.7976931348623157e308}', '{"doubleValue":5e-324}',
    '{"doubleValue":123456789012345678901234567890}', '{"arrayValue":{"values":[]}}',
    '{"kvlistValue":{}}', '{"bytesValue":"AA=="}', '{"StringValue":"x"}', "{}", "null", "[]",
    '"x"', '{"stringValue":"\\u00e9\\ud83d\\ude00"}', '{"stringValue":"\\ud800"}',
    '{"stringValue":"\\udc00x"}', '{"stringValue":"\\ud800\\u0041"}', '{"stringValue":"\\uD83D\\uDE00"}',
    '{"stringValue":"a\\/b\\b\\f\\n\\r\\t\\"\\\\"}', '{"stringValue":"\\u0000"}',
    '{"stringValue":"\\x41"}', '{"stringValue":"\\u12"}', '{"stringValue":"tab\there"}',
    '{"stringValue":"é€😀"}', '{"stringValue":"\\u00E9"}', '{"stringValue":"a", "x": [1, {"y": null}]}',
    '{"stringValue" : "spaced" }', '{"stringValue":"a",}', '{"stringValue":"a"', '{"stringValue":}',
]  # fmt: skip
RAW_VALUES = [b'{"stringValue":"\xc0\xaf"}', b'{"stringValue":"\xed\xa0\x80"}',
              b'{"stringValue":"\xff"}', b'{"stringValue":"\xe2\x82"}', b'{"stringValue":"\xf4\x90\x80\x80"}']  # fmt: skip
KEYS_AND_STATUS = ["http.response.status_code", "http.status_code", "url.path", "service.name"]
STATUS_TEXTS = ["200", " 200", "2e2", "200.7", "-1", "nan", "inf", "1_0", "99999999999", "",
                "?x", "/a?b?c", "0", "0200", "2147483648", "2147483647"]  # fmt: skip
SPAN_MEMBERS = [
    '"kind":"2"', '"kind":2.0', '"kind":-1', '"kind":6', '"kind":null', '"kind":true', '"kind":1e0',
    '"kind":02', '"kind":5', '"name":null', '"name":5', '"name":"\\u0041\\n"', '"name":"a","name":"b"',
    '"parentSpanId":""', '"parentSpanId":null', '"parentSpanId":"00"', '"parentSpanId":"ABCDEF0123456789"',
    '"parent_span_id":"abcdef0123456789"', '"parentSpanId":"abcdef012345678g"',
    '"status":null', '"status":[]', '"status":{"code":3}', '"status":{"code":"1"}', '"status":{"code":null}',
    '"status":{"code":1,"code":2}', '"status":{"message":"m","code":2}', '"status":{}',
    '"attributes":null', '"attributes":{}', '"attributes":[null]', '"attributes":[{}]',
    '"attributes":[{"key":null}]', '"attributes":[{"key":"a"}]', '"attributes":[{"key":"a","key":"b"}]',
    '"attributes":[{"key":"a","value":{"stringValue":"1"}},{"key":"a","value":{"stringValue":"2"}}]',
    '"attributes":[{"value":{"stringValue":"1"},"key":"http.route"}]', '"attributes":[{"key":5}]',
    '"trace_id":"5b8efff798038103d269b633813fc60c"', '"flags":1,"droppedAttributesCount":0',
    '"events":[{"name":"e","attributes":[{"key":"k","value":{"arrayValue":{}}}]}]',
    '"tr\\u0061ceId":"x"', '"x":' + "[" * 70 + "]" * 70, '"x":' + "[" * 3000 + "]" * 3000,
    '"x":' + "1" * 150, '"x":"\\ud800"', '"x":NaN', '"x":-', '"x":tru', '"x":[1,]', '"x":{"a":1,}',
]  # fmt: skip
TIME_VALUES = ['""', '"0"', "0", '"-1"', "-1", '"9223372036854775807"', '"9223372036854775808"',
               "9223372036854775808", '"1e3"', "1e3", "1.0", '" 1"', '"٣"', '"0001"', "null",
               '"\\u0031"', "true", "-0", '"00000000000000000000001"']  # fmt: skip
DOCUMENTS = [
    b"null", b"[]", b"5", b"{}", b'"x"', b'{"resourceSpans":null}', b'{"resourceSpans":{}}',
    b'{"resourceSpans":[null]}', b'{"resourceSpans":"x"}', b'{"resource_spans":[]}',
    b'{"resourceSpans":[],"resource_spans":[]}', b'{"resourceSpans":[{"scopeSpans":null}]}',
    b'{"resourceSpans":[{"scopeSpans":[null]}]}', b'{"resourceSpans":[{"scopeSpans":[{"spans":null}]}]}',
    b'{"resourceSpans":[{"scopeSpans":[{"spans":[null]}]}]}', b'{"resourceSpans":[{"scopeSpans":[{"spans":[5]}]}]}',
    b'{} {}', b"{}x", b"\xef\xbb\xbf{}", b"{\x00}", b"\x0c{}", b"{}\x0b",
]  # fmt: skip


def _corpus() -> list[bytes]:
    lines = [_doc(f'"attributes":[{{"key":"k","value":{value}}}]') for value in VALUES]
    lines += [_doc(b'"attributes":[{"key":"k","value":%s}]'.decode("latin-1") % value.decode("latin-1")).decode("latin-1").encode("latin-1") for value in RAW_VALUES]  # fmt: skip
    lines += [
        _doc(f'"attributes":[{{"key":"{key}","value":{{"stringValue":"{text}"}}}}]')
        for key in KEYS_AND_STATUS
        for text in STATUS_TEXTS
    ]
    lines += [_doc(member) for member in SPAN_MEMBERS]
    lines += [_doc("").replace(b'"startTimeUnixNano":"1544712660000000000"', f'"startTimeUnixNano":{t}'.encode()) for t in TIME_VALUES]  # fmt: skip
    lines += [_doc("").replace(b"5B8EFFF7", bad) for bad in (b"5B8EFFF", b"5B8EFFF77", b"\\u0035B8EFFF", b"5B8EFFFG")]  # fmt: skip
    resources = [
        "null", "{}", '{"attributes":null}', '{"attributes":[{"key":"service.name","value":{"intValue":"5"}}]}',
        '{"attributes":[{"key":"service.name","value":{"stringValue":"a"}},{"key":"service.name","value":{"stringValue":"b"}}]}',
        '{"attributes":[{"key":"service\\u002ename","value":{"stringValue":"escaped"}}]}',
        '{"attributes":[{"key":"service.name","value":{"stringValue":""}}]}',
        '{"attributes":[{"key":"service.name","value":null}]}', '{"attributes":[{"key":"service.name"}]}',
        '{"attributes":[{"key":"service.name","value":{"arrayValue":{}}}]}', '[]',
    ]  # fmt: skip
    lines += [_doc("", resource) for resource in resources]
    lines.append(b'{"resourceSpans":[{"scopeSpans":[{"spans":[{' + IDS.encode() + b'}]}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}]}')  # fmt: skip
    return lines + DOCUMENTS


@pytest.mark.parametrize("line", _corpus())
def test_tricky_text_is_declined_or_equal(line: bytes):
    good = _doc('"attributes":[{"key":"http.route","value":{"stringValue":"/a"}}]')
    for data in (line, line + b"\n", good + b"\n" + line + b"\n\n", b"  " + line + b"\r\n"):
        _agree(data, True)
        _agree(data, False)


# ---------------------------------------------------------------- file ingest through it

FLOWSIGHT = [sys.executable, "-m", "flowsight"]
QUERY = "SELECT * FROM spans ORDER BY trace_id, span_id, start_ns"


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which ingest paths ran (and which of them gave an answer)."""
    taken: list[str] = []
    for name in ("_native_json", "_arrow", "_engine", "_python_ingest"):
        original = getattr(files, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            result = _original(*args)
            taken.append(_name if result is not None else f"{_name} declined")
            return result

        monkeypatch.setattr(files, name, spy)
    return taken


def _same_as_python(tmp_path: Path, source: Path, store: Path) -> None:
    python = open_store(tmp_path / "python", create=True)
    _python_ingest(python, source, None)
    with connect(open_store(store)) as ours, connect(python) as theirs:
        assert ours.execute(QUERY).fetchall() == theirs.execute(QUERY).fetchall()


def test_ordinary_files_take_the_native_path_in_several_blocks(tmp_path: Path, monkeypatch):
    """Relecloud-like traffic, the bench's generated file, the OTLP example (whole-file and
    as a line), gzip: never declined, and the rows are the strict decoder's."""
    sys.path.insert(0, str(BENCH))
    from telemetry_bench import generate

    generate(tmp_path / "bench.jsonl", 5_000, batch=500)
    example = json.loads(EXAMPLE.read_text())
    sources = {
        "relecloud.jsonl": "".join(_relecloud_line(i * 50 + 1, 50) for i in range(40)).encode(),
        "varied.jsonl": "".join(VARIED).encode(),
        "example.json": EXAMPLE.read_bytes(),
        "example.jsonl": (json.dumps(example) + "\n").encode() * 3,
        "gzipped.jsonl.gz": gzip.compress("".join(_relecloud_line(i * 9, 9) for i in range(30)).encode()),
        "bench.jsonl": (tmp_path / "bench.jsonl").read_bytes(),
    }  # fmt: skip
    monkeypatch.setattr(files, "READ_BYTES", 8192)  # many blocks, decoded two at a time
    for name, data in sources.items():
        source = tmp_path / name
        source.write_bytes(data)
        taken = _spy(monkeypatch)
        report = IngestReport()
        store = tmp_path / f"{name}.db"
        count = files.ingest_file(open_store(store, create=True), source, None, report)
        assert taken == ["_native_json"], name
        plain = gzip.decompress(data) if name.endswith(".gz") else data
        expected = _expected(plain, json_lines=name != "example.json")
        assert expected is not None and count == expected[0].num_rows > 0
        assert report.clamped == expected[1]
        _same_as_python(tmp_path / f"{name}.python", source, store)


def test_a_declined_block_hands_the_whole_file_on_with_its_located_error(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(files, "READ_BYTES", 256)  # the bad line comes blocks after staging
    good = "".join(_relecloud_line(i * 3 + 1, 3) for i in range(5))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(good.encode() + _line(_span(99, kind="2")).encode())
    taken = _spy(monkeypatch)
    with pytest.raises(MalformedTelemetry) as caught:
        ingest_files([bad], tmp_path / "s")
    assert taken[0] == "_native_json declined"
    assert f"{bad}:6" in caught.value.message and "kind" in caught.value.message
    store = open_store(tmp_path / "s")
    assert not list(store.tmp_dir.iterdir()) and not list(store.segments_dir.iterdir())
    legal = tmp_path / "legal.jsonl"  # declined natively (a repeated key), decoded further on
    legal.write_bytes(good.encode() + b'{"resourceSpans":[],"resourceSpans":[]}\n')
    taken.clear()
    assert ingest_files([legal], tmp_path / "s").spans == 15
    assert taken[0] == "_native_json declined" and "_native_json" not in taken
    _same_as_python(tmp_path, legal, tmp_path / "s")


def test_the_cli_stores_what_the_python_path_stores(tmp_path: Path):
    source = tmp_path / "t.jsonl"
    lines = [_relecloud_line(i * 20 + 1, 20) for i in range(10)]
    source.write_text("".join(lines) + "".join(VARIED))
    result = subprocess.run(
        [*FLOWSIGHT, "ingest", str(source), "--db", str(tmp_path / "db")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "ingested 20" in result.stdout or "ingested" in result.stdout
    _same_as_python(tmp_path, source, tmp_path / "db")


def test_clamped_spans_are_counted(tmp_path: Path):
    source = tmp_path / "t.jsonl"
    source.write_text(
        _line(_span(1, startTimeUnixNano="0"), _span(2, endTimeUnixNano="5"), _span(3))
    )
    report = ingest_files([source], tmp_path / "s")
    assert report.spans == 3 and report.clamped == 2
