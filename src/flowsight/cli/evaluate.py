"""`flowsight evaluate FILE --db DB`: every flow against its targets, from the traces."""

from __future__ import annotations

import click
from rich.table import Table

from flowsight.cli.options import fail_on_option, format_option, parse_moment, window_options
from flowsight.cli.output import print_table, stdout
from flowsight.cli.source import source_options, span_source
from flowsight.errors import EXIT_FINDINGS, UsageError
from flowsight.evaluate.results import Evaluation
from flowsight.model.flow import CRITICALITY_RANK

VERDICT_STYLE = {"meeting": "green", "at_risk": "yellow", "breached": "bold red", "no_data": "dim"}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} %"


def _table(evaluation: Evaluation) -> Table:
    table = Table(title=f"Flows measured at {evaluation.now:%Y-%m-%d %H:%M} UTC")
    for column in (
        "flow",
        "crit.",
        "verdict",
        "availability",
        "objective",
        "budget left",
        "alert",
        "p95",
        "requests",
    ):
        table.add_column(column)
    for flow in evaluation.flows:
        style = VERDICT_STYLE[flow.verdict]
        left = flow.budget.remaining_ratio if flow.budget else None
        table.add_row(
            flow.flow,
            flow.criticality,
            f"[{style}]{flow.verdict.replace('_', ' ')}[/{style}]",
            _pct(flow.availability),
            "-" if flow.objective is None else f"{flow.objective:g} %",
            "-" if left is None else f"{100 * left:.1f} %",
            flow.alert.state if flow.alert else "-",
            "-" if flow.percentiles_ms.get("p95") is None else f"{flow.percentiles_ms['p95']:g} ms",
            str(flow.requests),
        )
    return table


def _details(evaluation: Evaluation) -> None:
    for flow in evaluation.flows:
        for reason in flow.reasons:
            stdout.print(f"[bold]{flow.flow}[/bold]: {reason}")
        if flow.verdict == "breached" and flow.escalation_path:
            path = " -> ".join(c.contact or c.id for c in flow.escalation_path)
            stdout.print(f"  escalate: {path}")
    for finding in evaluation.findings:
        stdout.print(f"[yellow]{finding.rule}[/yellow]: {finding.message}")
    if evaluation.unmatched.spans:
        top = ", ".join(
            f"{u['method'] or '?'} {u['route'] or '?'} ({u['spans']})"
            for u in evaluation.unmatched.top[:5]
        )
        stdout.print(f"{evaluation.unmatched.spans} entry spans matched no flow: {top}")


@click.command("evaluate")
@click.argument("file", type=click.Path())
@source_options()
@window_options
@format_option(["text", "json"], "text", "a table, or JSON with every number and time series")
@click.option("--no-series", is_flag=True, help="Leave the time series out of the JSON.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Scan every span instead of the store's per-segment rollups (to check them; "
    "same numbers, slower).",
)
@fail_on_option("is breached")
def command(
    file: str,
    db: str | None,
    clickhouse: str | None,
    table: str,
    clickhouse_password_file: str | None,
    window: str | None,
    start: str | None,
    end: str | None,
    now: str | None,
    output_format: str,
    no_series: bool,
    no_cache: bool,
    fail_on: str,
) -> None:
    """Measure every flow of FILE against its targets.

    Availability, error budget, burn-rate alert state and latency of each flow,
    from the spans in the store or in ClickHouse. Exit code 1 when a flow of at least --fail-on
    criticality is breached; 2 on unreadable input.

    \b
    Example:
      flowsight evaluate examples/relecloud/workload.yaml --db telemetry
      flowsight evaluate workload.yaml --db telemetry --window 7d --format json
    """
    from flowsight.evaluate import evaluate_workload
    from flowsight.load import load_workload
    from flowsight.telemetry import TelemetryStore

    if window and start:
        raise UsageError("--window and --from both set the window start; give one")
    workload = load_workload(file).workload
    source = span_source(db, clickhouse, table, clickhouse_password_file)
    if no_cache and isinstance(source, TelemetryStore):
        from flowsight.evaluate.duckdb import DuckDBBackend

        source = DuckDBBackend(source, cache=False)
    evaluation = evaluate_workload(
        workload,
        source,
        window=window,
        start=parse_moment(start, "--from"),
        end=parse_moment(end, "--to"),
        now=parse_moment(now, "--now"),
    )
    if output_format == "json":
        click.echo(evaluation.to_json(series=not no_series))
    else:
        print_table(_table(evaluation))
        _details(evaluation)
    if fail_on != "none":
        limit = CRITICALITY_RANK[fail_on]
        if any(
            f.verdict == "breached" and CRITICALITY_RANK[f.criticality] >= limit
            for f in evaluation.flows
        ):
            raise click.exceptions.Exit(EXIT_FINDINGS)
