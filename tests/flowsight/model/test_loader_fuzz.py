"""Issue 16 fuzz suite, workload loader: the only outcomes are located findings or success.

Hypothesis feeds raw bytes, YAML-shaped noise (anchors, aliases, tags, flow and block
collections, tabs, control characters, huge numbers, deep nesting) and mutations of the
Relecloud example through `read_workload`, and some through `flowsight check`. Every
run is bounded: a fixed number of examples, a deadline per example, and a timeout for
the test. An input may be refused as unreadable (InputError, exit code 2, naming the
file) or answered with findings that each name a file, line and column; a traceback, a
hang or an unlocated finding fails the test.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsight.errors import InputError
from flowsight.load import read_workload
from tests.flowsight.conftest import EXAMPLE, run_cli

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
FUZZ = settings(
    max_examples=120,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
TOKENS = [
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!custom ",
    "? ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "#",
    "'",
    '"',
    "|\n",
    ">-\n",
    "\t",
    "\n",
    "\n  ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\\u0000",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "999999999999999999999999999d",
    "1e400",
    "-.inf",
    ".nan",
    "0x",
    "0o9",
    "2026-13-45",
    "workload:",
    "flows:",
    "id:",
    "window: 0d",
    "threshold: 99999999999999999999w",
    "availability: 1e309",
    "[" * 60,
    "{a: " * 40,
]
yamlish = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(string.ascii_letters + " -:._", max_size=8)),
    max_size=60,
).map("".join)


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "workload.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _assert_only_located_outcomes(path: Path) -> None:
    try:
        result = read_workload(path)
    except InputError as error:
        assert str(path) in error.message, error.message
        return
    for finding in result.findings:
        assert finding.file is not None and finding.line is not None, finding
        assert finding.column is not None and finding.line >= 1, finding
    if result.loaded is None:
        assert any(f.severity == "error" for f in result.findings)


@pytest.mark.timeout(300)
@FUZZ
@given(content=st.binary(max_size=400))
def test_raw_bytes(tmp_path: Path, content: bytes) -> None:
    _assert_only_located_outcomes(_write(tmp_path, content))


@pytest.mark.timeout(300)
@FUZZ
@given(content=yamlish)
def test_yaml_shaped_noise(tmp_path: Path, content: str) -> None:
    _assert_only_located_outcomes(_write(tmp_path, content))


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=60)
@given(
    position=st.integers(0, len(EXAMPLE_TEXT)),
    cut=st.integers(0, 40),
    insert=yamlish,
)
def test_mutated_example(tmp_path: Path, position: int, cut: int, insert: str) -> None:
    text = EXAMPLE_TEXT[:position] + insert + EXAMPLE_TEXT[position + cut :]
    _assert_only_located_outcomes(_write(tmp_path, text))


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=25)
@given(content=yamlish)
def test_check_cli_exits_with_a_documented_code(tmp_path: Path, content: str) -> None:
    result = run_cli("check", str(_write(tmp_path, content)))  # raises on a traceback
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
