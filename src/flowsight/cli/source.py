"""Where the reading commands get their spans: `--db` (the flowsight store) or `--clickhouse`.

evaluate, report, serve, cost and review share these options, so every one of
them can read the OpenTelemetry Collector's `otel_traces` table in place. serve
and review also keep local state (the receiver's segments, review snapshots) in
`--db`, so for them `--db` stays required and `--clickhouse` only moves the
reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from flowsight.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def source_options(
    db_required: bool = False, db_help: str = "Telemetry store directory (or give --clickhouse)."
) -> Callable[[F], F]:
    """--db, --clickhouse URL, --table and --clickhouse-password-file."""

    def decorate(function: F) -> F:
        for option in reversed(
            [
                click.option(
                    "--db",
                    "db",
                    required=db_required,
                    type=click.Path(file_okay=False),
                    metavar="DIRECTORY",
                    help=db_help,
                ),
                click.option(
                    "--clickhouse",
                    "clickhouse",
                    metavar="URL",
                    help="Read otel_traces in ClickHouse instead: clickhouse://, http:// or "
                    "https:// (TLS) URL, e.g. clickhouse://host:8123/otel (needs the clickhouse "
                    "extra); password from FLOWSIGHT_CLICKHOUSE_PASSWORD or "
                    "--clickhouse-password-file.",
                ),
                click.option(
                    "--table",
                    default="otel_traces",
                    show_default=True,
                    metavar="NAME",
                    help="ClickHouse table of the spans (with --clickhouse).",
                ),
                click.option(
                    "--clickhouse-password-file",
                    "clickhouse_password_file",
                    type=click.Path(dir_okay=False),
                    metavar="FILE",
                    help="File holding the ClickHouse password (its first line).",
                ),
            ]
        ):
            function = option(function)
        return function

    return decorate


def clickhouse_source(clickhouse: str | None, table: str, password_file: str | None) -> Any:
    """The ClickHouse backend when --clickhouse was given, else None."""
    if clickhouse is None:
        if password_file is not None:
            raise UsageError("--clickhouse-password-file needs --clickhouse URL")
        return None
    from flowsight.cli.extras import require_extra

    require_extra("clickhouse", "--clickhouse")
    from flowsight.evaluate.clickhouse_server import connect_clickhouse

    return connect_clickhouse(clickhouse, table, password_file)


def span_source(
    db: str | None, clickhouse: str | None, table: str, password_file: str | None
) -> Any:
    """Exactly one of the store or ClickHouse, for commands that only read."""
    if (db is None) == (clickhouse is None):
        raise UsageError("give exactly one of --db (the flowsight store) or --clickhouse URL")
    found = clickhouse_source(clickhouse, table, password_file)
    if found is not None:
        return found
    from flowsight.telemetry import open_store

    return open_store(db or "")
