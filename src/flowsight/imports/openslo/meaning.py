"""What an OpenSLO SLO means in flowsight terms: window, budgeting, targets and queries.

Each function either returns the flowsight value, or raises a located ExportError
when flowsight cannot say the same thing; a change flowsight can make while
keeping the intent is returned with a warning that names what was lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flowsight.errors import ExportError
from flowsight.imports.openslo.documents import Located
from flowsight.imports.openslo.resolve import Index, MetricSource
from flowsight.model.schedule import WEEKDAYS

_DURATION = re.compile(r"^(\d+)([smhdwMQY])$")
_RANGE = re.compile(r"\[(\d+[smhdwy])\]")


@dataclass
class Meaning:
    """Warnings gathered while reading one SLO (each names the SLO and the loss)."""

    warnings: list[str] = field(default_factory=list)
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def warn(self, where: str, text: str) -> None:
        self.warnings.append(f"{where}: {text}")


def _located(value: Any) -> Located:
    return value if isinstance(value, Located) else Located()


def schedule_for_zone(zone: str, meaning: Meaning) -> str:
    """A 24/7 schedule in the calendar's time zone (so calendar months start at its midnight)."""
    if zone in ("UTC", "Etc/UTC", ""):
        return "always"
    schedule_id = "always-" + re.sub(r"[^a-z0-9]+", "-", zone.lower()).strip("-")
    meaning.schedules[schedule_id] = {
        "id": schedule_id,
        "name": f"24/7 in {zone}",
        "timezone": zone,
        "hours": {day: ["00:00-24:00"] for day in WEEKDAYS},
    }
    return schedule_id


def window(spec: Located, name: str, meaning: Meaning) -> tuple[str, str]:
    """(flowsight window, schedule id) from the SLO's timeWindow; isRolling defaults to false."""
    windows = spec.get("timeWindow")
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise ExportError(
            f"{spec.where('timeWindow')}: SLO '{name}' needs exactly one timeWindow",
            hint="OpenSLO v1 allows one time window per SLO",
        )
    item = _located(windows[0])
    where = item.where("duration")
    match = _DURATION.match(str(item.get("duration", "")).strip())
    if not match:
        raise ExportError(
            f"{where}: SLO '{name}' window duration {item.get('duration')!r} is not an "
            "OpenSLO duration such as 28d, 4w or 1M"
        )
    amount, unit = int(match.group(1)), match.group(2)
    rolling = item.get("isRolling", False) is True
    found = item.get("calendar")
    calendar: dict[str, Any] = found if isinstance(found, dict) else {}
    zone = str(calendar.get("timeZone") or "UTC")
    if rolling:
        if unit in "dw":
            return f"{amount * (7 if unit == 'w' else 1)}d", "always"
        if unit == "M" and amount == 1:
            meaning.warn(where, f"SLO '{name}': the rolling month became a rolling 30d window")
            return "30d", "always"
        raise ExportError(
            f"{where}: SLO '{name}' rolling window of {amount}{unit} has no flowsight equivalent",
            hint="flowsight windows are rolling days (e.g. 28d, 4w) or the calendar month (1M)",
        )
    if "isRolling" not in item:
        meaning.warn(where, f"SLO '{name}': no isRolling, so the window is a calendar window")
    if unit == "M" and amount == 1:
        schedule = schedule_for_zone(zone, meaning)
        start = str(calendar.get("startTime", ""))
        if start and not re.match(r"^\d{4}-\d{2}-01( 00:00(:00)?)?$", start):
            meaning.warn(where, f"SLO '{name}': months start on the 1st at 00:00, not at {start}")
        return "calendar-month", schedule
    if unit in "dw":
        days = amount * (7 if unit == "w" else 1)
        meaning.warn(
            where,
            f"SLO '{name}': the calendar window of {amount}{unit} (from "
            f"{calendar.get('startTime', 'its start')} {zone}) became a rolling {days}d window; "
            "flowsight's only calendar window is the month",
        )
        return f"{days}d", "always"
    hint = "flowsight windows are rolling days or the calendar month (1M)"
    if unit == "m":
        hint = "a duration of 1m is one minute; a calendar month is written 1M"
    raise ExportError(
        f"{where}: SLO '{name}' calendar window of {amount}{unit} has no flowsight equivalent",
        hint=hint,
    )


def target_percent(objective: Located, name: str, number: int) -> float:
    where = objective.where()
    if "targetPercent" in objective:
        value = objective["targetPercent"]
        percent = float(value) if isinstance(value, int | float) else -1.0
    elif "target" in objective:
        value = objective["target"]
        percent = round(float(value) * 100, 9) if isinstance(value, int | float) else -1.0
    else:
        raise ExportError(f"{where}: SLO '{name}' objective {number} has no target")
    if not 0 < percent < 100:
        raise ExportError(
            f"{objective.where('target')}: SLO '{name}' objective {number} target "
            f"{value!r} is not between 0 and 1 (or targetPercent between 0 and 100)"
        )
    return percent


def slice_length(value: Any) -> str:
    """OpenSLO's timeSliceWindow (a duration, or a bare number of minutes) as a flowsight one."""
    if isinstance(value, int | float):
        return f"{int(value)}m"
    return str(value)


