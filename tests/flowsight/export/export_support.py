"""Helpers of the exporter tests: golden files and the real promtool/amtool runners."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowsight.export.base import ExportOptions

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "relecloud" / "workload.yaml"
GOLDEN = Path(__file__).parent / "golden"
#: `make golden` sets this to rewrite the golden files instead of comparing with them.
REFRESH = os.environ.get("FLOWSIGHT_REFRESH_GOLDEN") == "1"
#: Golden files are generated for a fixed horizon so they do not change every day.
GOLDEN_OPTIONS = ExportOptions(horizon_start=datetime(2026, 1, 1, tzinfo=UTC))


def tool(name: str) -> str:
    """Path of a Debian tool the tests run for real; missing tools FAIL (make test installs them)."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; run `bash scripts/system-deps.sh` (make test does)")
    return found


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def check_golden(name: str, text: str) -> None:
    """Compare with golden/<name>; FLOWSIGHT_REFRESH_GOLDEN=1 (`make golden`) rewrites it."""
    path = GOLDEN / name
    if REFRESH:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run `make golden` and review the diff"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended run `make golden`"
    )
