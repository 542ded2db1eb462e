"""The verdict of a flow: meeting, at risk, breached or no data, with the reasons.

breached: the error budget is spent (availability below the objective) or a
latency target is missed over the window. at risk: a burn-rate alert would
fire, less than a quarter of the budget is left, a security requirement is
violated, or a named signal has stopped arriving. no data: nothing counted.
"""

from __future__ import annotations

import math

from flowsight.evaluate.results import FlowResult, LatencyResult

AT_RISK_REMAINING = 0.25


def verdict(result: FlowResult) -> tuple[str, list[str]]:
    valid = result.slices["valid"] if result.slices else result.requests
    if valid == 0:
        return "no_data", ["no requests in the counted minutes of the window"]
    breached, at_risk = [], []
    if result.budget and result.budget.remaining < 0:
        breached.append(
            f"error budget exhausted: availability {result.availability:.3f} % is below "
            f"the {result.objective:g} % objective"
        )
    for latency in result.latency:
        if latency.met is False:
            breached.append(_missed(latency))
    if result.alert and result.alert.state in ("page", "ticket"):
        at_risk.append(f"burn-rate alert would {result.alert.state}")
    ratio = result.budget.remaining_ratio if result.budget else None
    if ratio is not None and 0 <= ratio < AT_RISK_REMAINING:
        at_risk.append(f"only {100 * ratio:.1f} % of the error budget remains")
    if result.security and result.security.violation:
        at_risk.append(
            f"{result.security.unauthenticated} successful requests served without "
            "an authenticated principal"
        )
    for signal in result.signals:
        if signal.arriving is False:
            at_risk.append(f"signal '{signal.signal}' is not arriving")
    if breached:
        return "breached", breached + at_risk
    if at_risk:
        return "at_risk", at_risk
    return "meeting", []


def _missed(latency: LatencyResult) -> str:
    """The share is floored so it never reads as enough; the value is an upper bound
    above the threshold (flowsight.evaluate.latency), so it never reads as within it."""
    under = math.floor(10_000 * (latency.share_under or 0)) / 100
    bound = (
        "" if latency.value_ms is None else f"; p{latency.percentile:g} <= {latency.value_ms:g} ms"
    )
    return (
        f"p{latency.percentile:g} latency exceeds {latency.threshold_ms:g} ms "
        f"(only {under:.2f} % under{bound})"
    )
