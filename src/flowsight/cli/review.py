"""`flowsight review FILE --db DB`: the periodic review document, stored as a snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from flowsight.cli.options import (
    cost_options,
    format_option,
    now_option,
    output_option,
    parse_moment,
)
from flowsight.cli.output import stdout
from flowsight.cli.source import clickhouse_source, source_options
from flowsight.errors import EXIT_FINDINGS, UsageError


@click.command("review")
@click.argument("file", type=click.Path())
@source_options(
    db_required=True,
    db_help="Telemetry store directory (with --clickhouse: where review snapshots are kept, "
    "created if missing).",
)
@click.option(
    "--month", metavar="YYYY-MM", help="Month to review, YYYY-MM (default: the current month)."
)
@cost_options
@now_option("Review")
@format_option(["md", "html"], "md", "Markdown, or one HTML file")
@output_option("Write the document here (default: stdout).")
@click.option("--no-save", is_flag=True, help="Do not store this review as a snapshot.")
def command(
    file: str,
    db: str,
    clickhouse: str | None,
    table: str,
    clickhouse_password_file: str | None,
    month: str | None,
    costs: str | None,
    cost_format: str | None,
    now: str | None,
    output_format: str,
    output: str | None,
    no_save: bool,
) -> None:
    """Review every flow: targets vs measured, trend, actions.

    The periodic review of every flow of FILE: targets against measured values,
    the trend since the last review, incidents and the actions they call for.

    The review is stored in the store so the next one compares against it.
    Exit code 1 when a high-criticality flow missed a target; 2 on unreadable input.

    \b
    Example:
      flowsight review examples/relecloud/workload.yaml --db telemetry -o review.md
    """
    from flowsight.review import render_html, render_markdown, review_workload
    from flowsight.telemetry import open_store

    review = review_workload(
        file,
        open_store(db, create=clickhouse is not None),
        parse_moment(now, "--now") or datetime.now(UTC),
        month=month,
        costs=costs,
        cost_format=cost_format or ("csv" if costs else "model"),
        save=not no_save,
        source=clickhouse_source(clickhouse, table, clickhouse_password_file),
    )
    text = render_html(review) if output_format == "html" else render_markdown(review)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{output}: cannot write the review ({error.strerror})") from None
        stdout.print(f"wrote {output}", markup=False)
    else:
        click.echo(text, nl=False)
    if any(a.tier == 2 and a.criticality == "high" for a in review.actions):
        raise click.exceptions.Exit(EXIT_FINDINGS)
