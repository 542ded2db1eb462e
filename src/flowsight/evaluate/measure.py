"""Availability, budgets and burn rates of one flow from its per-minute rows.

Works on at most (counted minutes) rows per flow: the engine already counted
requests; here only the calendar's verdict on each minute and the budgeting
method (requests or time slices) are applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flowsight.evaluate.budgets import BURN_WINDOWS, Budget, budget, burn_rate
from flowsight.model.targets import ReliabilityTarget

#: flow's per-minute counts: minute -> (total, ok, client_errors, bad)
MinuteRows = dict[int, tuple[int, int, int, int]]


@dataclass
class Tally:
    """Valid and bad units (requests, or slices) over some minutes."""

    valid: int
    bad: int
    unit_minutes: int  # minutes per unit for slices; 0 for requests

    @property
    def good(self) -> int:
        return self.valid - self.bad


def good_of(row: tuple[int, int, int, int], client_errors_are_bad: bool) -> int:
    _, ok, client, _ = row
    return ok if client_errors_are_bad else ok + client


def tally(
    rows: MinuteRows,
    late: set[int],
    target: ReliabilityTarget | None,
    lo: int,
    hi: int,
) -> Tally:
    """Requests (or slices) in minutes [lo, hi): late maintenance minutes are bad slices."""
    bad_clients = bool(target and target.client_errors_are_bad)
    inside = [(m, r) for m, r in rows.items() if lo <= m < hi]
    if not target or target.budgeting == "requests":
        valid = sum(r[0] for _, r in inside)
        return Tally(valid, valid - sum(good_of(r, bad_clients) for _, r in inside), 0)
    length = max(1, round(target.slice.total_seconds() / 60)) if target.slice else 1
    threshold = (target.slice_threshold or target.availability) / 100
    slices: dict[int, list[int]] = {}
    for minute, row in inside:
        counts = slices.setdefault(minute // length, [0, 0])
        counts[0] += row[0]
        counts[1] += good_of(row, bad_clients)
    late_slices = {m // length for m in late if lo <= m < hi}
    bad = sum(
        1
        for index, (total, good) in slices.items()
        if index in late_slices or good / total < threshold
    )
    bad += len(late_slices - slices.keys())
    return Tally(len(slices.keys() | late_slices), bad, length)


def flow_budget(result: Tally, objective: float) -> Budget:
    if result.unit_minutes:
        return budget(
            "minutes",
            result.valid * result.unit_minutes,
            result.bad * result.unit_minutes,
            objective,
        )
    return budget("requests", result.valid, result.bad, objective)


def burn_rates(
    rows: MinuteRows, late: set[int], target: ReliabilityTarget, end_minute: int
) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for name, span in BURN_WINDOWS.items():
        lo = end_minute - round(span.total_seconds() / 60)
        result = tally(rows, late, target, lo, end_minute)
        rates[name] = burn_rate(result.bad, result.valid, target.availability)
    return rates


def minutes_of(ranges: Iterable[tuple[int, int]]) -> set[int]:
    return {m for lo, hi in ranges for m in range(lo, hi)}


def gaps(counted: Iterable[tuple[int, int]], rows: MinuteRows) -> list[tuple[int, int]]:
    """Runs of counted minutes without a single request: [lo, hi) minute ranges."""
    runs: list[tuple[int, int]] = []
    for lo, hi in counted:
        start = None
        for minute in range(lo, hi):
            if minute in rows:
                if start is not None:
                    runs.append((start, minute))
                    start = None
            elif start is None:
                start = minute
        if start is not None:
            runs.append((start, hi))
    return runs
