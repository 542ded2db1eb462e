"""`flowsight check` and `flowsight explain` as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsight.check import REGISTRY
from flowsight.check.practices import PRACTICES
from flowsight.cli import cli

from .conftest import RELECLOUD, REPO


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def test_relecloud_passes_with_the_seed_lessons_as_warnings() -> None:
    code, out = _run("check", str(RELECLOUD))
    assert code == 0
    assert " error " not in out
    line = next(x for x in out.splitlines() if "feasibility.objective-above-ceiling" in x)
    assert "`purchase-ticket` targets 99.9%" in line
    allowed = float(re.search(r"allow at most ([\d.]+)%", line).group(1))  # type: ignore[union-attr]
    assert allowed <= 99.8
    assert "authentication 99.9%" in line and "list-concerts 99.9%" in line
    search = next(x for x in out.splitlines() if "feasibility.fallback-effect" in x)
    assert "`search-concerts`" in search and "from 99.945% to 99.95%" in search
    scope = [x for x in out.splitlines() if "ownership.escalation-scope" in x]
    assert any("`list-concerts`" in x and "(engineer)" in x for x in scope)
    assert "8 h 41 min a month inside the schedule (36 h 31 min of wall time" in out


def test_json_keeps_ok_and_findings_and_adds_budgets() -> None:
    code, out = _run("check", str(RELECLOUD), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert list(data)[:2] == ["ok", "findings"] and data["ok"] is True
    assert {b["flow"] for b in data["budgets"]} >= {"create-concerts", "purchase-ticket"}
    purchase = next(f for f in data["feasibility"] if f["flow"] == "purchase-ticket")
    assert purchase["feasible"] is False and purchase["ceiling"] < 99.8
    assert purchase["one_more_nine"] == pytest.approx(99.99)
    assert any(f["rule"] == "feasibility.downtime-budget" for f in data["findings"])


def test_rule_flag_turns_a_rule_off_and_raises_another() -> None:
    code, out = _run(
        "check",
        str(RELECLOUD),
        "--format",
        "json",
        "--rule",
        "feasibility.downtime-budget=off",
        "--rule",
        "feasibility.objective-above-ceiling=error",
    )
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    rules = {f["rule"] for f in data["findings"]}
    assert "feasibility.downtime-budget" not in rules
    assert any(
        f["rule"] == "feasibility.objective-above-ceiling" and f["severity"] == "error"
        for f in data["findings"]
    )


@pytest.mark.parametrize("flag", ["nope.rule=off", "scoped.steps=loud", "scoped.steps"])
def test_bad_rule_flags_are_usage_errors(flag: str) -> None:
    code, out = _run("check", str(RELECLOUD), "--rule", flag)
    assert code == 2
    assert "--rule" in out and "Traceback" not in out


def test_explain_prints_rationale_and_seed_wording() -> None:
    for rule_id, rule in REGISTRY.items():
        code, out = _run("explain", rule_id)
        assert code == 0
        assert rule.rationale[:40] in " ".join(out.split())
        wording = PRACTICES[rule.practice][1]
        assert wording[:40] in " ".join(out.split())


def test_explain_lists_every_rule_and_practices() -> None:
    code, out = _run("explain")
    assert code == 0
    assert all(rule_id in out for rule_id in REGISTRY)
    code, out = _run("explain", "reliable", "--format", "json")
    assert code == 0
    assert {r["practice"] for r in json.loads(out)} == {"reliable"}


def test_explain_unknown_rule_suggests_and_exits_2() -> None:
    code, out = _run("explain", "ownership.oncall")
    assert code == 2
    assert "ownership.on-call" in out and "Traceback" not in out


def test_every_rule_is_documented() -> None:
    doc = (REPO / "docs" / "design-review.md").read_text(encoding="utf-8")
    for rule_id, rule in REGISTRY.items():
        assert f"`{rule_id}`" in doc, rule_id
        section = doc.split(f"`{rule_id}`", 1)[1][:400]
        assert rule.severity in section, rule_id


def test_text_and_json_come_from_one_list(tmp_path: Path) -> None:
    _, text = _run("check", str(RELECLOUD))
    _, out = _run("check", str(RELECLOUD), "--format", "json")
    findings = json.loads(out)["findings"]
    assert len([x for x in text.splitlines() if not x.startswith(" ")]) == len(findings) + 1
