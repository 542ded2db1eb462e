"""`flowsight report FILE --db DB -o report.html`: the flow review as a file to send."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from flowsight.cli.output import stderr
from flowsight.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def parse_moment(text: str | None, option: str) -> datetime | None:
    """An ISO 8601 time with a UTC offset, or a UsageError naming the option."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} '{text}' is not an ISO 8601 time such as 2026-11-20T12:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"{option} '{text}' needs a UTC offset, e.g. 2026-11-20T12:00:00Z")
    return moment


def window_options(function: F) -> F:
    """--window, --from, --to and --now, shared by `report` and `serve`."""
    for option in reversed(
        [
            click.option("--window", help="Window for every flow: 'Nd' or 'calendar-month'."),
            click.option("--from", "start", help="Window start, ISO 8601 with offset."),
            click.option("--to", "end", help="Window end, ISO 8601 with offset (default: now)."),
            click.option("--now", "now", help="Evaluate as if it were this time (reproducible)."),
        ]
    ):
        function = option(function)
    return function


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
@click.option("--db", "db", required=True, type=click.Path(), help="Telemetry store directory.")
@click.option(
    "-o",
    "--output",
    help="Output file ('-' for stdout). Default: report.html for html, stdout for md.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "md"]),
    default="html",
    show_default=True,
)
@window_options
def command(
    file: str,
    db: str,
    output: str | None,
    output_format: str,
    window: str | None,
    start: str | None,
    end: str | None,
    now: str | None,
) -> None:
    """Write the flow review of workload FILE: one offline HTML file, or Markdown."""
    from flowsight.report import build_review, render_html, render_markdown
    from flowsight.telemetry import open_store

    if window and start:
        raise UsageError("--window and --from both set the window start; give one")
    review = build_review(
        file,
        open_store(db),
        window=window,
        start=parse_moment(start, "--from"),
        end=parse_moment(end, "--to"),
        now=parse_moment(now, "--now"),
    )
    if output_format == "md":
        _write(render_markdown(review.data(with_charts=False)), output, None)
    else:
        _write(render_html(review.data()), output, "report.html")
