"""`flowsight diff` reports what changes mean, between two git revisions of the example.

The second revision cuts the extended hours to office hours (93 h -> 40 h a week), moves
the checkout route, lowers Entra ID's SLA so authentication can no longer reach its
99.9 % objective, adds a step transition, moves a maintenance window, changes a journey,
a span rule, and a target in each of the five pillars.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.flowsight.conftest import EXAMPLE, run_cli

EDITS = [
    (  # extended hours -> office hours
        '      mon: ["07:00-22:00"]\n      tue: ["07:00-22:00"]\n      wed: ["07:00-22:00"]\n'
        '      thu: ["07:00-22:00"]\n      fri: ["07:00-22:00"]\n'
        '      sat: ["09:00-18:00"]\n      sun: ["09:00-18:00"]\n',
        '      mon: ["09:00-17:00"]\n      tue: ["09:00-17:00"]\n      wed: ["09:00-17:00"]\n'
        '      thu: ["09:00-17:00"]\n      fri: ["09:00-17:00"]\n',
    ),
    (
        "- {service: relecloud, method: POST, route: /api/checkout, step: checkout}",
        "- {service: relecloud, method: POST, route: /api/v2/checkout, step: checkout}",
    ),
    ("            path: /api/checkout\n", "            path: /api/v2/checkout\n"),
    (
        "{id: entra-id, name: Microsoft Entra ID, kind: identity, sla: 99.99,",
        "{id: entra-id, name: Microsoft Entra ID, kind: identity, sla: 99.9,",
    ),
    (
        "        on_error: [{action: fail}]\n        end: true\n      - id: sign-out\n",
        "        next: [sign-out]\n        on_error: [{action: fail}]\n        end: true\n"
        "      - id: sign-out\n",
    ),
    ("    start: 2026-11-22T04:00:00Z\n", "    start: 2026-11-22T03:00:00Z\n"),
    ("values: [sqlite, postgresql, mssql]", "values: [sqlite, postgresql]"),
    (
        "        latency: [{percentile: 95, threshold: 2s}, {percentile: 99, threshold: 5s}]",
        "        latency: [{percentile: 95, threshold: 1500ms}, {percentile: 99, threshold: 5s}]",
    ),
    ("        roles: [Employee, Administrator]\n", "        roles: [Employee]\n"),
    ("cost: {monthly_budget: 700,", "cost: {monthly_budget: 900,"),
    (
        "operations: {signals: [traces, logs, metrics, probes], alert_severity: page}",
        "operations: {signals: [traces, logs, metrics], alert_severity: page}",
    ),
]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    target = tmp_path / "workload.yaml"
    shutil.copy(EXAMPLE, target)
    _git(tmp_path, "add", "workload.yaml")
    _git(tmp_path, "commit", "-qm", "v1")
    text = target.read_text()
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    target.write_text(text)
    _git(tmp_path, "commit", "-qam", "v2")
    return tmp_path


def _sections(output: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in output.splitlines():
        if line.startswith("  "):
            sections[current].append(line.strip())
        elif line.strip():
            current = line.strip()
            sections[current] = []
    return sections


def test_diff_reports_meaning_per_flow(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = run_cli("diff", "HEAD~1:workload.yaml", "HEAD:workload.yaml")
    assert result.exit_code == 0, result.output
    flows = _sections(result.output)
    purchase = flows["purchase-ticket"]
    assert "schedule.hours_per_week: 93 h -> 40 h" in purchase
    assert (
        "telemetry.routes: removed POST relecloud /api/checkout (step checkout); "
        "added POST relecloud /api/v2/checkout (step checkout)"
    ) in purchase
    assert (
        "journeys.buy-a-ticket.requests.check out one ticket.path: /api/checkout -> "
        "/api/v2/checkout"
    ) in purchase
    assert "components.concert-db.spans.db.system.values: [sqlite, postgresql, mssql] -> " in (
        " ".join(purchase)
    )
    # all five pillars
    assert "targets.performance.latency.p95.threshold: 2s -> 1500ms" in purchase
    assert "targets.security.roles: [Employee, Administrator] -> [Employee]" in purchase
    assert "targets.cost.monthly_budget: 700 -> 900" in purchase
    assert "targets.operations.signals: removed probes" in purchase
    auth = flows["authentication"]
    assert "components.entra-id.sla: 99.99 -> 99.9" in auth
    assert (
        "feasibility: feasible: ceiling 99.925 % for a 99.9 % objective -> "
        "infeasible: ceiling 99.84 % for a 99.9 % objective"
    ) in auth
    assert "steps.assign-role.next: [] -> [sign-out]" in auth
    telemetry = flows["collect-telemetry"]
    assert "maintenance.pipeline-upgrade.start: 2026-11-22T04:00:00+00:00 -> " in " ".join(
        telemetry
    )
    assert "maintenance.pipeline-upgrade.notice_hours: 72 h ahead -> 71 h ahead" in telemetry
    assert "{" not in result.output and "'" not in result.output  # no dict or list reprs


def test_diff_json_carries_plain_values(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = run_cli("diff", "HEAD~1:workload.yaml", "HEAD:workload.yaml", "--format", "json")
    changes = {(c["flow"], c["field"]): c for c in json.loads(result.output)["changes"]}
    hours = changes[("list-concerts", "schedule.hours_per_week")]
    assert (hours["old"], hours["new"]) == (93.0, 40.0)
    feasible = changes[("authentication", "feasibility")]
    assert feasible["old"]["feasible"] is True and feasible["new"]["feasible"] is False
    assert feasible["new"]["ceiling"] == pytest.approx(99.835, abs=1e-3)
    assert changes[("authentication", "steps.assign-role.next")]["new"] == ["sign-out"]


def test_a_broken_revision_is_located_at_rev_path_line_column(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    text = (repo / "workload.yaml").read_text()
    (repo / "workload.yaml").write_text(
        text.replace("criticality: high\n", "criticality: huge\n", 1)
    )
    _git(repo, "commit", "-qam", "v3")
    line = text[: text.index("criticality: high\n")].count("\n") + 1
    result = run_cli("diff", "HEAD~1:workload.yaml", "HEAD:workload.yaml")
    assert result.exit_code != 0
    assert f"HEAD:workload.yaml:{line}:" in result.output
    assert "/tmp" not in result.output
