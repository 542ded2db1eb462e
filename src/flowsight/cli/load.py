"""`flowsight load FILE --base-url URL --duration 60s`: open-model load, then thresholds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flowsight.cli.output import print_table, stderr, stdout
from flowsight.cli.probe import CREDENTIAL_HELP, compact_table
from flowsight.errors import EXIT_FINDINGS, UsageError

if TYPE_CHECKING:
    from flowsight.loadgen import LoadReport, LoadStats


def _duration_seconds(text: str) -> float:
    from flowsight.model import parse_duration

    try:
        return parse_duration(text).total_seconds()
    except ValueError as error:
        raise UsageError(f"--duration: {error}") from None


def flow_table(report: LoadReport) -> Table:
    from flowsight.loadgen import percentile

    rows = []
    for flow_id, stats in sorted(report.stats.flows.items()):
        cells = [percentile(stats.latencies_s, p) for p in (50, 95, 99)]
        offered = report.mix.offered(flow_id)
        rows.append(
            [
                flow_id,
                f"{offered:.1f}/min" if offered else "-",
                str(stats.requests),
                str(stats.failures),
                *["-" if c is None else f"{c * 1000:.0f} ms" for c in cells],
                ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses.items())),
            ]
        )
    columns = ["flow", "offered", "requests", "failed", "p50", "p95", "p99", "statuses"]
    title = f"Load against {report.base_url}: {report.stats.requests} requests"
    return compact_table(title, columns, rows)


def check_table(report: LoadReport) -> Table:
    result = {
        True: "[green]pass[/green]",
        False: "[bold red]FAIL[/bold red]",
        None: "[dim]n/a[/dim]",
    }
    rows = [[c.flow, c.name, c.target, c.measured, result[c.passed]] for c in report.checks]
    columns = ["flow", "threshold", "target", "measured", "result"]
    return compact_table("Thresholds (the flows' targets)", columns, rows, left=2)


def print_report(report: LoadReport) -> None:
    stats = report.stats
    print_table(flow_table(report))
    print_table(check_table(report))
    stdout.print(
        f"{stats.journeys_started} journeys ({stats.journeys_passed} passed, "
        f"{stats.journeys_failed} failed, {stats.journeys_stopped} stopped at the bound, "
        f"{stats.dropped} dropped) in {stats.elapsed_s:.1f} s, {stats.throughput:.1f} req/s; "
        f"stopped by {stats.stopped_by}"
    )
    for flow_id, reason in report.mix.skipped.items():
        stdout.print(f"[dim]not loaded: {flow_id} ({escape(reason)})[/dim]")
    for flow_id, flow_stats in sorted(stats.flows.items()):
        for reason, count in sorted(flow_stats.errors.items()):
            stdout.print(f"[yellow]{flow_id}[/yellow]: {count} x {escape(reason)}")


def live_progress(duration_s: float) -> tuple[Progress, object]:
    """A progress bar over the duration showing throughput and errors as they happen."""
    progress = Progress(
        TextColumn("[bold]load[/bold]"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[line]}"),
        console=stderr,
        transient=False,
    )
    task = progress.add_task("load", total=duration_s, line="starting")

    def update(stats: LoadStats) -> None:
        line = (
            f"{stats.requests} req, {stats.throughput:.1f} req/s, "
            f"{stats.failures} errors, {stats.dropped} dropped"
        )
        progress.update(task, completed=min(stats.elapsed_s, duration_s), line=line)

    return progress, update


@click.command("load")
@click.argument("file", type=click.Path())
@click.option(
    "--base-url", required=True, help="Where the workload runs (loopback only by default)."
)
@click.option(
    "--duration", default="60s", show_default=True, help="How long arrivals continue, e.g. 60s, 5m."
)
@click.option(
    "--max-requests",
    default=10_000,
    show_default=True,
    type=int,
    help="Stop after this many requests.",
)
@click.option(
    "--rate", type=float, help="Journeys per second in total (default: the model's rates)."
)
@click.option(
    "--profile",
    type=click.Choice(["expected", "peak"]),
    default="expected",
    show_default=True,
    help="Which execution rate of the use cases to offer.",
)
@click.option(
    "--credential",
    "credentials",
    multiple=True,
    envvar="FLOWSIGHT_CREDENTIALS",
    help=CREDENTIAL_HELP,
)
@click.option("--flow", "flows", multiple=True, help="Load only this flow (repeatable).")
@click.option(
    "--max-in-flight",
    default=256,
    show_default=True,
    type=int,
    help="Journeys running at once before arrivals are dropped.",
)
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds per request.")
@click.option("--seed", type=int, help="Seed the arrival schedule and choices (reproducible runs).")
@click.option("--allow-remote", is_flag=True, help="Allow a target outside 127.0.0.0/8 and ::1.")
def command(
    file: str,
    base_url: str,
    duration: str,
    max_requests: int,
    rate: float | None,
    profile: str,
    credentials: tuple[str, ...],
    flows: tuple[str, ...],
    max_in_flight: int,
    timeout: float,
    seed: int | None,
    allow_remote: bool,
) -> None:
    """Offer FILE's traffic mix to --base-url, then check targets.

    Open-model arrivals at the use cases' execution rates; afterwards every flow's
    latency and availability targets are checked. Exit code 1 when a threshold
    fails; 2 on unreadable input.

    \b
    Example:
      flowsight load examples/relecloud/workload.yaml --base-url http://127.0.0.1:8000 --duration 60s
    """
    from flowsight.load import load_workload
    from flowsight.loadgen import LoadOptions, run_load
    from flowsight.probe import parse_credentials

    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    workload = load_workload(file).workload
    options = LoadOptions(_duration_seconds(duration), max_requests, max_in_flight, timeout, seed)
    progress, update = live_progress(options.duration_s)
    with progress:
        report = run_load(
            workload,
            base_url,
            options,
            parse_credentials(list(credentials)),
            list(flows) or None,
            rate,
            profile,  # type: ignore[arg-type]
            allow_remote,
            update,  # type: ignore[arg-type]
        )
    print_report(report)
    if report.failed_checks:
        names = ", ".join(f"{c.flow} {c.name}" for c in report.failed_checks)
        stdout.print(f"[bold red]failed thresholds:[/bold red] {escape(names)}")
        raise click.exceptions.Exit(EXIT_FINDINGS)
