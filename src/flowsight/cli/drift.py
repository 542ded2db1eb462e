"""`flowsight drift FILE --db STORE`: where the model and the traces part."""

from __future__ import annotations

import click

from flowsight.cli.discover import days_option, window_end
from flowsight.cli.output import print_findings, stdout
from flowsight.errors import EXIT_FINDINGS


@click.command("drift")
@click.argument("file", type=click.Path())
@click.option("--db", "db", type=click.Path(), required=True, help="Telemetry store directory.")
@click.option("--window", default="7d", show_default=True, help="How far back to read: 'Nd'.")
@click.option("--to", "end", help="End of the window, ISO 8601 with offset (default: now).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    help="Output format: text, JSON, SARIF 2.1.0 for code-scanning tools, or GitHub "
    "workflow annotations (::warning file=...,line=...::message).",
)
def command(file: str, db: str, window: str, end: str | None, output_format: str) -> None:
    """Compare the workload FILE with the traces: exit 1 on any warning or error.

    \b
    Example:
      flowsight drift workload.yaml --db store --window 7d
      flowsight drift workload.yaml --db store --format github   # in a GitHub Actions step
    """
    from flowsight.check.github import to_github
    from flowsight.check.sarif import to_sarif
    from flowsight.cli.check import render_json
    from flowsight.drift import detect_drift
    from flowsight.drift.rules import DRIFT_REGISTRY
    from flowsight.load import load_workload
    from flowsight.telemetry import open_store

    loaded = load_workload(file)
    until = window_end(end)
    findings = detect_drift(loaded, open_store(db), until - days_option(window), until)
    failing = any(f.severity in ("error", "warning") for f in findings)
    if output_format == "json":
        click.echo(render_json(findings, not failing))
    elif output_format == "sarif":
        import json

        click.echo(json.dumps(to_sarif(findings, DRIFT_REGISTRY), indent=2))
    elif output_format == "github":
        if findings:
            click.echo(to_github(findings))
    else:
        print_findings(findings)
        stdout.print(f"{'drift' if failing else 'no drift'}: {len(findings)} findings")
    if failing:
        raise click.exceptions.Exit(EXIT_FINDINGS)
