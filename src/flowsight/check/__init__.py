"""`flowsight check`: load a workload and review its design.

Loading problems and design findings come back in one list of Findings, so the
text, JSON and SARIF renderings can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flowsight.check.base import REGISTRY, Rule, run_rules
from flowsight.errors import UsageError
from flowsight.findings import Finding, has_errors, sort_findings
from flowsight.load import LoadedWorkload, read_workload

__all__ = ["REGISTRY", "CheckResult", "Rule", "check_workload", "parse_overrides"]

SEVERITY_SETTINGS = ("error", "warning", "info", "off")


@dataclass
class CheckResult:
    loaded: LoadedWorkload | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def _load_rules() -> None:
    """Import the rule modules so they register themselves."""
    from flowsight.check import rules  # noqa: F401


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`["logical.unreachable-step=off"]` -> {rule id: setting}, rejecting unknown rules."""
    _load_rules()
    overrides: dict[str, str] = {}
    for pair in pairs:
        rule_id, sep, setting = pair.partition("=")
        if not sep or setting not in SEVERITY_SETTINGS:
            raise UsageError(
                f"--rule {pair!r}: write RULE=SEVERITY with SEVERITY one of {', '.join(SEVERITY_SETTINGS)}"
            )
        if rule_id not in REGISTRY:
            raise UsageError(
                f"--rule {pair!r}: unknown rule `{rule_id}`", "`flowsight explain` lists the rules"
            )
        overrides[rule_id] = setting
    return overrides


def check_workload(path: str | Path, overrides: dict[str, str] | None = None) -> CheckResult:
    _load_rules()
    result = read_workload(path)
    findings = list(result.findings)
    if result.loaded is not None:
        findings.extend(run_rules(result.loaded, overrides or {}))
    return CheckResult(result.loaded, sort_findings(findings))
