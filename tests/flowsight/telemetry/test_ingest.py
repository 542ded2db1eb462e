"""File ingest: Collector file-exporter JSON Lines (gzip too) and framed protobuf, all or nothing."""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from test_receiver import request

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import compact, ingest_files, open_store
from flowsight.telemetry.store import connect, segment_files, span_count


def test_json_lines_gzip_and_protobuf(tmp_path: Path):
    lines = tmp_path / "traces.jsonl.gz"
    with gzip.open(lines, "wt") as handle:
        for batch in range(3):
            handle.write(json.dumps(request(4, batch * 4)) + "\n")
    proto = tmp_path / "traces.binpb"
    frames = b""
    for batch in range(2):
        message = ExportTraceServiceRequest()
        payload = request(2, 100 + batch * 2)
        for span in payload["resourceSpans"][0]["scopeSpans"][0]["spans"]:
            # protobuf JSON wants base64 ids; OTLP JSON uses hex: convert for the fixture.
            import base64

            span["traceId"] = base64.b64encode(bytes.fromhex(span["traceId"])).decode()
            span["spanId"] = base64.b64encode(bytes.fromhex(span["spanId"])).decode()
        json_format.ParseDict(payload, message)
        data = message.SerializeToString()
        frames += struct.pack(">I", len(data)) + data
    proto.write_bytes(frames)
    seen = []
    report = ingest_files(
        [lines, proto], tmp_path / "store", progress=lambda a, t, n: seen.append(n)
    )
    assert (report.files, report.spans) == (2, 16)
    store = open_store(tmp_path / "store")
    ids = connect(store).execute("SELECT trace_id FROM spans ORDER BY trace_id").fetchall()
    assert ids[0][0] == f"{1:032x}" and seen
    assert compact(store) == 2 and len(segment_files(store)) == 1 and span_count(store) == 16


def test_malformed_line_names_file_and_line_and_stores_nothing(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(request(2))
        + "\n"
        + '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 7}]}]}]}\n'
    )
    with pytest.raises(MalformedTelemetry) as caught:
        ingest_files([path], tmp_path / "store")
    assert f"{path}:2" in caught.value.message and "traceId" in caught.value.message
    assert span_count(open_store(tmp_path / "store")) == 0


def test_cli_reports_user_mistakes_without_traceback(tmp_path: Path):
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowsight",
            "ingest",
            str(tmp_path / "missing.jsonl"),
            "--db",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
    )
    assert (
        answer.returncode == 2
        and "no such file" in answer.stderr
        and "Traceback" not in answer.stderr
    )
    plain = tmp_path / "plain"
    plain.mkdir()
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowsight",
            "evaluate",
            "examples/relecloud/workload.yaml",
            "--db",
            str(plain),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert answer.returncode == 2 and "not a flowsight telemetry store" in answer.stderr
