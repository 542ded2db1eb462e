"""`flowsight report FILE --db DB -o report.html`: the flow review as a file to send."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flowsight.cli.options import format_option, output_option, parse_moment, window_options
from flowsight.cli.output import stderr
from flowsight.cli.source import source_options, span_source
from flowsight.errors import UsageError


def _write(text: str, output: str | None, default: str | None) -> None:
    target = output or default
    if target is None or target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{target}: cannot write the report ({error.strerror})") from None
    stderr.print(f"wrote {target}")


@click.command("report")
@click.argument("file", type=click.Path())
@source_options()
@output_option("Output file ('-' for stdout). Default: report.html for html, stdout for md.")
@format_option(["html", "md"], "html", "one offline HTML file with charts, or Markdown")
@window_options
def command(
    file: str,
    db: str | None,
    clickhouse: str | None,
    table: str,
    clickhouse_password_file: str | None,
    output: str | None,
    output_format: str,
    window: str | None,
    start: str | None,
    end: str | None,
    now: str | None,
) -> None:
    """Write the flow review as one offline HTML file, or Markdown.

    The review of workload FILE over the window: verdicts, budgets, burn-rate
    alerts, latency and charts. Exit code 2 on unreadable input.

    \b
    Example:
      flowsight report examples/relecloud/workload.yaml --db telemetry -o report.html
      flowsight report workload.yaml --db telemetry --format md --window 7d > review.md
    """
    from flowsight.report import build_review, render_html, render_markdown

    if window and start:
        raise UsageError("--window and --from both set the window start; give one")
    review = build_review(
        file,
        span_source(db, clickhouse, table, clickhouse_password_file),
        window=window,
        start=parse_moment(start, "--from"),
        end=parse_moment(end, "--to"),
        now=parse_moment(now, "--now"),
    )
    if output_format == "md":
        _write(render_markdown(review.data(with_charts=False)), output, None)
    else:
        _write(render_html(review.data()), output, "report.html")
