"""Issue 16: durations and windows are range-checked where they are read.

On main `999999999999999999999d` overflowed timedelta (a traceback), and windows of
`0d` or `99999999999d` passed `check`, then broke the exported rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsight.model import parse_duration
from tests.flowsight.conftest import EXAMPLE, run_cli

TEXT = EXAMPLE.read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    path = tmp_path / "workload.yaml"
    path.write_text(TEXT.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize("value", ["999999999999999999999d", "99999999w", "3661d"])
def test_a_huge_duration_is_a_located_finding(tmp_path: Path, value: str) -> None:
    path = _variant(tmp_path, "threshold: 1s}", f"threshold: {value}}}")
    result = run_cli("check", str(path))
    assert result.exit_code == 1, result.output
    line = _line_of(path, value)
    assert f"{path}:{line}:" in result.output
    assert "longer than ten years" in result.output


@pytest.mark.parametrize("window", ["0d", "99999999999d", "367d"])
def test_a_window_out_of_range_is_a_located_finding(tmp_path: Path, window: str) -> None:
    path = _variant(tmp_path, "window: 30d", f"window: {window}")
    result = run_cli("check", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:{_line_of(path, 'window: ' + window)}:" in result.output
    assert "the window must be 1d to 366d" in result.output


def test_the_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    assert parse_duration("3660d").days == 3660
    path = _variant(tmp_path, "window: 30d", "window: 366d")
    assert run_cli("check", str(path)).exit_code in (0, 1)
    assert "the window must be" not in run_cli("check", str(path)).output
