"""`flowsight demo`: Relecloud, load, faults, evaluation, docs and report in one command."""

from __future__ import annotations

from contextlib import ExitStack
from importlib.resources import as_file
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from flowsight.cli.load import live_progress
from flowsight.cli.output import print_table, stdout
from flowsight.cli.probe import compact_table
from flowsight.errors import EXIT_FINDINGS

if TYPE_CHECKING:
    from flowsight.demo import DemoResult

STYLE = {"meeting": "green", "at_risk": "yellow", "breached": "bold red", "no_data": "dim"}
#: What the scenario is built to show; the demo exits 1 when the measurement disagrees.
EXPECTED_BREACHED = {"list-concerts", "collect-telemetry"}


def _rows(result: DemoResult) -> list[list[str]]:
    rows = []
    for flow in result.evaluation.flows:
        style = STYLE[flow.verdict]
        p95 = flow.percentiles_ms.get("p95")
        rows.append(
            [
                flow.flow,
                flow.criticality[0].upper(),
                f"[{style}]{flow.verdict.replace('_', ' ')}[/{style}]",
                "-" if flow.availability is None else f"{flow.availability:.2f}%",
                "-" if flow.objective is None else f"{flow.objective:g}%",
                str(flow.requests),
                str(flow.bad),
                str(result.injected.get(flow.flow, 0)),
                "-" if p95 is None else f"{p95:.0f} ms",
            ]
        )
    return rows


def verdict_table(result: DemoResult) -> Table:
    """Compact enough for an 80-column terminal."""
    title = f"Verdicts over {result.start:%H:%M}-{result.end:%H:%M} UTC (compressed window)"
    columns = ["flow", "c", "verdict", "avail.", "SLO", "req.", "failed", "inj.", "p95"]
    return compact_table(title, columns, _rows(result), left=3)


def print_slices(result: DemoResult) -> None:
    """Time-slice flows: say what the availability column counts."""
    for flow in result.evaluation.flows:
        if flow.slices:
            stdout.print(
                f"{flow.flow} is budgeted in {flow.slices['minutes']}-minute slices: "
                f"{flow.slices['bad']} of {flow.slices['valid']} counted minutes bad; minutes "
                "of announced maintenance are not counted, nor are their failed requests."
            )


def print_breaches(result: DemoResult) -> None:
    for flow in result.evaluation.flows:
        if flow.verdict not in ("breached", "at_risk"):
            continue
        style = STYLE[flow.verdict]
        stdout.print(f"[{style}]{flow.flow} {flow.verdict.replace('_', ' ')}[/{style}]:")
        for reason in flow.reasons:
            stdout.print(f"  - {escape(reason)}")
        path = " -> ".join(f"{c.name or c.id} ({c.contact})" for c in flow.escalation_path)
        if path:
            stdout.print(f"  escalation path: {escape(path)}")
    for finding in result.evaluation.findings:
        stdout.print(f"[yellow]{finding.rule}[/yellow]: {escape(finding.message)}")


def deviations(result: DemoResult) -> list[str]:
    """Where the measured outcome differs from what the scenario is built to show."""
    problems = []
    failures = result.scenario.expected_failures()
    for flow in result.evaluation.flows:
        expected = "breached" if flow.flow in EXPECTED_BREACHED else "meeting"
        if flow.verdict != expected:
            problems.append(f"{flow.flow} is {flow.verdict}, the scenario expects {expected}")
        if flow.bad != failures.get(flow.flow, 0):
            problems.append(
                f"{flow.flow} has {flow.bad} failed requests, the scenario injected "
                f"{failures.get(flow.flow, 0)} that should count"
            )
    return problems


def print_result(result: DemoResult) -> None:
    stdout.rule("How the demo compressed time")
    for line in result.compression:
        stdout.print(escape(line))
    stdout.print(
        f"The payment gateway burst caused {result.gateway_retries} "
        f"retr{'y' if result.gateway_retries == 1 else 'ies'} inside Relecloud; "
        f"the purchase made during it {'succeeded' if result.live.purchase_ok else 'FAILED'}."
    )
    print_table(verdict_table(result))
    stdout.print("(H)igh, (M)edium, (L)ow criticality; failed and injected count requests.")
    print_slices(result)
    print_breaches(result)
    stdout.rule("Where everything went")
    for name, path in result.paths.items():
        stdout.print(f"{name}: {path}")
    for note in result.notes:
        stdout.print(f"[yellow]note:[/yellow] {escape(note)}")


@click.command("demo")
@click.option(
    "--workload",
    "workload_path",
    type=click.Path(),
    help="The Relecloud workload file (default: the example shipped with flowsight).",
)
@click.option(
    "-o",
    "--output",
    default="demo-output",
    show_default=True,
    type=click.Path(),
    help="Where the store, docs, report, logs and evaluation go.",
)
@click.option("--short", is_flag=True, help="The 2-minute version the tests run.")
def command(workload_path: str | None, output: str, short: bool) -> None:
    """Run Relecloud under load with faults and measure every flow.

    Offline, on loopback: Relecloud and the OTLP receiver start as child
    processes, load and scripted faults run against them, and the docs, the
    evaluation and the report land in --output. Needs the relecloud extra.
    Exit code 1 when the measured outcome differs from the scenario's design;
    2 when the relecloud extra is missing.

    \b
    Example:
      pip install 'flowsight[relecloud]'
      flowsight demo --short -o demo-output
    """
    from flowsight.cli.extras import require_extra

    require_extra("relecloud", "`flowsight demo` (it runs the Relecloud app)")
    from flowsight.demo import FULL, SHORT, run_demo
    from flowsight.starter import example_resource

    scenario = SHORT if short else FULL
    progress, update = live_progress(scenario.arrivals_end_s)
    with ExitStack() as stack:
        if workload_path is None:
            workload_path = str(stack.enter_context(as_file(example_resource("relecloud"))))
        stack.enter_context(progress)
        result = run_demo(
            workload_path,
            output,
            short,
            on_event=lambda text: progress.console.print(f"[cyan]demo[/cyan] {escape(text)}"),
            progress=update,  # type: ignore[arg-type]
        )
    print_result(result)
    problems = deviations(result)
    for problem in problems:
        stdout.print(f"[bold red]unexpected:[/bold red] {escape(problem)}")
    if problems:
        raise click.exceptions.Exit(EXIT_FINDINGS)
    stdout.print("[green]The scenario's outcome is as designed.[/green]")
