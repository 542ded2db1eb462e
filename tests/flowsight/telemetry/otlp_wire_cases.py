"""OTLP trace requests written field by field, for the native decoder's equality tests.

The protobuf runtime writes fields once, in number order; exporters and hostile
clients need not. These builders put any field anywhere, any number of times, with
any wire type, so the native decoder meets last-wins scalars, merged messages,
oneof members overriding each other, unknown fields, groups and invalid UTF-8.
"""

from __future__ import annotations

import struct
from typing import Any

from hypothesis import strategies as st

SPECIAL_KEYS = [
    "http.request.method", "http.method", "http.response.status_code", "http.status_code",
    "url.path", "http.target", "enduser.id", "user.id", "http.route",
    "user_agent.synthetic.type", "service.name",
]  # fmt: skip
STATUS_TEXTS = [
    "200", "404", "0200", " 200 ", "2e2", "200.7", "-0.5", "nan", "inf", "-1", "1_0", "٢٠٠",
    "abc", "", "2147483647", "2147483648", "99999999999", "1e-400", "+5", "0x10", "200\x00",
]  # fmt: skip
#: Byte strings no UTF-8 decoder accepts: lone byte, surrogate, overlong, past U+10FFFF.
INVALID_UTF8 = [b"\xff", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80", b"ab\xe2\x82"]
MAX_NANOS = 2**63 - 1


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values take ten bytes, as protobuf writes them
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def ld(number: int, payload: bytes) -> bytes:
    return tag(number, 2) + varint(len(payload)) + payload


def vi(number: int, value: int) -> bytes:
    return tag(number, 0) + varint(value)


def f64(number: int, value: int) -> bytes:
    return tag(number, 1) + struct.pack("<Q", value & ((1 << 64) - 1))


def double(number: int, value: float) -> bytes:
    return tag(number, 1) + struct.pack("<d", value)


def text(number: int, value: str) -> bytes:
    return ld(number, value.encode())


# ---- strategies
# `hostile` bodies break a rule somewhere (bad ids, kinds, timestamps, UTF-8, merged
# messages, duplicate keys, values only Python renders); the others stay valid but
# exotic (any field order, repeats, unknown fields, oneof overrides, odd texts).

TEXTS = st.text(max_size=8) | st.sampled_from(["", "GET", "/a?b=1", "?", "é✓", "a\x00"])
INT64 = st.integers(-(2**63), 2**63 - 1)
DOUBLES = st.floats() | st.sampled_from([0.1, 1e16, 1e22, -0.0, 5e-324, 2e-7, 123456789.0])
UNKNOWN = st.builds(
    lambda number, choice, payload: [
        vi(number, payload[0] if payload else 7),
        f64(number, 42),
        ld(number, payload),
        tag(number, 5) + b"\x01\x02\x03\x04",
    ][choice],
    st.integers(17, 2000),
    st.integers(0, 3),
    st.binary(max_size=6),
)


def raw_text(hostile: bool) -> st.SearchStrategy[bytes]:
    valid = TEXTS.map(str.encode)
    return valid | st.sampled_from(INVALID_UTF8) if hostile else valid


def _member(inner: st.SearchStrategy[bytes], hostile: bool) -> st.SearchStrategy[bytes]:
    members = [
        raw_text(hostile).map(lambda raw: ld(1, raw)),
        st.sampled_from(STATUS_TEXTS).map(lambda value: text(1, value)),
        st.sampled_from([0, 1, 2]).map(lambda value: vi(2, value)),
        INT64.map(lambda value: vi(3, value)),
        DOUBLES.map(lambda value: double(4, value)),
        UNKNOWN,
    ]
    if hostile:
        members += [
            st.lists(inner, max_size=2).map(lambda items: ld(5, b"".join(ld(1, i) for i in items))),
            inner.map(lambda value: ld(6, ld(1, text(1, "k") + ld(2, value)))),
            st.binary(max_size=4).map(lambda raw: ld(7, raw)),
            st.integers(0, 3).map(lambda value: vi(8, value)),
        ]
    return st.one_of(members)


def any_values(hostile: bool) -> st.SearchStrategy[bytes]:
    """AnyValue bodies: zero or more oneof members (the last one wins), nested for arrays."""
    return st.recursive(
        st.just(b""),
        lambda inner: st.lists(_member(inner, hostile), max_size=2).map(b"".join),
        max_leaves=6,
    )


KEYS = st.sampled_from(SPECIAL_KEYS) | TEXTS


@st.composite
def key_values(draw: Any, hostile: bool, key: str | None = None) -> bytes:
    key = draw(KEYS) if key is None else key
    fields = [text(1, key)]
    if key in ("http.response.status_code", "http.status_code") and draw(st.booleans()):
        fields.append(ld(2, text(1, draw(st.sampled_from(STATUS_TEXTS)))))
    else:
        counts = [0, 1, 1, 1, 2] if hostile else [0, 1, 1, 1]
        fields += [ld(2, draw(any_values(hostile))) for _ in range(draw(st.sampled_from(counts)))]
    fields += draw(st.lists(UNKNOWN | st.just(vi(3, 1)) | st.just(text(1, key)), max_size=1))
    return b"".join(draw(st.permutations(fields)))


@st.composite
def attribute_list(draw: Any, hostile: bool, size: int = 6) -> list[bytes]:
    """Key/value bodies of one span; mostly distinct keys unless hostile."""
    keys = draw(st.lists(KEYS, max_size=size, unique=not hostile and draw(st.integers(0, 4)) > 0))
    return [draw(key_values(hostile, key)) for key in keys]


def _pick(draw: Any, hostile: bool, valid: list[Any], invalid: list[Any]) -> Any:
    return draw(st.sampled_from(valid + invalid if hostile else valid))


@st.composite
def spans(draw: Any, hostile: bool) -> bytes:
    trace_length = _pick(draw, hostile, [16], [0, 8, 15])
    kinds, times = [0, 1, 2, 3, 4, 5], [0, 1, 10**18, 10**18 + 5, 10**18 + 9, MAX_NANOS]
    fields = [
        ld(1, draw(st.binary(min_size=trace_length, max_size=trace_length))),
        ld(2, draw(st.binary(min_size=8, max_size=8))),
        vi(6, _pick(draw, hostile, kinds, [6, 2**32 + 2, -1])),
        f64(7, _pick(draw, hostile, times, [MAX_NANOS + 1, 2**64 - 1])),
        f64(8, _pick(draw, hostile, times, [MAX_NANOS + 1])),
    ]
    fields += [
        ld(4, b"p" * _pick(draw, hostile, [0, 8], [3])) for _ in range(draw(st.integers(0, 1)))
    ]
    fields += [ld(5, raw) for raw in draw(st.lists(raw_text(hostile), max_size=2))]
    fields += [ld(9, kv) for kv in draw(attribute_list(hostile))]
    codes = st.lists(st.sampled_from([0, 1, 2, 3] if hostile else [0, 1, 2]), max_size=2)
    statuses = codes.map(lambda codes: b"".join(vi(3, c) for c in codes) + text(2, "m"))
    fields += [ld(15, s) for s in draw(st.lists(statuses, max_size=2 if hostile else 1))]
    event = attribute_list(True, 2).map(
        lambda kvs: f64(1, 5) + text(2, "exception") + b"".join(ld(3, kv) for kv in kvs)
    )
    fields += [ld(11, e) for e in draw(st.lists(event, max_size=1))]
    fields += draw(st.lists(st.sampled_from([text(3, "a=b"), vi(10, 2), tag(16, 5) + b"\x01\0\0\0",
                                              ld(13, ld(1, b"t" * 16) + text(3, "x"))]), max_size=2))  # fmt: skip
    fields += draw(st.lists(UNKNOWN, max_size=1))
    return b"".join(draw(st.permutations(fields)))


@st.composite
def bodies(draw: Any, hostile: bool | None = None) -> bytes:
    """A request of one or two resources, each with scopes of spans, in any field order."""
    hostile = draw(st.booleans()) if hostile is None else hostile
    resources = []
    for _ in range(draw(st.integers(1, 2))):
        names = st.lists(st.sampled_from(["service.name", "host.name", "service.name"]), max_size=3)
        service = [draw(key_values(hostile, name)) for name in draw(names)]
        resource = b"".join(ld(1, kv) for kv in service) + draw(st.sampled_from([b"", vi(2, 1)]))
        scope = (
            text(1, "io.opentelemetry") + text(2, "1.0") + ld(3, text(1, "k") + ld(2, text(1, "v")))
        )
        scopes = [
            ld(1, scope)
            + b"".join(
                ld(2, s)
                for s in draw(st.lists(spans(hostile), min_size=0 if hostile else 1, max_size=3))
            )
        ]
        fields = [ld(2, s) for s in scopes]
        fields += [ld(1, resource)] * _pick(draw, hostile, [0, 1, 1], [2])
        fields += draw(st.lists(UNKNOWN | st.just(text(3, "https://schema")), max_size=1))
        resources.append(b"".join(draw(st.permutations(fields))))
    return b"".join(ld(1, r) for r in resources) + b"".join(draw(st.lists(UNKNOWN, max_size=1)))


def mutated(body: bytes) -> st.SearchStrategy[bytes]:
    """The body cut short, or with a few bytes replaced."""
    if not body:
        return st.just(body)
    cut = st.integers(0, len(body) - 1).map(lambda n: body[:n])

    @st.composite
    def flipped(draw: Any) -> bytes:
        out = bytearray(body)
        for _ in range(draw(st.integers(1, 3))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        return bytes(out)

    return cut | flipped()


# ---- fixed cases


def span(*extra: bytes, attributes: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """A request with one valid span, the extra fields appended to it."""
    body = ld(1, b"\x01" * 16) + ld(2, b"\x02" * 8) + text(5, "GET /") + vi(6, 2)
    body += f64(7, 10**18) + f64(8, 10**18 + 5) + b"".join(ld(9, kv) for kv in attributes)
    return request(body + b"".join(extra))


def request(*span_bodies: bytes, resource: bytes = b"") -> bytes:
    scope = b"".join(ld(2, s) for s in span_bodies)
    return ld(1, (ld(1, resource) if resource else b"") + ld(2, scope))


def attribute(key: str, value: bytes) -> bytes:
    return text(1, key) + ld(2, value)


def _deep_array(depth: int) -> bytes:
    value = vi(3, 1)
    for _ in range(depth):
        value = ld(5, ld(1, value))
    return value


#: The smallest valid span: its two ids.
MINIMAL = ld(1, b"\x01" * 16) + ld(2, b"\x02" * 8)


def double_span(value: float) -> bytes:
    return span(attributes=[attribute("ratio", double(4, value)),
                            attribute("http.status_code", double(4, value))])  # fmt: skip


EXACT = [
    ("empty request", b""),
    ("unknown fields everywhere", span(vi(99, 1), ld(100, b"\xff\xff"), f64(101, 1)) + vi(77, 3)),
    ("name twice, the last wins", span(text(5, "second"))),
    ("oneof: the last member wins", span(attributes=[attribute("k", text(1, "a") + vi(3, 7))])),
    ("unset value is empty text", span(attributes=[text(1, "http.route")])),
    ("value before key", span(attributes=[ld(2, text(1, "v")) + text(1, "k")])),
    ("bool other than 0/1 is true", span(attributes=[attribute("b", vi(2, 2))])),
    ("int64 minimum", span(attributes=[attribute("i", vi(3, -(2**63)))])),
    ("status code as text", span(attributes=[attribute("http.status_code", text(1, " 2e2 "))])),
    ("status code past int32", span(attributes=[attribute("http.status_code", vi(3, 2**31))])),
    ("empty stable key falls back", span(attributes=[attribute("url.path", text(1, "")),
                                                     attribute("http.target", text(1, "/a?q"))])),
    ("service from an int, the last one", request(
        MINIMAL,
        resource=ld(1, attribute("service.name", text(1, "a")))
        + ld(1, attribute("service.name", vi(3, 5))),
    )),
    ("resource after its spans", ld(1, ld(2, ld(2, ld(1, b"\x01" * 16) + ld(2, b"\x02" * 8)))
                                 + ld(1, ld(1, attribute("service.name", text(1, "late")))))),
    ("arrays in events are only checked", span(ld(11, ld(3, attribute("a", ld(5, ld(1, vi(3, 1)))))))),
    ("clamped: no start", span(f64(7, 0))),
    ("doubles as Python prints them", double_span(1e16)),
]  # fmt: skip
DECLINED = [
    ("truncated", span()[:-3]),
    ("duplicate attribute keys", span(attributes=[attribute("k", text(1, "a"))] * 2)),
    ("status twice", span(ld(15, vi(3, 1)), ld(15, vi(3, 2)))),
    ("value twice in a key/value", span(attributes=[attribute("k", text(1, "a")) + ld(2, vi(3, 1))])),
    ("bytes value", span(attributes=[attribute("k", ld(7, b"\x00"))])),
    ("array value", span(attributes=[attribute("k", ld(5, b""))])),
    ("kvlist service.name", request(MINIMAL, resource=ld(1, attribute("service.name", ld(6, b""))))),
    ("invalid UTF-8 in a name", span(ld(5, b"\xed\xa0\x80"))),
    ("invalid UTF-8 in an event", span(ld(11, ld(2, b"\xff")))),
    ("group wire type", span(tag(50, 3) + tag(50, 4))),
    ("known field, other wire type", span(vi(5, 1))),
    ("kind out of range", span(vi(6, 6))),
    ("kind past 32 bits", span(vi(6, 2**32 + 2))),
    ("timestamp past int64", span(f64(8, MAX_NANOS + 1))),
    ("short trace id", span(ld(1, b"\x01" * 15))),
    ("resource twice", ld(1, ld(1, b"") + ld(1, b"") + ld(2, ld(2, MINIMAL)))),
    ("nesting past the cap", span(ld(11, ld(3, attribute("deep", _deep_array(40)))))),
]  # fmt: skip


# ---- ordinary bodies from the OpenTelemetry SDK


def sdk_body() -> tuple[Any, bytes]:
    """Spans as an instrumented service makes them, and the SDK encoder's body."""
    return _sdk_spans([("relecloud", {"app.flow": "list-concerts", "http.response.status_code": 200,
                                      "app.cache.hit": True, "ratio": 0.25, "enduser.id": "ann"})])  # fmt: skip


def _sdk_spans(specs: list[tuple[str, dict[str, Any]]]) -> tuple[Any, bytes]:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, Status, StatusCode

    exporter = InMemorySpanExporter()
    for service, attributes in specs:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("relecloud.middleware", "1.0")
        with tracer.start_as_current_span("GET /concerts", kind=SpanKind.SERVER,
                                          attributes=attributes) as outer:  # fmt: skip
            outer.add_event("cache", {"hit": True, "size": 3})
            with tracer.start_as_current_span("SELECT concerts", kind=SpanKind.CLIENT) as inner:
                inner.set_status(Status(StatusCode.ERROR, "boom"))
                inner.record_exception(ValueError("bad"))
    spans = exporter.get_finished_spans()
    return spans, encode_spans(spans).SerializeToString()


SCALARS = st.text(max_size=12) | st.integers(-(2**63), 2**63 - 1) | st.booleans() | st.floats()
ATTRIBUTES = st.dictionaries(st.sampled_from(SPECIAL_KEYS[:-1]) | st.text(max_size=10), SCALARS,
                             max_size=6)  # fmt: skip


#: Batches of (service, attributes) to export with the SDK, one request per batch.
ORDINARY = st.lists(
    st.lists(st.tuples(st.text(max_size=10), ATTRIBUTES), min_size=1, max_size=3),
    min_size=1,
    max_size=3,
)


def sdk_requests(batches: list[list[tuple[str, dict[str, Any]]]]) -> list[bytes]:
    """Bodies the SDK's encoder writes (made in the test: the SDK draws random ids)."""
    return [_sdk_spans(batch)[1] for batch in batches]
