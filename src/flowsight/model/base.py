"""Building blocks shared by every part of the workload model.

Models are strict (unknown keys are errors, no silent type coercion) because a
typo in a target must never turn into a default that looks plausible.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

IDENTIFIER = r"^[a-z0-9][a-z0-9_.-]*$"

Identifier = Annotated[
    str,
    Field(pattern=IDENTIFIER, min_length=1, max_length=80),
]
"""Lower-case ids (`purchase-ticket`), so they are stable in URLs, labels and file names."""

Percent = Annotated[float, Field(gt=0, le=100)]
"""A percentage such as an availability objective: 99.9 means 99.9 %."""


def _not_a_ratio(value: float) -> float:
    """`availability: 0.999` (OpenSLO's ratio) would silently mean 0.999 %."""
    if value < 1:
        raise PydanticCustomError(
            "percent_as_ratio",
            "{value} is read as {value} %, which looks like a ratio; objectives are percentages",
            {"value": value},
        )
    return value


Objective = Annotated[Percent, AfterValidator(_not_a_ratio)]
"""An objective or SLA in percent; a value below 1 is an error (a ratio written by mistake)."""

_ID_SCHEMA = {"type": "string", "pattern": IDENTIFIER, "minLength": 1, "maxLength": 80}


def _one_or_many(value: Any) -> Any:
    """`next: pay` and `next: [pay]` mean the same."""
    return [value] if isinstance(value, str) else value


StepIds = Annotated[
    list[Identifier],
    BeforeValidator(_one_or_many),
    WithJsonSchema({"anyOf": [_ID_SCHEMA, {"type": "array", "items": _ID_SCHEMA}]}),
]
"""Where a step continues: one step id, or a list of them."""


def _one_step(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) != 1:
            raise ValueError(
                "a branch continues at exactly one step: write `next: step-id` or `next: [step-id]`"
            )
        return value[0]
    return value


StepId = Annotated[
    Identifier,
    BeforeValidator(_one_step),
    WithJsonSchema(
        {
            "anyOf": [
                _ID_SCHEMA,
                {"type": "array", "items": _ID_SCHEMA, "minItems": 1, "maxItems": 1},
            ]
        }
    ),
]
"""A branch's `next`: one step id, also accepted as a one-item list like a step's `next`."""

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


#: Labels flowsight itself puts on every alert; a workload cannot override them.
RESERVED_ALERT_LABELS = frozenset(
    {"alertname", "flow", "objective", "criticality", "severity", "burn", "schedule"}
    | {"flowsight_workload", "quantile"}
)


def _alert_labels(value: Any) -> Any:
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and key in RESERVED_ALERT_LABELS:
                raise ValueError(
                    f"label '{key}' is set by flowsight itself; choose another name "
                    "(for example 'team' or 'cluster')"
                )
    return value


AlertLabels = Annotated[
    dict[
        Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", max_length=100)],
        Annotated[str, Field(max_length=1000)],
    ],
    BeforeValidator(_alert_labels),
]
"""Extra labels of exported alerts: Prometheus label names, any text as values."""
