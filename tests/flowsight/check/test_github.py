"""`check --format github`: workflow commands GitHub turns into annotations.

The parser below follows the runner's ActionCommand parsing (split at the
first `::` after the command, properties at `,` and the first `=`, then
unescape %0D, %0A, %3A, %2C and %25 last), so a message with the characters
GitHub reserves must come back exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsight.check.github import annotation, escape_data, escape_property
from flowsight.cli import cli
from flowsight.findings import Finding

from .conftest import RELECLOUD

_UNESCAPE = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]


def _unescape(text: str) -> str:
    for escaped, raw in _UNESCAPE:
        text = text.replace(escaped, raw)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    assert line.startswith("::")
    head, _, message = line[2:].partition("::")
    command, _, props = head.partition(" ")
    properties = {}
    for pair in props.split(","):
        key, _, value = pair.partition("=")
        properties[key] = _unescape(value)
    return command, properties, _unescape(message)


def test_relecloud_warnings_become_annotations_at_their_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(RELECLOUD.parents[2])
    result = CliRunner().invoke(
        cli, ["check", "examples/relecloud/workload.yaml", "--format", "github"]
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(("::warning ", "::notice ")) for line in lines)
    _, properties, message = parse(lines[0])
    assert properties["file"] == "examples/relecloud/workload.yaml"
    assert int(properties["line"]) > 0 and int(properties["col"]) > 0
    assert properties["title"] and message


def test_errors_exit_1_and_unreadable_input_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "w.yaml"
    broken.write_text("workload: {name: x}\nflows: [{id: a}]\n")
    result = CliRunner().invoke(cli, ["check", str(broken), "--format", "github"])
    assert result.exit_code == 1 and result.stdout.startswith("::error ")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "none.yaml"), "--format", "github"])
    assert result.exit_code == 2 and result.stdout.startswith("::error ")


@pytest.mark.parametrize(
    "message",
    ["100% sure: a, b", "line one\nline two\r\n", "::error::injected", "%0A stays literal"],
)
def test_reserved_characters_round_trip(message: str) -> None:
    finding = Finding("x.rule", "error", message, "dir,with:odd%name.yaml", 3, 7, None, "fix: it")
    line = annotation(finding)
    assert "\n" not in line and "\r" not in line
    command, properties, text = parse(line)
    assert command == "error"
    assert properties == {
        "file": "dir,with:odd%name.yaml",
        "line": "3",
        "col": "7",
        "title": "x.rule",
    }
    assert text == f"{message}\nHint: fix: it"


def test_escaping_matches_the_toolkit() -> None:
    assert escape_data("50%\r\n:,") == "50%25%0D%0A:,"
    assert escape_property("50%\r\n:,") == "50%25%0D%0A%3A%2C"
