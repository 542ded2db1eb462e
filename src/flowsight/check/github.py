"""Findings as GitHub Actions workflow commands, so a CI run annotates the workload file.

`::error file=workload.yaml,line=12,col=5,title=ownership.on-call::message`,
with the escaping GitHub's toolkit applies (actions/toolkit, core/src/command.ts):
in the message `%`, CR and LF; in properties also `:` and `,`.
"""

from __future__ import annotations

from pathlib import Path

from flowsight.findings import Finding

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(file: str) -> str:
    """Paths under the working directory (the checkout) relative, as GitHub resolves them."""
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def annotation(finding: Finding) -> str:
    properties = []
    if finding.file:
        properties.append(("file", _relative(finding.file)))
        if finding.line is not None and finding.line >= 1:
            properties.append(("line", str(finding.line)))
            if finding.column is not None and finding.column >= 1:
                properties.append(("col", str(finding.column)))
    properties.append(("title", finding.rule))
    text = finding.message
    if finding.path:
        text += f" ({finding.path})"
    if finding.hint:
        text += f"\nHint: {finding.hint}"
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{LEVELS[finding.severity]} {joined}::{escape_data(text)}"


def to_github(findings: list[Finding]) -> str:
    """One workflow command per finding, in the order given."""
    return "\n".join(annotation(f) for f in findings)
