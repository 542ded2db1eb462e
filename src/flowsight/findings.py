"""The one shape of every diagnostic flowsight reports.

The loader, the design reviewer and the evaluator all speak in Findings, so
text, JSON and SARIF output are three renderings of one list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """A problem or observation, located as precisely as the input allows."""

    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def location(self) -> str:
        """file:line:column as editors and terminals link it."""
        parts = [self.file or "<workload>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER[f.severity],
            f.file or "",
            f.line or 0,
            f.column or 0,
            f.rule,
        ),
    )


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
