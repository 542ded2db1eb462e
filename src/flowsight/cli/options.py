"""Options and values shared by the commands that measure a window of telemetry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

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
    """--window, --from, --to and --now, shared by `evaluate`, `report` and `serve`."""
    for option in reversed(
        [
            click.option(
                "--window",
                metavar="WINDOW",
                help="Window for every flow: 'Nd' or 'calendar-month'.",
            ),
            click.option(
                "--from", "start", metavar="TIME", help="Window start, ISO 8601 with offset."
            ),
            click.option(
                "--to",
                "end",
                metavar="TIME",
                help="Window end, ISO 8601 with offset (default: now).",
            ),
            now_option(),
        ]
    ):
        function = option(function)
    return function


def db_option(help_text: str = "Telemetry store directory.", required: bool = True) -> Callable[[F], F]:  # fmt: skip
    """--db: the telemetry store every measuring command reads."""
    return click.option(
        "--db", "db", required=required, type=click.Path(file_okay=False), help=help_text
    )


def format_option(choices: list[str], default: str, described: str) -> Callable[[F], F]:
    """--format, stored as `output_format`; `described` says what each choice gives."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=f"Output format: {described}.",
    )


def output_option(help_text: str, default: str | None = None) -> Callable[[F], F]:
    """-o/--output: a file to write ('-' for stdout where the command says so)."""
    return click.option(
        "-o",
        "--output",
        default=default,
        show_default=default is not None,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help=help_text,
    )


def now_option(verb: str = "Evaluate") -> Callable[[F], F]:
    """--now: a fixed clock so that a run can be reproduced."""
    return click.option(
        "--now",
        "now",
        metavar="TIME",
        help=f"{verb} as if it were this time (ISO 8601 with offset).",
    )


def fail_on_option(what: str) -> Callable[[F], F]:
    """--fail-on: the least criticality whose failure makes the exit code 1."""
    return click.option(
        "--fail-on",
        type=click.Choice(["low", "medium", "high", "none"]),
        default="high",
        show_default=True,
        help=f"Exit 1 when a flow of at least this criticality {what}.",
    )


def force_option(help_text: str) -> Callable[[F], F]:
    return click.option("--force", is_flag=True, help=help_text)


def cost_options(function: F) -> F:
    """--costs and --cost-format, shared by `cost` and `review`."""
    function = click.option(
        "--cost-format",
        type=click.Choice(["model", "focus", "csv"]),
        help="Format of --costs (default: csv with --costs, else the model's monthly_cost).",
    )(function)
    return click.option(
        "--costs",
        type=click.Path(dir_okay=False),
        help="A cost export: FOCUS, or plain CSV with component,period,cost.",
    )(function)
