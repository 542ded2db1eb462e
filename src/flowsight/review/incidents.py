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
    """Contiguous breaching points; a point without requests ends an incident."""
    if result.objective is None:
        return []
    step = timedelta(minutes=resolution_minutes)
    found: list[Incident] = []
    current: Incident | None = None
    for point in sorted(result.series, key=lambda p: p.start):
        if not _breaching(point, result.objective):
            current = None
            continue
        availability = point.availability or 0.0
        if current is not None and point.start == current.end:
            current.end = point.start + step
            current.minutes += resolution_minutes
            current.requests += point.requests
            current.bad += point.bad
            current.worst_availability = min(current.worst_availability, availability)
        else:
            current = Incident(
                point.start,
                point.start + step,
                resolution_minutes,
                point.requests,
                point.bad,
                availability,
            )
            found.append(current)
    return found
