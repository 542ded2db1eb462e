"""`flowsight discover --db STORE -o draft.yaml`: a workload drafted from the traces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from flowsight.cli.options import db_option, output_option, parse_moment
from flowsight.errors import UsageError


def days_option(text: str) -> timedelta:
    if text.endswith("d") and text[:-1].isdigit() and 0 < int(text[:-1]) <= 3660:
        return timedelta(days=int(text[:-1]))
    raise UsageError(f"--window '{text}' is not a window; use 'Nd' with N from 1 to 3660, e.g. 7d")


def window_end(text: str | None) -> datetime:
    return parse_moment(text, "--to") or datetime.now(UTC)


#: --window and --to of `discover` and `drift`: a span of whole days back from a moment.
#: (The shared window_options also take --from, --now and calendar months, which these do not.)
window_option = click.option(
    "--window",
    default="7d",
    show_default=True,
    metavar="WINDOW",
    help="How far back to read: 'Nd'.",
)
to_option = click.option(
    "--to", "end", metavar="TIME", help="End of the window, ISO 8601 with offset (default: now)."
)


def _zone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone '{text}' is not an IANA time zone such as America/New_York"
        ) from None
    return text


@click.command("discover")
@db_option()
@window_option
@to_option
@click.option("--name", default="Discovered workload", show_default=True, help="Workload name.")
@click.option(
    "--timezone",
    default="UTC",
    metavar="ZONE",
    show_default=True,
    help="Time zone of the suggested opening hours (IANA name).",
)
@click.option(
    "--group-by", help="Span attribute naming the flow (e.g. app.flow), if spans carry one."
)
@click.option("--step-by", help="Span attribute naming the step (e.g. app.flow.step).")
@output_option("Write the draft here (default: stdout).")
@click.option(
    "--into",
    type=click.Path(exists=True, dir_okay=False),
    help="An existing workload file: print a patch adding only what it lacks.",
)
def command(
    db: str,
    window: str,
    end: str | None,
    name: str,
    timezone: str,
    group_by: str | None,
    step_by: str | None,
    output: str | None,
    into: str | None,
) -> None:
    """Draft a workload from the store's entry points, calls and traffic.

    \b
    Example:
      flowsight discover --db store --window 7d --timezone America/New_York -o draft.yaml
      flowsight check draft.yaml
    """
    from flowsight.discover import discover_patch, discover_workload
    from flowsight.telemetry import open_store

    until = window_end(end)
    store = open_store(db)
    start, zone = until - days_option(window), _zone(timezone)
    if into:
        text = discover_patch(store, start, until, Path(into), zone, group_by, step_by)
    else:
        text = discover_workload(store, start, until, name, zone, group_by, step_by).text()
    if output:
        Path(output).write_text(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
