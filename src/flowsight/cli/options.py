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
            click.option("--window", help="Window for every flow: 'Nd' or 'calendar-month'."),
            click.option("--from", "start", help="Window start, ISO 8601 with offset."),
            click.option("--to", "end", help="Window end, ISO 8601 with offset (default: now)."),
            click.option("--now", "now", help="Evaluate as if it were this time (reproducible)."),
        ]
    ):
        function = option(function)
    return function
