"""Incidents: runs of consecutive series points where a flow breached its objective.

They come from the evaluation's own series (the numbers `flowsight evaluate`
computes), so an incident's bad requests add up to the bad requests it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flowsight.evaluate.results import FlowResult, SeriesPoint


@dataclass
class Incident:
    start: datetime
    end: datetime
    minutes: int
    requests: int
    bad: int
    worst_availability: float


def _breaching(point: SeriesPoint, objective: float) -> bool:
    return point.availability is not None and point.availability < objective


def incidents(result: FlowResult, resolution_minutes: int) -> list[Incident]:
    """Runs of breaching points; an incident lasts until the first point that meets the
    objective (recovery seen), points without requests do not end it."""
    if result.objective is None:
        return []
    step = timedelta(minutes=resolution_minutes)
    found: list[Incident] = []
    current: Incident | None = None
    for point in sorted(result.series, key=lambda p: p.start):
        if not _breaching(point, result.objective):
            if current is not None:
                current.end = point.start
            current = None
            continue
        availability = point.availability or 0.0
        if current is None:
            current = Incident(point.start, point.start, 0, 0, 0, availability)
            found.append(current)
        current.end = point.start + step
        current.requests += point.requests
        current.bad += point.bad
        current.worst_availability = min(current.worst_availability, availability)
    for incident in found:
        incident.minutes = int((incident.end - incident.start).total_seconds() // 60)
    return found
