"""Shared rendering helpers for the CLI: errors and findings as text."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from flowsight.errors import FlowsightError, WorkloadError
from flowsight.findings import Finding

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_findings(findings: list[Finding], console: Console = stdout) -> None:
    for finding in findings:
        style = SEVERITY_STYLE[finding.severity]
        where = escape(finding.location())
        path = f" [dim]({escape(finding.path)})[/dim]" if finding.path else ""
        console.print(
            f"{where}: [{style}]{finding.severity}[/{style}] "
            f"[bold]{finding.rule}[/bold]: {escape(finding.message)}{path}"
        )
        if finding.hint:
            console.print(f"    [dim]hint:[/dim] {escape(finding.hint)}")


def print_error(error: FlowsightError) -> None:
    if isinstance(error, WorkloadError):
        print_findings(error.findings, stderr)
    stderr.print(f"[bold red]error:[/bold red] {escape(error.message)}")
    if error.hint:
        stderr.print(f"[dim]hint:[/dim] {escape(error.hint)}")
