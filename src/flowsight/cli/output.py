"""Shared rendering helpers for the CLI: errors, findings and tables as text."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from flowsight.errors import FlowsightError, WorkloadError
from flowsight.findings import Finding

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
#: Wide enough for any table a workload produces; only bounds the measurement.
_UNBOUNDED = 100_000


def print_table(table: Table, console: Console = stdout) -> None:
    """A table that fits a terminal there, and is never cut off in a pipe or a CI log.

    Without a terminal rich assumes 80 columns and shortens cells to `breac…`;
    there the table is printed at its natural width instead, every cell whole.
    """
    if console.is_terminal:
        console.print(table)
        return
    options = console.options.update_width(_UNBOUNDED)
    width = Measurement.get(console, options, table).maximum
    wide = Console(
        file=console.file,
        width=max(width, console.width),
        highlight=False,
        soft_wrap=True,
    )
    wide.print(table)


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
