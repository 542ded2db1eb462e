"""Fuzzing the OTLP decoders and the receiver endpoint (hypothesis, bounded examples).

The only outcomes allowed: success (rows the store can hold), a MalformedTelemetry
that says where, or for the endpoint a 4xx with a reason. Never another exception,
never a 5xx.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from test_receiver import request

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import open_store
from flowsight.telemetry.otlp_json import decode_traces, parse_json
from flowsight.telemetry.otlp_proto import decode_request, parse_message
from flowsight.telemetry.receiver import make_app
from flowsight.telemetry.spans import SpanColumns

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TEXT = st.text(alphabet=st.characters(codec=None), max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | st.sampled_from(["", "00" * 8, "ff" * 16, "18446744073709551615", "-1", "1e999", "\ud800"])
)
#: Values that broke the store on main: out of int64, negative, lone surrogates, huge floats.
HOSTILE = st.sampled_from(
    [2**64 - 1, 2**63, -1, "18446744073709551615", "\ud800", "a\udfff", 1e308, "NaN", 99]
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [] if isinstance(node, dict | list) and path else [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _replace(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


def _stored_or_located(decode: Any) -> None:
    try:
        columns = SpanColumns()
        for span in decode():
            columns.add(span)
        columns.table()  # the store's schema must hold every accepted value
    except MalformedTelemetry as error:
        assert error.where and error.reason


@FUZZ
@given(data=st.data())
def test_json_decoder_on_mutated_requests(data: st.DataObject) -> None:
    document = request(2)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _replace(document, path, data.draw(HOSTILE | JSON_VALUES))
    body = json.dumps(document, allow_nan=True).encode("utf-8", "surrogatepass")
    _stored_or_located(lambda: decode_traces(parse_json(body, "request"), "request"))


@FUZZ
@given(body=st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_json_decoder_on_arbitrary_bytes(body: bytes) -> None:
    _stored_or_located(lambda: decode_traces(parse_json(body, "request"), "request"))


def _valid_message() -> bytes:
    message = ExportTraceServiceRequest()
    span = message.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = b"\x01" * 16, b"\x02" * 8, "GET /"
    span.start_time_unix_nano, span.end_time_unix_nano, span.kind = 10**18, 10**18 + 5, 2
    attribute = span.attributes.add()
    attribute.key, attribute.value.int_value = "http.response.status_code", 200
    return message.SerializeToString()


@FUZZ
@given(data=st.data())
def test_protobuf_decoder_on_mutated_and_arbitrary_bytes(data: st.DataObject) -> None:
    body = bytearray(_valid_message())
    for _ in range(data.draw(st.integers(0, 4))):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    body += data.draw(st.binary(max_size=40))
    _stored_or_located(lambda: decode_request(parse_message(bytes(body), "request"), "request"))


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    store = open_store(Path(tmp_path_factory.mktemp("fuzz")) / "store", create=True)
    return TestClient(make_app(store, max_body_bytes=16 * 1024))


@FUZZ
@given(
    body=st.binary(max_size=400)
    | st.just(_valid_message())
    | JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(["application/json", "application/x-protobuf", "text/plain"]),
    encoding=st.sampled_from(["", "gzip", "br"]),
)
def test_receiver_answers_success_or_4xx_with_a_reason(
    endpoint: TestClient, body: bytes, content_type: str, encoding: str
) -> None:
    headers = {"content-type": content_type}
    if encoding:
        headers["content-encoding"] = encoding
    answer = endpoint.post("/v1/traces", content=body, headers=headers)
    assert answer.status_code in (200, 400, 413, 415, 429)
    if answer.status_code != 200:
        if answer.headers["content-type"].startswith("application/json"):
            assert answer.json()["message"]
        else:
            from google.rpc import status_pb2

            assert status_pb2.Status.FromString(answer.content).message
