"""Issue 16 defect 10: `check` near-linear in the number of flows.

Speed itself is measured by `bench/model_bench.py --scaling` (a ratio, not a timed
test). What main did per flow, and these tests pin instead: it copied the set of every
flow id minus its own to check dependencies (flows x flows), and merging a workload split
over files composed every file's positions even when nothing was wrong.
"""

from __future__ import annotations

from pathlib import Path

from flowsight.load import read_workload
from tests.flowsight.conftest import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")


def test_a_flow_depending_on_itself_is_still_a_located_finding(tmp_path: Path) -> None:
    old = "      - {flow: authentication, strength: strong}"
    before = TEXT[: TEXT.index(old)]
    own = before[before.rindex("\n  - id: ") :].split("id: ", 1)[1].split("\n", 1)[0]
    path = tmp_path / "workload.yaml"
    path.write_text(TEXT.replace(old, f"      - {{flow: {own}, strength: strong}}", 1))
    line = before.count("\n") + 1
    result = read_workload(path)
    found = [f for f in result.findings if "cannot depend on itself" in f.message]
    assert [(f.rule, f.file, f.line) for f in found] == [
        ("model.unknown-reference", str(path), line)
    ]


def test_a_split_workload_merges_without_composing_positions(tmp_path: Path) -> None:
    head, flows = TEXT.split("\nflows:\n", 1)
    (tmp_path / "a.yaml").write_text(head + "\n")
    (tmp_path / "b.yaml").write_text("flows:\n" + flows)
    result = read_workload(tmp_path)
    assert result.loaded is not None
    source = result.loaded.source
    assert source._builder is not None  # positions not composed for a clean workload
    # Asked for, they are there, in the right file.
    where = source.locate(("flows", 0, "id"))
    assert where is not None and where.file == str(tmp_path / "b.yaml")
