"""OTLP JSON Lines decoded inside DuckDB: the fast path of file ingest.

Why: decoding span by span in Python runs at a few thousand spans a second;
DuckDB parses the JSON (yyjson), unnests resource -> scope -> span, normalizes
the HTTP conventions and writes zstd Parquet segments in bulk, in parallel and
within a memory limit, at a hundred times that rate.

The path is conservative: it accepts a file only when every document has the
shape the OTLP JSON rules allow (checked on `json_structure`, once per line) and
every value passes the same checks the Python decoder makes (hex ids, enums in
range, 64-bit integers as decimal strings or numbers). Anything else - a
malformed line, but also legal rarities such as array or double attribute
values - raises `EngineDeclined`, and the caller runs the strict Python decoder,
which either ingests the file or names the bad line and JSON path. So both paths
store the same rows for the same file.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from flowsight.telemetry.otlp_json import SNAKE_NAMES
from flowsight.telemetry.store import TelemetryStore, staged_name

#: Largest export request (one line) DuckDB reads; a longer line falls back to Python.
MAX_LINE_BYTES = 16 << 20
MEMORY_LIMIT = "1GB"
SEGMENT_BYTES = "128MB"

_STRING = {"VARCHAR"}
_UINT = {"UBIGINT"}
#: 64-bit integers may mix decimal strings and numbers (JSON = a mix); read as text, checked in SQL.
_INT64 = {"VARCHAR", "UBIGINT", "JSON"}
_KV = [{"key": _STRING, "value": {
    "stringValue": _STRING,
    "intValue": {*_INT64, "BIGINT"},
    "boolValue": {"BOOLEAN"},
    "doubleValue": _STRING,
}}]  # fmt: skip
#: The shape a document may have; keys not listed are ignored, as the Python decoder does.
_SHAPE: dict[str, Any] = {"resourceSpans": [{
    "resource": {"attributes": _KV},
    "scopeSpans": [{"spans": [{
        "traceId": _STRING, "spanId": _STRING, "parentSpanId": _STRING, "name": _STRING,
        "kind": _UINT, "startTimeUnixNano": _INT64, "endTimeUnixNano": _INT64,
        "attributes": _KV, "status": {"code": _UINT},
    }]}],
}]}  # fmt: skip
#: For the shape check only: `{}` becomes an object with a key no shape names, because
#: json_structure reports an empty object like a mix of types. (A `{}` inside a string
#: value breaks the copy's JSON, and the file goes to the Python decoder: still exact.)
_MARK_EMPTY = r"""regexp_replace(json, '\{\s*\}', '{"_":0}', 'g')"""
#: Keys the Python decoder understands but this path leaves to it (snake_case field
#: names included: the shape below names only the JSON ones).
_DECLINED = {"arrayValue", "kvlistValue", "bytesValue"} | set(SNAKE_NAMES.values())


class EngineDeclined(Exception):
    """The file is not one the DuckDB path decodes exactly; use the Python decoder."""


def _fits(structure: Any, shape: Any) -> bool:
    """Whether a `json_structure` result fits the allowed shape. NULL fits anything (null
    is the default); JSON means values of different types met at one place, which only
    64-bit integers may do (strings and numbers). Empty objects were marked beforehand
    (`_MARK_EMPTY`), so they do not read as JSON."""
    if structure == "NULL":
        return True
    if isinstance(shape, set):
        return structure in shape
    if isinstance(shape, list):
        return isinstance(structure, list) and _fits(structure[0], shape[0])
    if not isinstance(structure, dict) or _DECLINED & structure.keys():
        return False
    return all(_fits(value, shape[key]) for key, value in structure.items() if key in shape)


@lru_cache(maxsize=256)
def shape_ok(structure: str) -> bool:
    parsed = json.loads(structure)
    return isinstance(parsed, dict) and _fits(parsed, _SHAPE)


def _types(shape: Any) -> Any:
    """The json_transform target for a shape: scalars read as text, checked in SQL."""
    if isinstance(shape, set):
        return "BOOLEAN" if shape == {"BOOLEAN"} else "BIGINT" if shape == _UINT else "VARCHAR"
    if isinstance(shape, list):
        return [_types(shape[0])]
    return {key: _types(value) for key, value in shape.items()}


_MACROS = [
    "CREATE MACRO fs_text(v) AS coalesce(v.stringValue, "
    "CAST(CAST(v.intValue AS BIGINT) AS VARCHAR), CAST(v.boolValue AS VARCHAR), v.doubleValue, '')",
    "CREATE MACRO fs_map(a) AS map(list_transform(a, lambda x: x.key), "
    "list_transform(a, lambda x: fs_text(x.value)))",
    "CREATE MACRO fs_id(x, n) AS CASE WHEN regexp_full_match(x, '[0-9a-fA-F]{' || n || '}') "
    "THEN lower(x) ELSE error('id is not ' || n || ' hex digits') END",
    "CREATE MACRO fs_u64(x) AS CASE WHEN regexp_full_match(x, '[0-9]+') "
    "THEN CAST(x AS BIGINT) ELSE error('not a 64-bit unsigned integer') END",
    "CREATE MACRO fs_enum(x, top) AS CAST(CASE WHEN coalesce(x, 0) BETWEEN 0 AND top "
    "THEN coalesce(x, 0) ELSE error('enum out of range') END AS TINYINT)",
    # A span without a start or ending before it is clamped to 0 by the Python decoder,
    # which also counts it: leave such files to it.
    "CREATE MACRO fs_duration(s, e) AS CASE WHEN s > 0 AND e >= s THEN e - s "
    "ELSE error('clock out of order') END",
    "CREATE MACRO fs_first(m, a, b) AS coalesce(nullif(m[a], ''), nullif(m[b], ''))",
    "CREATE MACRO fs_status(x) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN regexp_full_match(x, '[0-9]{1,9}') THEN CAST(x AS INTEGER) "
    "ELSE error('HTTP status is not a plain number') END",
]


def _select(source: str) -> str:
    """Spans of every document as rows of `spans.SCHEMA`, conventions normalized."""
    doc = json.dumps(_types(_SHAPE)).replace("'", "''")
    return f"""
