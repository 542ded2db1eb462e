"""The design-review rule interface and registry.

A rule is a function from a loaded workload to findings, registered with a
stable id, the best practice it serves, a default severity and its rationale
(printed by `flowsight explain`). Rule modules register themselves on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from flowsight.findings import Finding, Severity
from flowsight.load import LoadedWorkload
from flowsight.load.source import PathKey, dotted
from flowsight.model import Workload

RuleFunction = Callable[["RuleContext"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    practice: str
    severity: Severity
    summary: str
    rationale: str
    function: RuleFunction


REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str, practice: str, severity: Severity, summary: str, rationale: str
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a design-review rule under a stable id."""

    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in REGISTRY:
            raise RuntimeError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, practice, severity, summary, rationale, function)
        return function

    return register


@dataclass
class RuleContext:
    """What a rule sees: the workload and a way to make located findings."""

    loaded: LoadedWorkload
    rule: Rule

    @property
    def workload(self) -> Workload:
        return self.loaded.workload

    def finding(self, path: PathKey, message: str, hint: str | None = None) -> Finding:
        where = self.loaded.source.locate(path)
        return Finding(
            rule=self.rule.id,
            severity=self.rule.severity,
            message=message,
            file=where.file if where else str(self.loaded.path),
            line=where.line if where else None,
            column=where.column if where else None,
            path=dotted(path) or None,
            hint=hint,
        )


def run_rules(loaded: LoadedWorkload, overrides: dict[str, str]) -> list[Finding]:
    """Run every registered rule; `overrides` maps rule id -> severity or 'off'."""
    settings = {**loaded.workload.rules, **overrides}
    findings: list[Finding] = []
    for rule_id, registered in sorted(REGISTRY.items()):
        setting = settings.get(rule_id)
        if setting == "off":
            continue
        context = RuleContext(loaded, registered)
        for finding in registered.function(context):
            if setting is not None:
                finding = replace(finding, severity=setting)  # type: ignore[arg-type]
            findings.append(finding)
    return findings
