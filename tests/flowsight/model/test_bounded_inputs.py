"""Issue 16: every input costs bounded work, and is refused with a located finding.

On main each case below failed: the alias bomb ran PyYAML's fallback path without a
cap (7 GB after two minutes), and /dev/zero was read whole before the 50 MiB check
(MemoryError).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from flowsight.load import read_workload
from tests.flowsight.conftest import run_cli

LEVELS = "abcdefghi"


def _bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in itertools.pairwise(LEVELS):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(60)
def test_alias_bomb_is_refused_at_the_anchor_that_crosses_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    result = run_cli("check", str(path))
    assert result.exit_code == 1, result.output
    # 9**7 = 4.8 M values: `g` (line 7) is the first level past one million.
    assert f"{path}:7:4: error yaml.alias-expansion" in result.output


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        "workload: {name: Shop, owner: team}\n"
        "parties:\n"
        "  - &team {id: team, name: Team, scope: team}\n"
        "  - *team\n"
    )
    result = read_workload(path)
    # The alias is expanded (two parties with one id), not refused.
    assert [f.rule for f in result.findings] == ["model.duplicate-id"]


@pytest.mark.timeout(30)
def test_a_device_is_refused_before_anything_is_read() -> None:
    result = run_cli("check", "/dev/zero")
    assert result.exit_code == 2
    assert "/dev/zero: not a regular file" in result.output


@pytest.mark.timeout(30)
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "workload.yaml"
    os.mkfifo(fifo)
    # Opening a FIFO for reading blocks until a writer appears; keep one open.
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    try:
        result = run_cli("check", str(fifo))
    finally:
        os.close(writer)
    assert result.exit_code == 2 and "not a regular file" in result.output


def test_an_oversized_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: 60 MiB of size, no data written
        handle.truncate(60 * 1024 * 1024)
    result = run_cli("check", str(path))
    assert result.exit_code == 2 and "larger than 50 MiB" in result.output
