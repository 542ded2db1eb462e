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
from json_native_cases import SPACES, Builder, corpus, doc, render
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


@pytest.mark.parametrize("line", corpus())
def test_tricky_text_is_declined_or_equal(line: bytes):
    good = doc('"attributes":[{"key":"http.route","value":{"stringValue":"/a"}}]')
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
