"""File ingest through DuckDB stores exactly what the strict Python decoder stores,
and hands every file it cannot decode exactly back to that decoder."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from flowsight.errors import MalformedTelemetry
from flowsight.telemetry import ingest_files, open_store
from flowsight.telemetry.files import _python_ingest
from flowsight.telemetry.otlp_duckdb import EngineDeclined, stage_json_lines
from flowsight.telemetry.store import connect, discard, publish


def _kv(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


def _span(number: int, **extra: object) -> dict:
    span = {
        "traceId": f"{number:032X}",
        "spanId": f"{number:016x}",
        "name": f"span {number}",
        "kind": 2,
        "startTimeUnixNano": str(1_790_000_000_000_000_000 + number),
        "endTimeUnixNano": 1_790_000_000_000_000_000 + number * 1000,
        "attributes": [],
    }
    span.update(extra)
    return span


def _line(*spans: dict, service: str | None = "shop") -> str:
    resource = {"attributes": [_kv("service.name", {"stringValue": service})]} if service else {}
    document = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": list(spans)}]}]}
    return json.dumps(document) + "\n"


VARIED = [
    _line(
        _span(
            1,
            attributes=[
                _kv("http.request.method", {"stringValue": "GET"}),
                _kv("http.route", {"stringValue": "/items/{id}"}),
                _kv("url.path", {"stringValue": "/items/7?x=1"}),
                _kv("http.response.status_code", {"intValue": 503}),
                _kv("enduser.id", {"stringValue": "u1"}),
                _kv("retry", {"boolValue": True}),
                _kv("ratio", {"doubleValue": "0.5"}),
                _kv("big", {"intValue": "0042"}),
            ],
            status={"code": 2, "message": "boom"},
            parentSpanId="00000000000000AA",
        ),
        _span(2, kind=1, status={}, attributes=None),
    ),
    _line(
        _span(
            3,
            name=None,
            attributes=[
                _kv("http.method", {"stringValue": "POST"}),
                _kv("http.target", {"stringValue": "/cart/add"}),
                _kv("http.status_code", {"stringValue": "404"}),
                _kv("user.id", {"stringValue": ""}),
                _kv("user_agent.synthetic.type", {"stringValue": "bot"}),
                _kv("empty", {}),
            ],
        ),
        service=None,
    ),
    "\n",
    _line(),
    json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": [_kv("service.name", {"stringValue": name})]},
                    "scopeSpans": [{"spans": [_span(base + i)]} for i in range(2)],
                }
                for name, base in (("a", 10), ("b", 20))
            ]
        }
    )
    + "\n",
]


def _rows(store_path: Path) -> list[tuple]:
    with connect(open_store(store_path)) as connection:
        return connection.execute("SELECT * FROM spans ORDER BY span_id").fetchall()


def _write(path: Path, lines: list[str], compress: bool = False) -> Path:
    text = "".join(lines)
    if compress:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_engine_and_python_store_identical_rows(tmp_path: Path, compress: bool):
    source = _write(tmp_path / "t.jsonl", VARIED, compress)
    engine = open_store(tmp_path / "engine", create=True)
    staged, count = stage_json_lines(engine, source, compress, lambda share: None)
    publish(engine, staged)
    python = open_store(tmp_path / "python", create=True)
    assert _python_ingest(python, source, None) == count == 7
    assert _rows(engine.path) == _rows(python.path)
    row = _rows(engine.path)[0]
    assert row[:3] == (f"{1:032x}", f"{1:016x}", "00000000000000aa") and row[12] == 503


@pytest.mark.parametrize(
    "span",
    [
        _span(1, traceId=7),
        _span(1, kind="2"),
        _span(1, kind=9),
        _span(1, startTimeUnixNano="12a"),
        _span(1, attributes=[_kv("a", {"arrayValue": {"values": []}})]),
        _span(1, attributes=[_kv("a", {"doubleValue": 1.5})]),
        _span(1, attributes=[_kv("a", {"stringValue": "x"}), _kv("a", {"stringValue": "y"})]),
        _span(1, attributes=[_kv("http.status_code", {"stringValue": "2_00"})]),
        _span(1, attributes={"key": "a"}),
        _span(1, status=5),
        _span(1, attributes=[_kv("a", 5)]),
        _span(1, attributes=[_kv("a", {"stringValue": 5})]),
        _span(1, name=7),
    ],
)
def test_engine_declines_what_it_cannot_decode_exactly(tmp_path: Path, span: dict):
    source = _write(tmp_path / "t.jsonl", [_line(_span(2)), _line(_span(3, status={}), span)])
    store = open_store(tmp_path / "s", create=True)
    with pytest.raises(EngineDeclined):
        staged, _ = stage_json_lines(store, source, False, lambda share: None)
        discard(staged)
    assert not list(store.tmp_dir.iterdir())


def test_declined_files_still_ingest_or_fail_with_the_line(tmp_path: Path):
    legal = _write(
        tmp_path / "legal.jsonl",
        [_line(_span(1, attributes=[_kv("a", {"arrayValue": {"values": []}})]))],
    )
    assert ingest_files([legal], tmp_path / "s").spans == 1
    bad = _write(tmp_path / "bad.jsonl", [_line(_span(2)), _line(_span(3, kind="2"))])
    with pytest.raises(MalformedTelemetry) as caught:
        ingest_files([bad], tmp_path / "s")
    assert f"{bad}:2" in caught.value.message and "kind" in caught.value.message
    assert len(_rows(tmp_path / "s")) == 1


def test_engine_reports_progress_to_the_end(tmp_path: Path):
    source = _write(tmp_path / "t.jsonl", VARIED * 50)
    seen: list[int] = []
    report = ingest_files([source], tmp_path / "s", progress=lambda a, t, n: seen.append(a))
    assert report.spans == 350 and sum(seen) == source.stat().st_size


def test_engine_segments_compact_with_python_segments(tmp_path: Path):
    from flowsight.telemetry import SpanRecord, compact, record_spans
    from flowsight.telemetry.store import span_count

    source = _write(tmp_path / "t.jsonl", VARIED)
    store = open_store(tmp_path / "s", create=True)
    ingest_files([source], store)
    record_spans(store, [SpanRecord("a" * 32, "b" * 16, "probe", "GET /", 2, 1, 2)])
    assert compact(store) == 2 and span_count(store) == 8


def test_braces_inside_strings_still_store_the_same_rows(tmp_path: Path):
    source = _write(tmp_path / "t.jsonl", [_line(_span(1, name="a{}b", status={}))])
    assert ingest_files([source], tmp_path / "s").spans == 1
    python = open_store(tmp_path / "p", create=True)
    _python_ingest(python, source, None)
    assert _rows(tmp_path / "s") == _rows(python.path) and _rows(python.path)[0][4] == "a{}b"