def budgeting(spec: Located, objective: Located, name: str, meaning: Meaning) -> dict[str, Any]:
    method = spec.get("budgetingMethod", "Occurrences")
    if method == "Occurrences":
        return {}
    if method not in ("Timeslices", "RatioTimeslices"):
        raise ExportError(
            f"{spec.where('budgetingMethod')}: SLO '{name}' budgetingMethod {method!r} is not "
            "Occurrences, Timeslices or RatioTimeslices"
        )
    found: dict[str, Any] = {
        "budgeting": "timeslices",
        "slice": slice_length(objective.get("timeSliceWindow", 1)),
    }
    if method == "RatioTimeslices":
        meaning.warn(
            spec.where("budgetingMethod"),
            f"SLO '{name}': RatioTimeslices (the mean of each slice's ratio) became Timeslices "
            "(the share of slices at or above the objective)",
        )
    elif "timeSliceTarget" in objective:
        found["slice_threshold"] = round(float(objective["timeSliceTarget"]) * 100, 9)
    return found


def _as_rate(query: str, counter: bool) -> str | None:
    """A query as a per-second rate over `{{.window}}`, or None when that cannot be written."""
    if "{{.window}}" in query:
        return query.strip()
    if counter:
        selector = r"([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?)"
        bare = re.fullmatch(r"\s*" + selector + r"\s*", query)
        if bare:
            return f"sum(rate({bare.group(1)}[{{{{.window}}}}]))"
        summed = re.fullmatch(
            r"\s*(sum(\s+by\s*\([^()]*\))?)\s*\(\s*" + selector + r"\s*\)\s*", query
        )
        if summed:
            return f"{summed.group(1)}(rate({summed.group(3)}[{{{{.window}}}}]))"
        return None
    ranges = set(_RANGE.findall(query))
    if len(ranges) == 1:
        return _RANGE.sub("[{{.window}}]", query).strip()
    return None


def prometheus_sli(
    index: Index, sli: Located, name: str, meaning: Meaning
) -> tuple[dict[str, str] | None, list[str]]:
    """The ratio SLI as flowsight's `telemetry.prometheus`, or the queries kept as text."""
    ratio = _located(sli.get("ratioMetric"))
    counter = ratio.get("counter") is True
    where = sli.where("ratioMetric")
    if "raw" in ratio:
        raw = index.metric_source(ratio["raw"], where)
        failure = ratio.get("rawType") == "failure"
        if raw.prometheus and raw.query:
            meaning.warn(
                where,
                f"SLI '{name}': the raw {'failure' if failure else 'success'} ratio is used as "
                "the error ratio over a constant total (vector(1)); burn rates weigh every "
                "evaluation equally, not every request",
            )
            error = raw.query if failure else f"1 - ({raw.query})"
            return {"error_query": error, "total_query": "vector(1)"}, []
        return None, _kept_text({"raw": raw})
    sources: dict[str, MetricSource] = {
        part: index.metric_source(ratio[part], ratio.where(part))
        for part in ("good", "bad", "total")
        if part in ratio
    }
    if "total" not in sources or ("good" in sources) == ("bad" in sources):
        raise ExportError(
            f"{where}: SLI '{name}' ratioMetric needs total and exactly one of good or bad"
        )
    if not all(s.prometheus and s.query for s in sources.values()):
        return None, _kept_text(sources)
    rates = {part: _as_rate(str(s.query), counter) for part, s in sources.items()}
    if any(rate is None for rate in rates.values()):
        meaning.warn(
            where,
            f"SLI '{name}': a query has no single range to turn into flowsight's "
            "{{.window}}; the queries are kept in the flow's description only",
        )
        return None, _kept_text(sources)
    total = str(rates["total"])
    error = str(rates["bad"]) if "bad" in rates else f"({total}) - ({rates['good']})"
    return {"error_query": error, "total_query": total}, []


def _kept_text(sources: dict[str, MetricSource]) -> list[str]:
    return [
        f"OpenSLO {part} query ({source.type}): {source.query or source.spec}"
        for part, source in sources.items()
    ]


def latency_threshold(objective: Located, name: str, number: int, meaning: Meaning) -> str:
    """A thresholdMetric objective (op lt/lte, value) as a flowsight latency threshold."""
    op, value = objective.get("op"), objective.get("value")
    where = objective.where("op") if "op" in objective else objective.where()
    if op not in ("lt", "lte"):
        raise ExportError(
            f"{where}: SLO '{name}' objective {number} is a thresholdMetric with op {op!r}; "
            "flowsight reads a thresholdMetric as a latency that must stay under its value",
            hint="only op lt or lte with a value in milliseconds becomes a latency target",
        )
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ExportError(
            f"{objective.where('value')}: SLO '{name}' objective {number} needs a positive "
            f"value (the latency threshold), not {value!r}"
        )
    meaning.warn(
        objective.where("value"),
        f"SLO '{name}' objective {number}: value {value:g} read as milliseconds "
        "(OpenSLO gives thresholds no unit)",
    )
    return f"{value:g}ms"