WITH docs AS (
  SELECT json_transform(CASE WHEN fs_shape_ok(json_structure({_MARK_EMPTY}))
         AND NOT regexp_matches(json, '\\\\u[dD][89a-fA-F]') THEN json
         ELSE error('document shape outside the fast path') END, '{doc}') AS d FROM {source}),
res AS (SELECT unnest(d.resourceSpans) AS r FROM docs),
scopes AS (SELECT coalesce(fs_map(r.resource.attributes)['service.name'], 'unknown_service')
             AS service, unnest(r.scopeSpans) AS sc FROM res),
spans AS (SELECT service, unnest(sc.spans) AS s FROM scopes),
mapped AS (SELECT service, s, fs_map(s.attributes) AS m FROM spans)
SELECT fs_id(s.traceId, 32) AS trace_id, fs_id(s.spanId, 16) AS span_id,
  CASE WHEN coalesce(s.parentSpanId, '') = '' THEN '' ELSE fs_id(s.parentSpanId, 16) END
    AS parent_span_id,
  service, coalesce(s.name, '') AS name, fs_enum(s.kind, 5) AS kind,
  fs_enum(s.status.code, 2) AS status, fs_u64(s.startTimeUnixNano) AS start_ns,
  fs_duration(fs_u64(s.startTimeUnixNano), fs_u64(s.endTimeUnixNano)) AS duration_ns,
  fs_first(m, 'http.request.method', 'http.method') AS http_method,
  nullif(m['http.route'], '') AS http_route,
  split_part(fs_first(m, 'url.path', 'http.target'), '?', 1) AS url_path,
  fs_status(fs_first(m, 'http.response.status_code', 'http.status_code')) AS http_status,
  fs_first(m, 'enduser.id', 'user.id') AS enduser,
  nullif(m['user_agent.synthetic.type'], '') AS synthetic,
  coalesce(m, MAP {{}}) AS attributes
FROM mapped"""


def _connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    for setting in (
        f"memory_limit = '{MEMORY_LIMIT}'",
        "preserve_insertion_order = false",
        "enable_progress_bar = true",
        "enable_progress_bar_print = false",
    ):
        connection.execute(f"SET {setting}")
    connection.create_function("fs_shape_ok", shape_ok, ["VARCHAR"], "BOOLEAN")
    for macro in _MACROS:
        connection.execute(macro)
    return connection


def _watch(
    connection: duckdb.DuckDBPyConnection, report: Callable[[float], None]
) -> Callable[[], None]:
    """Poll the running query's progress (a fraction) until the returned stop() is called."""
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.25):
            share = connection.query_progress()
            if share >= 0:
                report(min(share, 100.0) / 100)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()

    def stop() -> None:
        done.set()
        thread.join()

    return stop


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def stage_json_lines(
    store: TelemetryStore,
    path: Path,
    compressed: bool,
    report: Callable[[float], None],
    whole_file: bool = False,
) -> tuple[list[Path], int]:
    """Decode one JSON file into staged segments: (staged paths, spans).

    JSON Lines are read in parallel; `whole_file` reads documents laid out any
    way (pretty-printed, one or several). Raises EngineDeclined (nothing staged)
    when the file needs the Python decoder.
    """
    out = store.tmp_dir / f"engine-{uuid.uuid4().hex}"
    compression = "gzip" if compressed else "none"
    size = max(os.stat(path).st_size * (8 if compressed else 1) + 1, MAX_LINE_BYTES)
    source = (
        f"read_json_objects({_quote(path)}, format='unstructured', "
        f"maximum_object_size={min(size, 2**31 - 1)}, compression='{compression}')"
        if whole_file
        else f"read_ndjson_objects({_quote(path)}, maximum_object_size={MAX_LINE_BYTES}, "
        f"compression='{compression}')"
    )
    copy = (
        f"COPY ({_select(source)}) TO {_quote(out)} "
        f"(FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES '{SEGMENT_BYTES}')"
    )
    connection = _connect()
    stop = _watch(connection, report)
    try:
        connection.execute(copy)
        files = sorted(out.glob("*.parquet"))
        count = _count(connection, files)
    except duckdb.Error as error:
        shutil.rmtree(out, ignore_errors=True)
        raise EngineDeclined(str(error)) from None
    finally:
        stop()
        connection.close()
    return _stage(store, out, files), count


def _count(connection: duckdb.DuckDBPyConnection, files: list[Path]) -> int:
    if not files:
        return 0
    listing = ", ".join(_quote(f) for f in files)
    row = connection.execute(
        f"SELECT sum(num_rows) FROM parquet_file_metadata([{listing}])"
    ).fetchone()
    return int(row[0] or 0) if row else 0


def _stage(store: TelemetryStore, out: Path, files: list[Path]) -> list[Path]:
    """fsync the engine's files and move them to staged segment names."""
    staged = []
    for file in files:
        with open(file, "rb+") as handle:
            os.fsync(handle.fileno())
        target = store.tmp_dir / staged_name()
        os.rename(file, target)
        staged.append(target)
    shutil.rmtree(out, ignore_errors=True)
    return staged
