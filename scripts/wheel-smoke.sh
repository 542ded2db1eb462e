#!/usr/bin/env bash
# The lean install works: build the wheel, install it WITHOUT extras into a fresh
# venv in a temporary folder, and run every command's --help, then
# init -> check -> ingest -> evaluate -> report -> export (and docs, cost, review,
# discover -> check -> drift)
# on the shipped Relecloud example, from a folder outside the checkout.
# Fails on any import error, and when the base install pulls in the demo app's
# stack (SQLAlchemy, psycopg, redis, argon2) or the test stack (chdb, pandas).
# Run by `make test` (target wheel-smoke); needs python3 and the package index.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
step() { printf 'wheel-smoke: %s\n' "$*"; }

step "copying the checkout (tracked and new files) to build it clean"
mkdir "$work/src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - -cf -) | tar -xf - -C "$work/src"

step "building the wheel"
"$PYTHON" -m venv "$work/venv"
venv="$work/venv/bin"
"$venv/python" -m pip install -q --upgrade pip
"$venv/python" -m pip wheel -q --no-deps -w "$work/dist" "$work/src"
wheel="$(ls "$work"/dist/flowsight-*.whl)"

step "installing $(basename "$wheel") without extras"
"$venv/python" -m pip install -q "$wheel"

step "the base install holds none of the extras' packages"
"$venv/python" - <<'PY'
import importlib.util
import sys

forbidden = ["sqlalchemy", "psycopg", "redis", "argon2", "chdb", "pandas",
             "alembic", "clickhouse_connect"]
present = [name for name in forbidden if importlib.util.find_spec(name) is not None]
if present:
    sys.exit(f"wheel-smoke: the base install contains {present}")
PY

step "the wheel ships py.typed and the example as package data"
"$venv/python" - <<'PY'
from importlib.resources import files

for name in ("py.typed", "examples/relecloud/workload.yaml", "starter_workload.yaml"):
    if not files("flowsight").joinpath(name).is_file():
        raise SystemExit(f"wheel-smoke: the wheel lacks flowsight/{name}")
PY

step "the wheel carries the compiled native OTLP decoder, in use"
"$venv/python" -c '
from flowsight.telemetry import otlp_native
if not otlp_native.AVAILABLE:
    raise SystemExit("wheel-smoke: flowsight.telemetry._otlp_wire is missing or off")
'

step "the wheel carries the compiled native OTLP/JSON decoder, in use"
"$venv/python" -c '
from flowsight.telemetry import json_native
if not json_native.AVAILABLE or json_native.decode_block(b"{}", True) is None:
    raise SystemExit("wheel-smoke: flowsight.telemetry._otlp_json is missing or off")
'

step "importing every flowsight module"
"$venv/python" - <<'PY'
import importlib
import pkgutil

import flowsight

names = [m.name for m in pkgutil.walk_packages(flowsight.__path__, "flowsight.")]
for name in names:
    if not name.endswith(".__main__"):
        importlib.import_module(name)
print(f"wheel-smoke: imported {len(names)} modules")
PY

step "every command's --help"
commands="$("$venv/python" -c 'from flowsight.cli import COMMANDS; print(*COMMANDS)')"
"$venv/flowsight" --help >/dev/null
for command in $commands; do
  "$venv/flowsight" "$command" --help >/dev/null
done

run="$work/run"
mkdir "$run"
cd "$run"
fs="$venv/flowsight"

step "init --example relecloud and check, outside the checkout"
"$fs" init --example relecloud example >/dev/null
"$fs" check example/workload.yaml >/dev/null

step "a starter that checks clean"
"$fs" init starter >/dev/null
"$fs" check starter/workload.yaml >/dev/null

step "ingest an OTLP file made by the tests' traffic generator"
PYTHONPATH="$work/src" "$venv/python" -c '
from datetime import UTC, datetime
from pathlib import Path
from tests.flowsight.report.traffic import write_jsonl
write_jsonl(Path("traces.jsonl"), datetime(2026, 11, 25, 21, tzinfo=UTC), days=2)
'
"$fs" ingest traces.jsonl --db store

now=2026-11-25T21:00:00Z
step "evaluate, report, docs, cost and review"
"$fs" evaluate example/workload.yaml --db store --now "$now" --window 2d --fail-on none | cat
"$fs" report example/workload.yaml --db store --now "$now" --window 2d -o report.html
test -s report.html
"$fs" docs example/workload.yaml -o flows >/dev/null
"$fs" cost example/workload.yaml --db store --now "$now" >/dev/null || [ $? -eq 1 ]
"$fs" review example/workload.yaml --db store --now "$now" --no-save -o review.md || [ $? -eq 1 ]
test -s review.md

step "discover a draft from the store, check it, and find no drift against the same traces"
"$fs" discover --db store --to "$now" --window 2d -o draft.yaml
"$fs" check draft.yaml >/dev/null
"$fs" drift draft.yaml --db store --to "$now" --window 2d

step "export every format"
# An assignment, not the loop's word list, so that a failing import stops the script.
formats="$("$venv/python" -c 'from flowsight.export.registry import exporters; print(*exporters())')"
test -n "$formats"
for format in $formats; do
  "$fs" export "$format" example/workload.yaml -o "export.$format" 2>/dev/null
  test -s "export.$format"
done

step "demo without the relecloud extra: exit 2 and the pip command"
set +e
"$fs" demo --short -o demo-output 2>demo.err
status=$?
set -e
if [ "$status" -ne 2 ] || ! grep -q "pip install 'flowsight\[relecloud\]'" demo.err; then
  cat demo.err >&2
  echo "wheel-smoke: flowsight demo without the extra should exit 2 naming the pip command" >&2
  exit 1
fi
step "passed"
