"""The native OTLP decoder (_otlp_wire.c): for every body, the Python path's exact table or None.

Bodies are written field by field (tests/flowsight/telemetry/otlp_wire_cases.py), so
fields come in any order, repeat, carry unknown numbers, wrong wire types, invalid
UTF-8 and every AnyValue kind, and are then truncated or have bytes flipped. Each one
is decoded by both paths: the native one must decline (None) or give exactly the
table and clamped count of otlp_proto + SpanColumns. Ordinary bodies, made by the
OpenTelemetry SDK's own encoder and by Relecloud's, must never be declined.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from otlp_wire_cases import (
    DECLINED,
    EXACT,
    ORDINARY,
    bodies,
    double_span,
    mutated,
    sdk_body,
    sdk_requests,
)

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import open_store, otlp_native
from flowsight.telemetry.otlp_native import decode_table, schema_differences
from flowsight.telemetry.otlp_proto import decode_request, parse_message
from flowsight.telemetry.receiver import make_app
from flowsight.telemetry.spans import SCHEMA, SpanColumns
from flowsight.telemetry.store import connect, span_count

PROTOBUF = {"content-type": "application/x-protobuf"}
MANY = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


def python_path(body: bytes) -> tuple[pa.Table, int] | None:
    """What the receiver stored before the native decoder: the table, or None for a 400."""
    columns = SpanColumns()
    try:
        for span in decode_request(parse_message(body, "request"), "request"):
            columns.add(span)
    except MalformedTelemetry:
        return None
    return columns.table(), columns.clamped


def same_or_declined(body: bytes) -> bool:
    """Assert the contract for one body; True when the native decoder declined it."""
    native = decode_table(body)
    if native is None:
        return True
    table, clamped = native
    table.validate(full=True)
    expected = python_path(body)
    assert expected is not None, "native accepted a body the Python path refuses"
    assert table.schema == SCHEMA
    assert table.to_pylist() == expected[0].to_pylist()
    assert table.equals(expected[0])
    assert clamped == expected[1]
    return False


def test_the_native_module_is_built_and_matches_the_installed_schema() -> None:
    """Fails when the C extension did not build (setup.py marks it optional)."""
    from flowsight.telemetry import _otlp_wire  # type: ignore[attr-defined]

    assert schema_differences(_otlp_wire.schema()) == []
    assert otlp_native.AVAILABLE


def test_a_field_the_table_lacks_turns_the_native_path_off() -> None:
    from flowsight.telemetry import _otlp_wire  # type: ignore[attr-defined]

    table = _otlp_wire.schema()
    missing = [row for row in table if not (row[0].endswith(".Span") and row[1] == 3)]
    retyped = [(*row[:2], "bytes", *row[3:]) if row[1:3] == (5, "string") else row for row in table]
    assert schema_differences(missing) == ["opentelemetry.proto.trace.v1.Span.trace_state"]
    assert "opentelemetry.proto.trace.v1.Span.name" in schema_differences(retyped)


@pytest.mark.parametrize(("name", "body"), EXACT, ids=[name for name, _ in EXACT])
def test_unusual_but_exact_bodies_are_decoded_natively(name: str, body: bytes) -> None:
    assert not same_or_declined(body), f"{name} was declined"


@pytest.mark.parametrize(("name", "body"), DECLINED, ids=[name for name, _ in DECLINED])
def test_bodies_only_python_can_answer_exactly_are_declined(name: str, body: bytes) -> None:
    assert decode_table(body) is None


@MANY
@given(body=bodies())
def test_generated_bodies_are_decoded_exactly_or_declined(body: bytes) -> None:
    same_or_declined(body)


@MANY
@given(data=st.data())
def test_truncated_and_flipped_bodies_are_decoded_exactly_or_declined(data: Any) -> None:
    same_or_declined(data.draw(mutated(data.draw(bodies()))))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches=ORDINARY)
def test_ordinary_sdk_bodies_are_never_declined(batches: list[Any]) -> None:
    declined = [body for body in sdk_requests(batches) if same_or_declined(body)]
    assert declined == []


def test_relecloud_and_bench_bodies_are_never_declined() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from receiver_bench import make_body

    from relecloud.otlp_wire import encode_request

    spans, stock = sdk_body()
    for body in (make_body(3), stock, encode_request(spans)):
        assert not same_or_declined(body)
        assert decode_table(body)[0].num_rows == len(  # type: ignore[index]
            [s for r in ExportTraceServiceRequest.FromString(body).resource_spans
             for ss in r.scope_spans for s in ss.spans]
        )  # fmt: skip


def test_threads_decoding_at_once_get_their_own_exact_tables() -> None:
    """The parse runs without the GIL and takes it back to format doubles."""
    bodies_ = [double_span(value) for value in (0.1, 1e16, -0.0, 5e-324, 1.5, 2e-7)]
    expected = [python_path(body) for body in bodies_]
    failures: list[str] = []

    def work(index: int) -> None:
        for _ in range(200):
            table, _ = decode_table(bodies_[index])  # type: ignore[misc]
            if not table.equals(expected[index][0]):  # type: ignore[index]
                failures.append(f"body {index}")

    threads = [threading.Thread(target=work, args=(i % len(bodies_),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_bytes_like_bodies_and_wrong_types() -> None:
    body = double_span(0.5)
    assert decode_table(bytearray(body)) is not None
    assert decode_table(memoryview(body)) is not None
    from flowsight.telemetry import _otlp_wire  # type: ignore[attr-defined]

    with pytest.raises(TypeError):
        _otlp_wire.decode("not bytes")


def _python_answer(body: bytes) -> tuple[int, str | None]:
    """The status and 400 message the receiver gave before the native decoder."""
    try:
        for _ in decode_request(parse_message(body, "request"), "request"):
            pass
    except MalformedTelemetry as error:
        return 400, error.message
    return 200, None


def test_the_receiver_answers_and_stores_as_before(tmp_path: Path) -> None:
    """Every fixed case end to end: the same status, the same 400 text, the same rows
    (a declined body is stored by the Python path, duplicate keys as a dict keeps them)."""
    from fastapi.testclient import TestClient
    from google.rpc import status_pb2

    store = open_store(tmp_path / "store", create=True)
    http = TestClient(make_app(store))
    expected_rows = 0
    for name, body in EXACT + DECLINED:
        answer = http.post("/v1/traces", content=body, headers=PROTOBUF)
        status, message = _python_answer(body)
        assert answer.status_code == status, name
        if message is not None:
            assert status_pb2.Status.FromString(answer.content).message == message, name
        else:
            expected_rows += python_path(body)[0].num_rows  # type: ignore[index]
    assert span_count(store) == expected_rows
    with connect(store) as connection:
        stored = connection.execute(
            "SELECT attributes FROM spans WHERE map_contains(attributes, 'k')"
        )
        maps = [row[0] for row in stored.fetchall()]
    assert {"k": "a"} in [dict(m) for m in maps]  # "duplicate attribute keys": one key, last value
