"""`flowsight check FILE`: validate a workload and review its design."""

from __future__ import annotations

import json
from typing import Any

import click

from flowsight.check import REGISTRY, CheckResult, check_workload, parse_overrides
from flowsight.check.github import to_github
from flowsight.check.sarif import to_sarif
from flowsight.cli.output import print_findings, stdout
from flowsight.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError
from flowsight.findings import Finding


def _input_finding(error: InputError) -> Finding:
    return Finding(
        "input.unreadable",
        "error",
        error.message,
        error.file,
        error.line,
        error.column,
        None,
        error.hint,
    )


def render_json(findings: list[Finding], ok: bool, extra: dict[str, Any] | None = None) -> str:
    """`ok` and `findings` always; `extra` adds keys such as budgets after them."""
    return json.dumps(
        {"ok": ok, "findings": [f.to_dict() for f in findings], **(extra or {})}, indent=2
    )


def render_sarif(findings: list[Finding]) -> str:
    return json.dumps(to_sarif(findings, REGISTRY), indent=2)


def _render_text(result: CheckResult) -> None:
    print_findings(result.findings)
    counts = {
        s: sum(f.severity == s for f in result.findings) for s in ("error", "warning", "info")
    }
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items())
    verdict = "[green]ok[/green]" if result.ok else "[bold red]failed[/bold red]"
    stdout.print(f"{verdict}: {summary}")


@click.command("check")
@click.argument("file", type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    help="Output format: text, JSON, SARIF 2.1.0 for code-scanning tools, or GitHub "
    "workflow annotations (::error file=...,line=...::message).",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="RULE=SEVERITY",
    help="Override a rule's severity (error, warning, info) or turn it off.",
)
@click.pass_context
def command(ctx: click.Context, file: str, output_format: str, rules: tuple[str, ...]) -> None:
    """Validate FILE (a workload YAML file or directory) and review its design.

    Exit codes: 0 no error findings, 1 error findings, 2 usage error or unreadable input.

    \b
    Example:
        flowsight check examples/relecloud/workload.yaml
        flowsight check workload.yaml --format sarif > flowsight.sarif
        flowsight check workload.yaml --format github   # in a GitHub Actions step
        flowsight check workload.yaml --rule ownership.on-call=off
    """
    overrides = parse_overrides(list(rules))
    try:
        result = check_workload(file, overrides)
    except InputError as error:
        if output_format == "text":
            raise
        finding = _input_finding(error)
        if output_format == "sarif":
            click.echo(render_sarif([finding]))
        elif output_format == "github":
            click.echo(to_github([finding]))
        else:
            click.echo(render_json([finding], ok=False))
        ctx.exit(EXIT_USAGE)
    if output_format == "json":
        click.echo(render_json(result.findings, result.ok, result.extra_json()))
    elif output_format == "sarif":
        click.echo(render_sarif(result.findings))
    elif output_format == "github":
        if result.findings:
            click.echo(to_github(result.findings))
    else:
        _render_text(result)
    ctx.exit(EXIT_OK if result.ok else EXIT_FINDINGS)
