"""`flowsight probe FILE --base-url URL`: run every flow's journeys once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flowsight.cli.options import db_option, fail_on_option
from flowsight.cli.output import print_table, stdout
from flowsight.errors import EXIT_FINDINGS
from flowsight.model.flow import CRITICALITY_RANK

if TYPE_CHECKING:
    from flowsight.probe import ProbeReport

CREDENTIAL_HELP = (
    "ROLE=USER:PASSWORD for journeys that sign in (repeatable; "
    "or FLOWSIGHT_CREDENTIALS, space-separated)."
)


def compact_table(title: str, columns: list[str], rows: list[list[str]], left: int = 1) -> Table:
    """A borderless table whose columns never truncate (rows hold rich markup)."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for index, column in enumerate(columns):
        plain = [len(Text.from_markup(row[index]).plain) for row in rows]
        table.add_column(
            column,
            justify="left" if index < left else "right",
            no_wrap=True,
            min_width=max([len(column), *plain]),
        )
    for row in rows:
        table.add_row(*row)
    return table


def _latency_cell(latency_ms: float, threshold: float | None) -> str:
    if threshold is None:
        return f"{latency_ms:.0f} ms"
    style = "green" if latency_ms <= threshold else "yellow"
    return f"[{style}]{latency_ms:.0f} ms[/{style}] / {threshold:g} ms"


def _table(report: ProbeReport) -> Table:
    rows = []
    for probe in report.flows:
        if not probe.journeys:
            rows.append([probe.flow.id, "-", "[dim]no journeys[/dim]", "-", "-", "-", "-"])
        for journey in probe.journeys:
            for request in journey.requests:
                threshold = probe.threshold_ms() if request.flow == probe.flow.id else None
                rows.append(
                    [
                        probe.flow.id,
                        journey.journey,
                        escape(request.name),
                        request.step or "-",
                        "-" if request.status is None else str(request.status),
                        _latency_cell(request.latency_s * 1000, threshold),
                        "[green]pass[/green]" if request.ok else "[bold red]fail[/bold red]",
                    ]
                )
    columns = ["flow", "journey", "request", "step", "status", "latency / target", "result"]
    return compact_table(f"Probes against {report.base_url}", columns, rows, left=4)


def print_summary(report: ProbeReport, fail_rank: int) -> bool:
    """Print one line per flow; True when a flow at or above `fail_rank` failed."""
    for probe in report.flows:
        if probe.passed is None:
            continue
        verdict = "[green]passed[/green]" if probe.passed else "[bold red]FAILED[/bold red]"
        stdout.print(f"{probe.flow.id} ({probe.flow.criticality}): {verdict}")
        for journey in probe.journeys:
            failed = next((r for r in journey.requests if not r.ok), None)
            if failed is not None:
                where = f"{journey.journey}: {failed.method} {failed.path} ({failed.name})"
                stdout.print(f"  {escape(where)}: {escape(failed.error or '')}")
    if report.spans_recorded:
        stdout.print(f"recorded {report.spans_recorded} synthetic spans in the telemetry store")
    return bool(report.failed(fail_rank))


@click.command("probe")
@click.argument("file", type=click.Path())
@click.option(
    "--base-url", required=True, help="Where the workload runs, e.g. http://127.0.0.1:8000."
)
@click.option(
    "--credential",
    "credentials",
    multiple=True,
    envvar="FLOWSIGHT_CREDENTIALS",
    help=CREDENTIAL_HELP,
)
@click.option("--flow", "flows", multiple=True, help="Probe only this flow (repeatable).")
@db_option("Record the probes as synthetic spans in this store.", required=False)
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds per request.")
@click.option("--allow-remote", is_flag=True, help="Allow a target outside 127.0.0.0/8 and ::1.")
@fail_on_option("fails")
def command(
    file: str,
    base_url: str,
    credentials: tuple[str, ...],
    flows: tuple[str, ...],
    db: str | None,
    timeout: float,
    allow_remote: bool,
    fail_on: str,
) -> None:
    """Run every flow's journeys once against --base-url.

    Each journey of the flows in FILE runs once; every request is checked against
    its flow's latency target. Exit code 1 when a flow of at least --fail-on
    criticality fails; 2 on unreadable input.

    \b
    Example:
      flowsight probe examples/relecloud/workload.yaml --base-url http://127.0.0.1:8000
    """
    from flowsight.errors import UsageError
    from flowsight.load import load_workload
    from flowsight.probe import parse_credentials, run_probes
    from flowsight.telemetry import open_store

    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    workload = load_workload(file).workload
    store = open_store(db, create=True) if db else None
    report = run_probes(
        workload,
        base_url,
        parse_credentials(list(credentials)),
        list(flows) or None,
        store,
        allow_remote,
        timeout,
    )
    print_table(_table(report))
    rank = CRITICALITY_RANK.get(fail_on, 99)
    if print_summary(report, rank):
        raise click.exceptions.Exit(EXIT_FINDINGS)
