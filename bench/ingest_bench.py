"""File ingest as whole processes: `flowsight ingest` vs a hand-written DuckDB script vs
json + pandas, on the same OTLP JSON Lines file, in one run.

    .venv/bin/python bench/ingest_bench.py --spans 357000
    .venv/bin/python bench/ingest_bench.py --spans 10000000 --skip-pandas

Each contender is a fresh process (imports included), timed with its peak RSS
(wait4), writing to a fresh output (a store left by an earlier run would add a
compaction to flowsight's time). The file is the Relecloud-like traffic of telemetry_bench.py, 2,000
spans per export request. Both baselines extract what flowsight stores (ids,
service, name, kind, status, start, duration, the HTTP attributes) to Parquet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from telemetry_bench import generate

ROOT = Path(__file__).resolve().parents[1]

HAND_DUCKDB = """
import sys, duckdb
source, target = sys.argv[1], sys.argv[2]
duckdb.sql(f'''
COPY (
  WITH docs AS (
    SELECT json_transform(json, '{{"resourceSpans": [{{"resource": {{"attributes":
      [{{"key": "VARCHAR", "value": {{"stringValue": "VARCHAR"}}}}]}},
      "scopeSpans": [{{"spans": [{{"traceId": "VARCHAR", "spanId": "VARCHAR",
      "parentSpanId": "VARCHAR", "name": "VARCHAR", "kind": "INTEGER",
      "startTimeUnixNano": "UBIGINT", "endTimeUnixNano": "UBIGINT",
      "status": {{"code": "INTEGER"}},
      "attributes": [{{"key": "VARCHAR", "value": {{"stringValue": "VARCHAR",
      "intValue": "VARCHAR"}}}}]}}]}}]}}]}}') AS d
    FROM read_ndjson_objects('{source}', maximum_object_size=67108864)),
  r AS (SELECT unnest(d.resourceSpans) AS r FROM docs),
  sc AS (SELECT r.resource.attributes[1].value.stringValue AS service,
           unnest(r.scopeSpans) AS sc FROM r),
  s AS (SELECT service, unnest(sc.spans) AS s FROM sc),
  m AS (SELECT service, s, map_from_entries(list_transform(s.attributes,
          lambda x: {{'k': x.key, 'v': coalesce(x.value.stringValue, x.value.intValue)}})) AS a FROM s)
  SELECT lower(s.traceId) AS trace_id, lower(s.spanId) AS span_id, service, s.name AS name,
    s.kind AS kind, coalesce(s.status.code, 0) AS status,
    s.startTimeUnixNano AS start_ns, s.endTimeUnixNano - s.startTimeUnixNano AS duration_ns,
    a['http.request.method'] AS http_method, a['http.route'] AS http_route,
    TRY_CAST(a['http.response.status_code'] AS INTEGER) AS http_status, a AS attributes
  FROM m) TO '{target}' (FORMAT parquet, COMPRESSION zstd)''')
"""

JSON_PANDAS = """
import json, sys
import pandas as pd
source, target = sys.argv[1], sys.argv[2]
rows = []
with open(source) as handle:
    for line in handle:
        for resource in json.loads(line)["resourceSpans"]:
            attrs = {a["key"]: a["value"] for a in resource["resource"].get("attributes", [])}
            service = attrs.get("service.name", {}).get("stringValue", "unknown_service")
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    a = {x["key"]: next(iter(x["value"].values())) for x in span.get("attributes", [])}
                    start = int(span["startTimeUnixNano"])
                    rows.append((span["traceId"].lower(), span["spanId"].lower(), service,
                                 span["name"], span.get("kind", 0),
                                 span.get("status", {}).get("code", 0), start,
                                 int(span["endTimeUnixNano"]) - start,
                                 a.get("http.request.method"), a.get("http.route"),
                                 a.get("http.response.status_code")))
frame = pd.DataFrame(rows, columns=["trace_id", "span_id", "service", "name", "kind", "status",
    "start_ns", "duration_ns", "http_method", "http_route", "http_status"])
frame["http_status"] = pd.to_numeric(frame["http_status"], errors="coerce").astype("Int32")
frame.to_parquet(target, compression="zstd")
"""


#: Not a contender: the floor of flowsight's design, `pyarrow.json` parsing the same
#: 16 MB blocks with the schema flowsight cuts for this file, and nothing else.
PARSE_FLOOR = """
import json, sys
import pyarrow as pa, pyarrow.json as pj
from flowsight.telemetry.otlp_schema import fields_used, schema_for
pa.set_memory_pool(pa.system_memory_pool())
source = sys.argv[1]
with open(source, "rb") as handle:
    schema = schema_for(fields_used(json.loads(handle.readline())), False)
    handle.seek(0)
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    rows = 0
    while block := handle.read(16 << 20):
        block += handle.readline()
        rows += pj.read_json(pa.BufferReader(block), pj.ReadOptions(block_size=4 << 20),
                             parse_options=options).num_rows
open(sys.argv[2], "w").write(str(rows))
"""


def _run(command: list[str], output: Path) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB, CPU seconds) of one whole process, writing to a fresh
    `output`. CPU seconds say more than wall time when other work shares the cores."""
    if output.is_dir():
        shutil.rmtree(output)
    output.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:4]} failed")
    return took, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans", type=int, default=357_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--skip-pandas", action="store_true", help="For the 10 M run.")
    parser.add_argument(
        "--floor", action="store_true", help="Also time pyarrow.json parsing alone (a floor)."
    )
    options = parser.parse_args()
    scratch = options.dir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    source = scratch / "spans.jsonl"
    if not source.exists():
        generate(source, options.spans)
    print(f"{options.spans:,} spans, {source.stat().st_size / 2**20:.0f} MiB of OTLP JSON Lines")
    (scratch / "hand_duckdb.py").write_text(HAND_DUCKDB)
    (scratch / "json_pandas.py").write_text(JSON_PANDAS)
    (scratch / "parse_floor.py").write_text(PARSE_FLOOR)
    contenders = {
        "flowsight ingest": ([sys.executable, "-m", "flowsight", "ingest", str(source), "--db"],
                             scratch / "db"),
        "hand DuckDB script": ([sys.executable, str(scratch / "hand_duckdb.py"), str(source)],
                               scratch / "hand.parquet"),
        "json + pandas": ([sys.executable, str(scratch / "json_pandas.py"), str(source)],
                          scratch / "pandas.parquet"),
    }  # fmt: skip
    if options.skip_pandas:
        del contenders["json + pandas"]
    if options.floor:
        contenders["(floor) pyarrow.json parse only"] = (
            [sys.executable, str(scratch / "parse_floor.py"), str(source)],
            scratch / "floor.txt",
        )
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in contenders}
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for _ in range(options.repeat):
        for name, (command, output) in contenders.items():
            results[name].append(_run([*command, str(output)], output))
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    best = {name: min(runs) for name, runs in results.items()}
    ours = best["flowsight ingest"][0]
    for name, (seconds, peak, cpu) in best.items():
        print(
            f"{name}: {seconds:.2f} s, {options.spans / seconds:,.0f} spans/s, peak "
            f"{peak:.0f} MiB, {cpu:.2f} CPU s, flowsight is {seconds / ours:.2f}x as fast"
        )


if __name__ == "__main__":
    main()
