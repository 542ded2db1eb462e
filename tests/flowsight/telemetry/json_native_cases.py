"""OTLP/JSON text for the native decoder's tests (test_json_native.py): a builder of random
documents, clean or with every oddity, rendered with any spacing and repeated keys; and
a corpus of tricky text, each case declined or decoded exactly."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

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


# ---------------------------------------------------------------- a corpus of tricky text

IDS = '"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174"'
TIMES = '"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"'


def doc(span_members: str, resource: str = "", spans: str | None = None) -> bytes:
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


def corpus() -> list[bytes]:
    lines = [doc(f'"attributes":[{{"key":"k","value":{value}}}]') for value in VALUES]
    lines += [doc(b'"attributes":[{"key":"k","value":%s}]'.decode("latin-1") % value.decode("latin-1")).decode("latin-1").encode("latin-1") for value in RAW_VALUES]  # fmt: skip
    lines += [
        doc(f'"attributes":[{{"key":"{key}","value":{{"stringValue":"{text}"}}}}]')
        for key in KEYS_AND_STATUS
        for text in STATUS_TEXTS
    ]
    lines += [doc(member) for member in SPAN_MEMBERS]
    lines += [doc("").replace(b'"startTimeUnixNano":"1544712660000000000"', f'"startTimeUnixNano":{t}'.encode()) for t in TIME_VALUES]  # fmt: skip
    lines += [doc("").replace(b"5B8EFFF7", bad) for bad in (b"5B8EFFF", b"5B8EFFF77", b"\\u0035B8EFFF", b"5B8EFFFG")]  # fmt: skip
    resources = [
        "null", "{}", '{"attributes":null}', '{"attributes":[{"key":"service.name","value":{"intValue":"5"}}]}',
        '{"attributes":[{"key":"service.name","value":{"stringValue":"a"}},{"key":"service.name","value":{"stringValue":"b"}}]}',
        '{"attributes":[{"key":"service\\u002ename","value":{"stringValue":"escaped"}}]}',
        '{"attributes":[{"key":"service.name","value":{"stringValue":""}}]}',
        '{"attributes":[{"key":"service.name","value":null}]}', '{"attributes":[{"key":"service.name"}]}',
        '{"attributes":[{"key":"service.name","value":{"arrayValue":{}}}]}', '[]',
    ]  # fmt: skip
    lines += [doc("", resource) for resource in resources]
    lines.append(b'{"resourceSpans":[{"scopeSpans":[{"spans":[{' + IDS.encode() + b'}]}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late"}}]}}]}')  # fmt: skip
    return lines + DOCUMENTS
