"""Every broken input is reported at its line and column, with the right exit code.

Each case is a whole small workload file; the expected line and column were
counted by hand from the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.flowsight.conftest import run_cli

HEAD = "workload:\n  name: Shop\n"  # lines 1-2


@dataclass
class Case:
    name: str
    text: str | bytes
    rule: str
    line: int
    column: int
    exit_code: int = 1
    message: str = ""
    hint: str = ""


FLOW = (
    "flows:\n"  # 3
    "  - id: checkout\n"  # 4
    "    name: Checkout\n"  # 5
    "    kind: user\n"  # 6
    "    description: Pay\n"  # 7
    "    criticality: high\n"  # 8
)

CASES = [
    Case("yaml syntax error", HEAD + "flows: [unclosed\n", "yaml.syntax", 4, 1),
    Case(
        "tab indentation",
        "workload:\n\tname: Shop\n",
        "yaml.syntax",
        2,
        1,
        message="tab",
        hint="spaces",
    ),
    Case(
        "duplicate key",
        HEAD + "  name: Other\n",
        "yaml.duplicate-key",
        3,
        3,
        message="first written at line 2",
    ),
    Case(
        "wrong type",
        HEAD + FLOW + "    targets: {reliability: {availability: high}}\n",
        "model.float-type",
        9,
        43,
    ),
    Case(
        "out-of-range percentage",
        HEAD + FLOW + "    targets: {reliability: {availability: 120}}\n",
        "model.less-than-equal",
        9,
        43,
    ),
    Case(
        "unknown key with suggestion",
        HEAD + FLOW + "    escalation_paths: []\n",
        "model.extra-forbidden",
        9,
        5,
        message="unknown key `escalation_paths`",
        hint="did you mean `escalation_path`?",
    ),
    Case(
        "dangling reference",
        HEAD + FLOW + "    owner: nobody\n",
        "model.unknown-reference",
        9,
        12,
        message="unknown party `nobody`",
    ),
    Case(
        "duplicate id",
        HEAD + FLOW + FLOW.replace("flows:\n", ""),
        "model.duplicate-id",
        9,
        9,
        message="duplicate flow id `checkout`",
    ),
    Case(
        "unknown time zone",
        HEAD + "schedules:\n  - id: office\n    timezone: Mars/Olympus\n",
        "model.value-error",
        5,
        15,
        message="unknown time zone 'Mars/Olympus'",
    ),
    Case(
        "bad time range",
        HEAD + "schedules:\n  - id: office\n    hours: {mon: ['18:00-09:00']}\n",
        "model.value-error",
        5,
        12,
        message="ends before it starts",
    ),
    Case(
        "overlapping ranges",
        HEAD + "schedules:\n  - id: office\n    hours: {mon: ['08:00-12:00', '11:00-13:00']}\n",
        "model.value-error",
        5,
        12,
        message="overlap",
    ),
    Case(
        "weekday typo",
        HEAD + "schedules:\n  - id: office\n    hours: {monday: ['08:00-12:00']}\n",
        "model.value-error",
        5,
        12,
        message="'monday' is not a weekday",
    ),
    Case(
        "key that looks like a path",
        HEAD + "flows[0]: x\n",
        "model.extra-forbidden",
        3,
        1,
        message="unknown key `flows[0]`",
    ),
    Case("empty file", "", "yaml.empty", 1, 1),
    Case("only a comment", "# nothing here\n", "yaml.empty", 1, 1),
    Case("binary file", b"\x7fELF\x02\x01\x00\x00binary", "input.unreadable", 1, 1, exit_code=2),
    Case("not UTF-8", b"workload:\n  name: \xff\xfe\n", "input.unreadable", 2, 1, exit_code=2),
    Case("top level is a list", "- workload\n- flows\n", "model.not-a-mapping", 1, 1),
    Case(
        "missing required key",
        HEAD + FLOW.replace("    criticality: high\n", ""),
        "model.missing",
        4,
        5,
        message="missing required key `criticality`",
    ),
    Case(
        "bad duration",
        HEAD + FLOW + "    targets: {reliability: {availability: 99, rto: 48 hours}}\n",
        "model.value-error",
        9,
        52,
        message="not a duration",
    ),
    Case(
        "invalid id",
        HEAD + FLOW.replace("id: checkout", "id: Check Out"),
        "model.string-pattern-mismatch",
        4,
        9,
        message="`Check Out` is not a valid id",
        hint="lower-case",
    ),
    Case(
        "unknown criticality",
        HEAD + FLOW.replace("criticality: high", "criticality: critical"),
        "model.literal-error",
        8,
        18,
    ),
    Case(
        "unknown next step",
        HEAD + FLOW + "    steps:\n      - {id: pay, name: Pay, next: [ship]}\n",
        "model.unknown-reference",
        10,
        37,
        message="unknown step `ship`",
    ),
    Case(
        "maintenance ends before it starts",
        HEAD + FLOW + "maintenance:\n  - id: m1\n    start: 2026-01-02T10:00:00Z\n"
        "    end: 2026-01-02T09:00:00Z\n    announced: 2026-01-01T00:00:00Z\n    flows: [checkout]\n",
        "model.value-error",
        10,
        5,
        message="ends before it starts",
    ),
    Case(
        "maintenance without offset",
        HEAD + FLOW + "maintenance:\n  - id: m1\n    start: 2026-01-02 10:00:00\n"
        "    end: 2026-01-02 11:00:00\n    announced: 2026-01-01 00:00:00\n    flows: [checkout]\n",
        "model.value-error",
        10,
        5,
        message="needs a UTC offset",
    ),
    Case(
        "dependency with two targets",
        HEAD + FLOW + "    dependencies: [{flow: a, component: b}]\n",
        "model.value-error",
        9,
        20,
        message="exactly one of",
    ),
    Case(
        "fallback without a target",
        HEAD + FLOW + "    steps:\n      - {id: pay, name: Pay, on_error: [{action: fallback}]}\n",
        "model.value-error",
        10,
        41,
        message="fallback names",
    ),
    Case(
        "stage without process",
        HEAD + FLOW + "    stage: sell\n",
        "model.unknown-reference",
        9,
        12,
        message="without a known `process`",
    ),
    Case(
        "string instead of list",
        HEAD + FLOW + "    stakeholders: sales\n",
        "model.list-type",
        9,
        19,
    ),
    Case(
        "percent as string",
        HEAD + FLOW + "    targets: {reliability: {availability: '99.9'}}\n",
        "model.float-type",
        9,
        43,
    ),
    Case(
        "objective written as a ratio",
        HEAD + FLOW + "    targets: {reliability: {availability: 0.999}}\n",
        "model.percent-as-ratio",
        9,
        43,
        message="looks like a ratio",
        hint="write 99.9, not 0.999",
    ),
    Case(
        "step next of the wrong shape",
        HEAD + FLOW + "    steps: [{id: pay, name: Pay, next: {to: pay}}]\n",
        "model.list-type",
        9,
        40,
        hint="`next` is a step id or a list of step ids",
    ),
    Case(
        "branch next with two steps",
        HEAD
        + FLOW
        + "    steps: [{id: pay, name: Pay, branches: [{criterion: ok, next: [pay, pay]}]}]\n",
        "model.value-error",
        9,
        67,
        message="a branch continues at exactly one step",
        hint="a branch's `next` is one step id",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_input_is_located(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "workload.yaml"
    if isinstance(case.text, bytes):
        path.write_bytes(case.text)
    else:
        path.write_text(case.text, encoding="utf-8")
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.output)
    assert report["ok"] is False
    matching = [f for f in report["findings"] if f["rule"] == case.rule]
    assert matching, report["findings"]
    finding = matching[0]
    assert finding["file"] == str(path)
    assert (finding["line"], finding["column"]) == (case.line, case.column), finding
    assert case.message in finding["message"]
    assert case.hint in (finding["hint"] or "")


def test_text_output_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(HEAD + FLOW + "    escalation_paths: []\n", encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:9:5" in result.output
    assert "did you mean `escalation_path`?" in result.output


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(
        HEAD + FLOW + "    owner: nobody\n    stakeholders: [ghost]\n", encoding="utf-8"
    )
    report = json.loads(run_cli("check", str(path), "--format", "json").output)
    messages = {f["message"] for f in report["findings"]}
    assert {"unknown party `nobody`", "unknown party `ghost`"} <= messages


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_directory_of_files_merges(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEAD + FLOW, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        FLOW.replace("checkout", "refund") + "    owner: ghost\n", encoding="utf-8"
    )
    report = json.loads(run_cli("check", str(tmp_path), "--format", "json").output)
    finding = next(f for f in report["findings"] if f["rule"] == "model.unknown-reference")
    assert finding["file"] == str(tmp_path / "b.yaml")
    assert (finding["line"], finding["path"]) == (7, "flows[1].owner")
