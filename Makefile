# `make demo` and `make test` work on a fresh machine: they build .venv from
# pyproject.toml and install the Debian packages the tests need when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit wheel-smoke reference system-deps bench clean golden

# setup.py and the C source: an editable install compiles the native OTLP decoder in place.
$(STAMP): pyproject.toml setup.py src/flowsight/telemetry/_otlp_wire.c src/flowsight/telemetry/_otlp_json.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,relecloud,clickhouse]'
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

# The end-to-end demo (docs/flow-tests.md): Relecloud under load with scripted
# faults, measured by flowsight; offline, under 5 minutes on 2 cores.
demo: $(STAMP)
	$(BIN)/flowsight check examples/relecloud/workload.yaml
	$(BIN)/flowsight demo -o demo-output

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

# The lean install: the wheel without extras in a fresh venv runs every command.
wheel-smoke: $(STAMP)
	PYTHON=$(PYTHON) bash scripts/wheel-smoke.sh

test: lint typecheck unit wheel-smoke

# Refresh the golden files of the exporters and generators (review the diff!).
golden: $(STAMP)
	FLOWSIGHT_REFRESH_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden

# Regenerate docs/cli.md and docs/workload.md from `--help` and the model.
reference: $(STAMP)
	FLOWSIGHT_REFRESH_GOLDEN=1 $(BIN)/python -m pytest -q tests/flowsight/cli/test_reference.py

bench: $(STAMP)
	for script in bench/*_bench.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
