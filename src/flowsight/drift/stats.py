"""How sure a count of failures is: Poisson tails and bounds, for small and large counts.

A component that failed 1 time in 5,000 calls is not shown to be below a 99.995 % SLA
(0.25 failures expected; one happens 22 % of the time by chance). Drift judges a
component, and feeds the feasibility math, only with what the counts establish at
`CONFIDENCE`.
"""

from __future__ import annotations

import math

#: One-sided confidence of every drift judgement on a measured availability.
CONFIDENCE = 0.99


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    # Sum the lower part when it is the shorter one, in log space for large counts.
    if k - 1 <= mean:
        lower = sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - lower)
    total, i = 0.0, k
    while True:
        term = math.exp(i * math.log(mean) - mean - math.lgamma(i + 1))
        total += term
        if term < 1e-15 * max(total, 1e-300) or i > k + 10 * (math.sqrt(mean) + 10):
            return min(1.0, total)
        i += 1


def below_objective(calls: int, failures: int, objective_percent: float) -> bool:
    """The failures are too many for the objective, beyond chance at CONFIDENCE."""
    if calls == 0:
        return False
    expected = calls * (100.0 - objective_percent) / 100.0
    return failures > expected and poisson_tail(failures, expected) < 1 - CONFIDENCE


def availability_upper(calls: int, failures: int) -> float:
    """The highest availability (percent) the counts leave plausible at CONFIDENCE."""
    if calls == 0 or failures == 0:
        return 100.0
    low, high = 0.0, float(failures)
    for _ in range(60):
        mid = (low + high) / 2
        if poisson_tail(failures, mid) < 1 - CONFIDENCE:
            low = mid
        else:
            high = mid
    return 100.0 * (1.0 - min(low / calls, 1.0))
