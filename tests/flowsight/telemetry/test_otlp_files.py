"""OTLP files as other tools write them: whole-file JSON (pretty or not), gzip, snake_case,
plain and length-delimited protobuf. Each was refused or silently empty on main."""

from __future__ import annotations

import gzip
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from test_receiver import request

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import ingest_files, open_store
from flowsight.telemetry.otlp_duckdb import EngineDeclined, stage_json_lines
from flowsight.telemetry.receiver import make_app
from flowsight.telemetry.store import connect, span_count

FLOWSIGHT = [sys.executable, "-m", "flowsight"]
EXAMPLE = Path(__file__).parent / "fixtures" / "otlp-proto-example-trace.json"
ROW = "SELECT trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns"
EXPECTED = [
    (
        "5b8efff798038103d269b633813fc60c",
        "eee19b7ec3c1b174",
        "eee19b7ec3c1b173",
        "my.service",
        "I'm a server span",
        2,
        1544712660000000000,
        1_000_000_000,
    )
]


def _rows(store_path: Path) -> list[tuple]:
    return connect(open_store(store_path)).execute(f"{ROW} FROM spans ORDER BY span_id").fetchall()


@pytest.mark.parametrize("compress", [False, True])
def test_official_pretty_printed_example_is_ingested_by_the_cli(tmp_path: Path, compress: bool):
    source = tmp_path / ("trace.json.gz" if compress else "trace.json")
    data = EXAMPLE.read_bytes()
    source.write_bytes(gzip.compress(data) if compress else data)
    result = subprocess.run(
        [*FLOWSIGHT, "ingest", str(source), "--db", str(tmp_path / "db")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "ingested 1 spans" in result.stdout
    assert _rows(tmp_path / "db") == EXPECTED


def test_whole_file_goes_through_the_engine_and_matches_python(tmp_path: Path):
    documents = [json.dumps(request(3, 0), indent=2), json.dumps(request(2, 10), indent=4)]
    source = tmp_path / "two.json"
    source.write_text("\n".join(documents))
    engine = open_store(tmp_path / "engine", create=True)
    staged, count = stage_json_lines(engine, source, False, lambda share: None, whole_file=True)
    assert count == 5 and staged
    python = tmp_path / "python"
    from flowsight.telemetry.files import _python_ingest

    assert _python_ingest(open_store(python, create=True), source, None) == 5
    from flowsight.telemetry.store import publish

    publish(engine, staged)
    assert _rows(tmp_path / "engine") == _rows(python)


def test_whole_file_syntax_error_is_located_by_line_and_column(tmp_path: Path):
    source = tmp_path / "bad.json"
    text = json.dumps(request(1), indent=2)
    source.write_text(text.replace('"kind": 2', '"kind": 2,,', 1))
    with pytest.raises(MalformedTelemetry) as caught:
        ingest_files([source], tmp_path / "db")
    line = text[: text.index('"kind"')].count("\n") + 1
    assert re.match(rf"{re.escape(str(source))}:{line}:\d+: not valid JSON", caught.value.message)


def _snake(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        return {re.sub(r"([A-Z])", r"_\1", k).lower(): _snake(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_snake(v) for v in node]
    return node


def test_snake_case_is_read_like_camel_case(tmp_path: Path):
    camel, snake = request(4), _snake(request(4))
    assert "resource_spans" in snake
    lines = tmp_path / "snake.jsonl"
    lines.write_text(json.dumps(snake) + "\n")
    with pytest.raises(EngineDeclined):
        stage_json_lines(open_store(tmp_path / "x", create=True), lines, False, lambda s: None)
    assert ingest_files([lines], tmp_path / "snake").spans == 4
    reference = tmp_path / "camel.jsonl"
    reference.write_text(json.dumps(camel) + "\n")
    ingest_files([reference], tmp_path / "camel")
    by_id = "SELECT trace_id, name, kind, http_status, attributes FROM spans ORDER BY 1"
    assert (
        connect(open_store(tmp_path / "snake")).execute(by_id).fetchall()
        == connect(open_store(tmp_path / "camel")).execute(by_id).fetchall()
    )
    store = open_store(tmp_path / "received", create=True)
    answer = TestClient(make_app(store)).post(
        "/v1/traces", content=json.dumps(snake), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200 and span_count(store) == 4


def _message(spans: int, offset: int) -> bytes:
    message = ExportTraceServiceRequest()
    scope = message.resource_spans.add().scope_spans.add()
    for index in range(spans):
        span = scope.spans.add()
        span.trace_id = (offset + index + 1).to_bytes(16, "big")
        span.span_id = (offset + index + 1).to_bytes(8, "big")
        span.start_time_unix_nano, span.end_time_unix_nano = 10**18, 10**18 + 7
    return message.SerializeToString()


def test_plain_and_delimited_protobuf_gzip_or_not(tmp_path: Path):
    plain = tmp_path / "one.binpb.gz"
    plain.write_bytes(gzip.compress(_message(3, 0)))
    framed = tmp_path / "many.binpb"
    framed.write_bytes(
        b"".join(struct.pack(">I", len(m)) + m for m in (_message(2, 10), _message(2, 20)))
    )
    report = ingest_files([plain, framed], tmp_path / "db")
    assert (report.files, report.spans) == (2, 7)
    durations = connect(open_store(tmp_path / "db")).execute(
        "SELECT DISTINCT duration_ns FROM spans"
    )
    assert durations.fetchall() == [(7,)]


def test_protobuf_files_take_the_native_decoder_and_store_what_python_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from flowsight.telemetry import files

    framed = tmp_path / "many.binpb"
    framed.write_bytes(
        b"".join(struct.pack(">I", len(m)) + m for m in (_message(3, 0), _message(4, 30)))
    )
    native = ingest_files([framed], tmp_path / "native")

    def no_native(*args: object) -> None:
        return None

    monkeypatch.setattr(files, "_native", no_native)
    python = ingest_files([framed], tmp_path / "python")
    assert native.spans == python.spans == 7
    assert _rows(tmp_path / "native") == _rows(tmp_path / "python")

    def python_must_not_run(*args: object) -> int:
        raise AssertionError("the Python decoder ran for an ordinary protobuf file")

    monkeypatch.undo()
    monkeypatch.setattr(files, "_python_ingest", python_must_not_run)
    assert ingest_files([framed], tmp_path / "again").spans == 7


def test_a_declined_protobuf_file_keeps_its_located_error(tmp_path: Path):
    bad = tmp_path / "bad.binpb"
    bad.write_bytes(_message(2, 0)[:-3])
    with pytest.raises(MalformedTelemetry) as caught:
        ingest_files([bad], tmp_path / "db")
    assert str(bad) in str(caught.value)
    assert not (tmp_path / "db" / "segments").exists() or not list(
        (tmp_path / "db" / "segments").iterdir()
    )
