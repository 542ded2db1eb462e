"""`flowsight diff` between files and between git revisions of the example."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.flowsight.conftest import EXAMPLE, run_cli


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits of the example: targets, owner, path and steps change."""
    _git(tmp_path, "init", "-q")
    target = tmp_path / "workload.yaml"
    shutil.copy(EXAMPLE, target)
    _git(tmp_path, "add", "workload.yaml")
    _git(tmp_path, "commit", "-qm", "v1")
    text = target.read_text()
    text = text.replace("        availability: 95\n", "        availability: 97.5\n")
    text = text.replace("    owner: ux-department\n", "    owner: director-of-sales\n")
    text = text.replace(
        "escalation_path: [platform-oncall, coo]",
        "escalation_path: [platform-oncall, platform-team, coo]",
    )
    text = text.replace(
        "      - id: sign-out\n        name: Sign out\n",
        "      - id: sign-out\n        name: Sign out everywhere\n",
    )
    target.write_text(text)
    _git(tmp_path, "commit", "-qam", "v2")
    return tmp_path


def test_diff_between_git_revisions(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = run_cli("diff", "HEAD~1:workload.yaml", "HEAD:workload.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    changes = {(c["flow"], c["field"]): c for c in json.loads(result.output)["changes"]}
    assert changes[("create-concerts", "targets.reliability.availability")]["old"] == 95
    assert changes[("create-concerts", "targets.reliability.availability")]["new"] == 97.5
    assert changes[("search-concerts", "owner")]["new"] == "director-of-sales"
    assert changes[("authentication", "escalation_path")]["new"] == [
        "platform-oncall",
        "platform-team",
        "coo",
    ]
    sign_out = changes[("authentication", "steps.sign-out.name")]
    assert (sign_out["old"], sign_out["new"]) == ("Sign out", "Sign out everywhere")
    # 95 % -> 97.5 % stays under create-concerts' 99.85 % ceiling: no feasibility change
    assert len(changes) == 4, changes


def test_diff_of_working_tree_against_head_shows_added_flow(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    text = (
        (repo / "workload.yaml")
        .read_text()
        .replace("  - id: collect-telemetry\n", "  - id: collect-logs\n")
    )
    text = text.replace("flows: [collect-telemetry]", "flows: [collect-logs]")
    (repo / "workload.yaml").write_text(text)
    result = run_cli("diff", "HEAD:workload.yaml", "workload.yaml")
    assert result.exit_code == 0
    assert "collect-logs" in result.output and "flow added" in result.output
    assert "flow removed: Collect telemetry" in result.output


def test_identical_versions_have_no_changes() -> None:
    result = run_cli("diff", str(EXAMPLE), str(EXAMPLE))
    assert result.exit_code == 0 and "no changes" in result.output


def test_unknown_revision_is_a_usage_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = run_cli("diff", "nope:workload.yaml", "workload.yaml")
    assert result.exit_code == 2
    assert "git revision nope" in result.output
