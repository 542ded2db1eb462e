"""Building blocks shared by every part of the workload model.

Models are strict (unknown keys are errors, no silent type coercion) because a
typo in a target must never turn into a default that looks plausible.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

IDENTIFIER = r"^[a-z0-9][a-z0-9_.-]*$"

Identifier = Annotated[
    str,
    Field(pattern=IDENTIFIER, min_length=1, max_length=80),
]
"""Lower-case ids (`purchase-ticket`), so they are stable in URLs, labels and file names."""

Percent = Annotated[float, Field(gt=0, le=100)]
"""A percentage such as an availability objective: 99.9 means 99.9 %."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: No target, notice or threshold is meaningfully longer than ten years, and a bound
#: keeps `999999999999999999999d` from overflowing timedelta (a traceback on main).
MAX_DURATION = timedelta(days=3660)


def parse_duration(value: Any) -> timedelta:
    """Parse `500ms`, `30s`, `5m`, `48h`, `30d`, `1w` into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("a duration is a string such as '30s', '5m', '48h' or '30d'")
    match = _DURATION.match(value)
    if not match:
        raise ValueError(
            f"'{value}' is not a duration; write a number and a unit: ms, s, m, h, d or w "
            "(for example '48h')"
        )
    amount, unit = match.groups()
    seconds = float(amount) * _UNIT_SECONDS[unit]
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"'{value.strip()}' is longer than ten years ({MAX_DURATION.days}d)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling of a duration, inverse of parse_duration."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{round(seconds * 1000)}ms"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


class StrictModel(BaseModel):
    """Base of every model class: unknown keys, type coercion and `.inf`/`.nan` are errors.

    A non-finite number (a revenue at risk of `.inf`) has no place in a target and
    would end up as `Infinity` in JSON that no other tool reads.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=False, allow_inf_nan=False)
