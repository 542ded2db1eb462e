"""SARIF 2.1.0 rendering of findings, so code-scanning tools show design review.

The same list of Findings that feeds text and JSON output becomes one SARIF
run; the rule registry supplies the descriptors (practice, rationale, default
level) so a reviewer sees the why next to each result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flowsight import __version__
from flowsight.check.base import Rule
from flowsight.findings import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(file: str) -> str:
    """A relative URI when the file lies under the working directory, else absolute."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return quote(path.as_posix())


def _descriptor(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    return {
        "id": rule.id,
        "name": rule.id.replace(".", "/"),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": f"{rule.rationale}\n\nRun `flowsight explain {rule.id}` for more."},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["design-review", rule.practice], "practice": rule.practice},
    }


def _location(finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if finding.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.file)}}
        if finding.line is not None and finding.line >= 1:
            region: dict[str, int] = {"startLine": finding.line}
            if finding.column is not None and finding.column >= 1:
                region["startColumn"] = finding.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if finding.path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "member"}]
    return location


def message_text(finding: Finding) -> str:
    """The message as a sentence, then the hint as its own: "...on call. Hint: put..."."""
    text = finding.message.rstrip()
    if not finding.hint:
        return text
    stop = "" if text.endswith((".", "!", "?", ":")) else "."
    return f"{text}{stop} Hint: {finding.hint.rstrip()}"


def _result(finding: Finding, index: int) -> dict[str, Any]:
    text = message_text(finding)
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
    }
    location = _location(finding)
    if location:
        result["locations"] = [location]
    if finding.hint:
        result["properties"] = {"hint": finding.hint}
    return result


def to_sarif(findings: list[Finding], rules: dict[str, Rule]) -> dict[str, Any]:
    """One SARIF log with one run: every registered rule, then every finding."""
    ids = sorted(set(rules) | {f.rule for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flowsight",
                        "version": __version__,
                        "rules": [_descriptor(i, rules.get(i)) for i in ids],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule]) for f in findings],
            }
        ],
    }
