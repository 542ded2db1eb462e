"""docs/cli.md and docs/workload.md hold generated reference sections; keep them fresh.

Like datasette's cog check: the reference is regenerated from `--help` and from
the model and compared with the committed text. FLOWSIGHT_REFRESH_GOLDEN=1
(`make reference`) rewrites the files instead; review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowsight.cli.reference import render_keys, render_reference, replace_generated
from tests.flowsight.conftest import ROOT

REFRESH = os.environ.get("FLOWSIGHT_REFRESH_GOLDEN") == "1"
HOW = (
    "run `make reference` (FLOWSIGHT_REFRESH_GOLDEN=1 pytest tests/flowsight/cli/test_reference.py)"
)


@pytest.mark.parametrize(
    ("document", "render"),
    [("docs/cli.md", render_reference), ("docs/workload.md", render_keys)],
    ids=["cli", "workload"],
)
def test_golden_reference_is_fresh(document: str, render: object) -> None:
    path = ROOT / document
    current = path.read_text(encoding="utf-8")
    expected = replace_generated(current, render())  # type: ignore[operator]
    if REFRESH and current != expected:
        path.write_text(expected, encoding="utf-8")
        return
    assert current == expected, f"{document} is stale: {HOW}"


def test_cli_reference_covers_every_command_and_option() -> None:
    from flowsight.cli import COMMANDS

    text = render_reference()
    for name in COMMANDS:
        assert f"## `flowsight {name}`" in text
    assert "--smtp-from" in text and "--max-body-mb" in text
    assert "Example:" in text.split("## `flowsight import`")[1]


def test_key_reference_marks_required_keys() -> None:
    text = render_keys()
    flow = text.split("### Flow\n")[1].split("###")[0]
    assert "| `id` | **required** |" in flow
    assert "| `escalation_path` |  |" in flow
    reliability = text.split("### ReliabilityTarget\n")[1].split("###")[0]
    assert "| `availability` | **required** |" in reliability


def test_replace_generated_keeps_the_hand_written_text(tmp_path: Path) -> None:
    generated = render_keys()
    first = replace_generated("# Intro\n\nhand-written\n", generated)
    assert first.startswith("# Intro\n\nhand-written\n\n")
    again = replace_generated(first.replace("| `id` |", "| `stale` |"), generated)
    assert again == first
