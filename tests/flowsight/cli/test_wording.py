"""Wording users read: rule rationales, SARIF messages, findings in HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import flowsight.check.rules  # noqa: F401  (importing registers the rules)
from flowsight.check import REGISTRY
from flowsight.report.markup import code_spans
from flowsight.starter import starter_text
from flowsight.telemetry import open_store
from tests.flowsight.conftest import run_cli

OFF_CALL = "escalation_path: [shop-oncall, shop-team, head-of-ecommerce]"


@pytest.fixture
def off_call_workload(tmp_path: Path) -> Path:
    """The starter with parties who are not on call on the escalation path (two warnings)."""
    path = tmp_path / "workload.yaml"
    path.write_text(starter_text().replace("escalation_path: [shop-oncall, shop-lead]", OFF_CALL))
    return path


def test_rationales_name_the_guide_not_the_seed() -> None:
    for rule in REGISTRY.values():
        assert "seed" not in rule.rationale.lower(), rule.id
    guide = [r.id for r in REGISTRY.values() if "Azure Well-Architected guide" in r.rationale]
    assert len(guide) >= 10


def test_sarif_message_ends_the_sentence_before_the_hint(off_call_workload: Path) -> None:
    sarif = json.loads(run_cli("check", str(off_call_workload), "--format", "sarif").output)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "ownership.on-call"]
    assert results
    for result in results:
        text = result["message"]["text"]
        assert re.search(r"[.:!?] Hint: put an on-call party there", text), text
        assert result["properties"]["hint"].startswith("put an on-call party there")


def test_code_spans_escape_before_they_render() -> None:
    assert code_spans("flow `a<b>` & `c`") == "flow <code>a&lt;b&gt;</code> &amp; <code>c</code>"
    assert code_spans("no `closing") == "no `closing"


def test_html_report_renders_finding_backticks_as_code(
    off_call_workload: Path, tmp_path: Path
) -> None:
    open_store(tmp_path / "store", create=True)
    result = run_cli(
        "report", str(off_call_workload), "--db", str(tmp_path / "store"), "-o", "-",
        "--now", "2026-11-25T21:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    findings = result.output.split('id="findings"')[1].split("</section>")[0]
    assert "<code>shop-team</code> is on the escalation path" in findings
    assert "`" not in findings
