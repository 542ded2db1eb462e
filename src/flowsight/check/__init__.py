"""`flowsight check`: load a workload and review its design.

Loading problems and design findings come back in one list of Findings, so the
text, JSON and SARIF renderings can never disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flowsight.check.availability import Feasibility, flow_feasibility
from flowsight.check.base import REGISTRY, Rule, run_rules
from flowsight.check.budgets import FlowBudget, downtime_budgets
from flowsight.errors import UsageError
from flowsight.findings import Finding, has_errors, sort_findings
from flowsight.load import LoadedWorkload, read_workload, without_cycle_collector

__all__ = [
    "REGISTRY",
    "CheckResult",
    "Feasibility",
    "FlowBudget",
    "Rule",
    "check_workload",
    "downtime_budgets",
    "flow_feasibility",
    "parse_overrides",
]

SEVERITY_SETTINGS = ("error", "warning", "info", "off")


@dataclass
class CheckResult:
    loaded: LoadedWorkload | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def budgets(self) -> list[FlowBudget]:
        """Downtime budgets of every objective (empty when the workload did not load)."""
        return downtime_budgets(self.loaded.workload) if self.loaded else []

    def feasibility(self) -> list[Feasibility]:
        """Composite availability of every flow that has an objective."""
        if self.loaded is None:
            return []
        workload = self.loaded.workload
        return [flow_feasibility(workload, f) for f in workload.flows if f.targets.reliability]

    def extra_json(self) -> dict[str, Any]:
        """The keys `check --format json` adds next to `ok` and `findings`."""
        return {
            "budgets": [b.to_dict() for b in self.budgets()],
            "feasibility": [feasibility_dict(f) for f in self.feasibility()],
        }


def feasibility_dict(result: Feasibility) -> dict[str, Any]:
    """A Feasibility as JSON-ready data, with its verdict."""
    data = asdict(result)
    data["dependencies"] = [{**asdict(d), "effective": d.effective} for d in result.dependencies]
    data["feasible"] = result.feasible
    data["one_more_nine"] = result.one_more_nine
    return data


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
    with without_cycle_collector():  # the rules allocate per flow too: see the loader
        result = read_workload(path)
        findings = list(result.findings)
        if result.loaded is not None:
            findings.extend(run_rules(result.loaded, overrides or {}))
        return CheckResult(result.loaded, sort_findings(findings))
