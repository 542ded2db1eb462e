"""`flowsight cost FILE --db DB`: cost per flow per month, by measured work."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from flowsight.cli.options import cost_options, format_option, now_option, parse_moment
from flowsight.cli.output import print_findings, print_table, stdout
from flowsight.cli.source import source_options, span_source
from flowsight.cost.results import CostReport
from flowsight.errors import EXIT_FINDINGS


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _table(report: CostReport) -> Table:
    table = Table(title=f"Cost per flow ({report.currency}, shared by span {report.basis})")
    for column in (
        "month",
        "flow",
        "crit.",
        "cost",
        "a month",
        "budget",
        "executions",
        "per 1,000",
        "target",
    ):
        table.add_column(column)
    for cost in report.flows:
        style = "bold red" if cost.over_budget else ""
        table.add_row(
            cost.month,
            cost.flow,
            cost.criticality,
            _money(cost.cost),
            f"[{style}]{_money(cost.monthly_rate)}[/{style}]"
            if style
            else _money(cost.monthly_rate),
            _money(cost.monthly_budget),
            f"{cost.executions:,}",
            _money(cost.per_1000),
            _money(cost.per_1000_target),
        )
    return table


def _unattributed(report: CostReport) -> None:
    for item in report.unattributed:
        stdout.print(
            f"unattributed {item.month} {item.label}: {_money(item.amount)} {report.currency} "
            f"({item.reason})",
            markup=False,
        )


@click.command("cost")
@click.argument("file", type=click.Path())
@source_options()
@click.option(
    "--month", metavar="YYYY-MM", help="Last month to report, YYYY-MM (default: the current month)."
)
@click.option(
    "--months", default=1, show_default=True, type=int, help="How many months up to --month."
)
@cost_options
@click.option(
    "--basis",
    type=click.Choice(["duration", "count"]),
    default="duration",
    show_default=True,
    help="Share a component by its spans' duration or by their count.",
)
@now_option("Report")
@format_option(["text", "json"], "text", "a table, or JSON with findings and unattributed cost")
def command(
    file: str,
    db: str | None,
    clickhouse: str | None,
    table: str,
    clickhouse_password_file: str | None,
    month: str | None,
    months: int,
    costs: str | None,
    cost_format: str | None,
    basis: str,
    now: str | None,
    output_format: str,
) -> None:
    """Share each component's cost among the flows by their work.

    Each component's cost is shared among the flows of FILE by the work they
    caused in the traces.

    Costs come from the model's monthly_cost, or from --costs in the FOCUS or the
    plain CSV (component,period,cost) format. Unattributed cost is listed, never
    spread. Exit code 1 when spend is out of line (over a cost target, a less
    critical flow costing more than a more critical one, cost outgrowing
    traffic); 2 when an input cannot be read.

    \b
    Example:
      flowsight cost examples/relecloud/workload.yaml --db telemetry --months 3
      flowsight cost workload.yaml --db telemetry --costs focus.csv --cost-format focus
    """
    from flowsight.cost import allocate_costs, periods_ending
    from flowsight.load import load_workload

    workload = load_workload(file).workload
    clock = parse_moment(now, "--now") or datetime.now(UTC)
    fmt = cost_format or ("csv" if costs else "model")
    report = allocate_costs(
        workload,
        span_source(db, clickhouse, table, clickhouse_password_file),
        periods_ending(month, months, clock),
        costs=costs,
        cost_format=fmt,
        basis=basis,
    )
    if output_format == "json":
        click.echo(report.to_json())
    else:
        print_table(_table(report))
        _unattributed(report)
        print_findings(report.findings)
    if report.findings:
        raise click.exceptions.Exit(EXIT_FINDINGS)
