"""Availability, budgets and burn rates of one flow from its per-minute rows.

Works on at most (counted minutes) rows per flow: the engine already counted
requests; here only the calendar's verdict on each minute and the budgeting
method (requests or time slices) are applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from flowsight.model.targets import ReliabilityTarget
from flowsight.slo.alerts import Counts
from flowsight.slo.budget import Budget, budget, burn_rate
from flowsight.slo.tiers import burn_windows


@dataclass
class MinuteRows:
    """A flow's per-minute counts as sorted columns: minute, total, ok, client errors, bad.

    Columns rather than a dict of tuples because a 30-day window holds tens of
    thousands of minutes per flow; numpy sums and searches them without a Python loop.
    """

    minute: np.ndarray
    total: np.ndarray
    ok: np.ndarray
    client: np.ndarray
    bad: np.ndarray

    @classmethod
    def empty(cls) -> MinuteRows:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in range(5)))

    def good(self, client_errors_are_bad: bool) -> np.ndarray:
        return self.ok if client_errors_are_bad else self.ok + self.client

    def between(self, lo: int, hi: int) -> MinuteRows:
        """The rows of minutes [lo, hi)."""
        first, last = np.searchsorted(self.minute, [lo, hi])
        return MinuteRows(
            *(c[first:last] for c in (self.minute, self.total, self.ok, self.client, self.bad))
        )


@dataclass
class Tally:
    """Valid and bad units (requests, or slices) over some minutes."""

    valid: int
    bad: int
    unit_minutes: int  # minutes per unit for slices; 0 for requests

    @property
    def good(self) -> int:
        return self.valid - self.bad


def tally(
    rows: MinuteRows,
    late: set[int],
    target: ReliabilityTarget | None,
    lo: int,
    hi: int,
) -> Tally:
    """Requests (or slices) in minutes [lo, hi): late maintenance minutes are bad slices."""
    bad_clients = bool(target and target.client_errors_are_bad)
    inside = rows.between(lo, hi)
    if not target or target.budgeting == "requests":
        valid = int(inside.total.sum())
        return Tally(valid, valid - int(inside.good(bad_clients).sum()), 0)
    length, counted, failing = _slices(inside, late, target, bad_clients, lo, hi)
    return Tally(len(counted), len(failing), length)


def failing_slice_minutes(
    rows: MinuteRows, late: set[int], target: ReliabilityTarget, lo: int, hi: int
) -> np.ndarray:
    """The first minute of every bad slice in [lo, hi), sorted: what a time-slice budget spent."""
    bad_clients = bool(target.client_errors_are_bad)
    length, _, failing = _slices(rows.between(lo, hi), late, target, bad_clients, lo, hi)
    return np.array(sorted(failing), dtype=np.int64) * length


def _slices(
    inside: MinuteRows,
    late: set[int],
    target: ReliabilityTarget,
    bad_clients: bool,
    lo: int,
    hi: int,
) -> tuple[int, set[int], set[int]]:
    """Slice length, the slices counted and the slices failing (late maintenance fails)."""
    length = max(1, round(target.slice.total_seconds() / 60)) if target.slice else 1
    threshold = (target.slice_threshold or target.availability) / 100
    index, starts = np.unique(inside.minute // length, return_index=True)
    totals = np.add.reduceat(inside.total, starts) if len(starts) else inside.total
    goods = np.add.reduceat(inside.good(bad_clients), starts) if len(starts) else inside.total
    late_slices = {m // length for m in late if lo <= m < hi}
    failing = goods / totals < threshold
    if late_slices:
        failing |= np.isin(index, list(late_slices))
    bad = set(index[failing].tolist()) | (late_slices - set(index.tolist()))
    return length, set(index.tolist()) | late_slices, bad


def flow_budget(result: Tally, objective: float) -> Budget:
    if result.unit_minutes:
        return budget(
            "minutes",
            result.valid * result.unit_minutes,
            result.bad * result.unit_minutes,
            objective,
        )
    return budget("requests", result.valid, result.bad, objective)


def window_counts(
    rows: MinuteRows, late: set[int], target: ReliabilityTarget, end_minute: int
) -> dict[str, Counts]:
    """(bad, valid) over each burn-rate window ending at `end_minute`, counted minutes only."""
    counts: dict[str, Counts] = {}
    for name, span in burn_windows().items():
        lo = end_minute - round(span.total_seconds() / 60)
        result = tally(rows, late, target, lo, end_minute)
        counts[name] = (result.bad, result.valid)
    return counts


def burn_rates(counts: dict[str, Counts], target: ReliabilityTarget) -> dict[str, float | None]:
    return {
        name: burn_rate(bad, valid, target.availability) for name, (bad, valid) in counts.items()
    }


def minutes_of(ranges: Iterable[tuple[int, int]]) -> set[int]:
    return {m for lo, hi in ranges for m in range(lo, hi)}


def gaps(counted: Iterable[tuple[int, int]], rows: MinuteRows) -> list[tuple[int, int]]:
    """Runs of counted minutes without a single request: [lo, hi) minute ranges."""
    runs: list[tuple[int, int]] = []
    for lo, hi in counted:
        present = rows.between(lo, hi).minute
        edges = np.concatenate(([lo - 1], present, [hi]))
        holes = np.flatnonzero(np.diff(edges) > 1)
        runs += [(int(edges[i]) + 1, int(edges[i + 1])) for i in holes]
    return runs
