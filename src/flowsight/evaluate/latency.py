"""Latency percentiles that never contradict the latency verdicts next to them.

Engines return counts per log-scale bucket (16 per doubling of the duration in
µs, bucketed from the exact nanosecond duration), which merge exactly across
steps, minutes and backends. Whether a target is met is decided exactly, on the
share of requests whose duration in nanoseconds is within the threshold.

The value reported for a percentile is an upper bound, not a bucket middle: the
upper edge of the bucket holding the nearest-rank request, rounded up to the
microsecond, so the true percentile v satisfies v <= value < v x 2^(1/16) + 1 µs
(under 4.5 % above). When a target on that percentile is met, the verdict
itself proves v <= threshold, so the value is capped at the threshold. A met
target thus never shows a value above its threshold, and a missed one never a
value at or below it (v > threshold, and the value is >= v). Every surface
reads these values, marked `"kind": "upper_bound"` in the JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from flowsight.evaluate.base import BUCKETS_PER_DOUBLING

#: Percentiles always reported, besides those the targets name.
STANDARD_PERCENTILES = (50.0, 90.0, 95.0, 99.0)
#: How a reported percentile relates to the true one (the JSON's `kind`).
UPPER_BOUND = "upper_bound"
#: The documented relative error of an upper bound, besides the 1 µs rounding.
RELATIVE_ERROR = 2 ** (1 / BUCKETS_PER_DOUBLING) - 1

Histogram = dict[int, int]
#: percentile -> the smallest threshold (ms) of a met target on it
Ceilings = Mapping[float, float]


@dataclass(frozen=True)
class Quantile:
    value_ms: float | None
    kind: str = UPPER_BOUND


def merge(into: Histogram, buckets: Iterable[tuple[int, int]]) -> Histogram:
    for bucket, count in buckets:
        into[bucket] = into.get(bucket, 0) + count
    return into


def bucket_upper_ms(bucket: int) -> float:
    """The bucket's upper edge, rounded up to the microsecond, in milliseconds."""
    return math.ceil(2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING)) / 1000


def _bounded(bucket: int, percentile: float, ceilings: Ceilings) -> float:
    value = bucket_upper_ms(bucket)
    cap = ceilings.get(percentile)
    return value if cap is None else min(value, cap)


def percentile_ms(
    histogram: Histogram, percentile: float, ceilings: Ceilings | None = None
) -> float | None:
    """Upper bound of the nearest-rank percentile (the ceil(p * n)-th request)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(percentile / 100 * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return _bounded(bucket, percentile, ceilings or {})
    return None


def percentiles(
    histogram: Histogram, wanted: Iterable[float], ceilings: Ceilings | None = None
) -> dict[str, float | None]:
    return {f"p{p:g}": percentile_ms(histogram, p, ceilings) for p in wanted}


def quantiles(values: Mapping[str, float | None]) -> dict[str, Quantile]:
    """The JSON's `quantiles`: each reported percentile with what kind of value it is."""
    return {key: Quantile(value) for key, value in values.items()}


def grouped_percentiles(
    point: np.ndarray, bucket: np.ndarray, count: np.ndarray, wanted: Iterable[float]
) -> dict[int, dict[str, float | None]]:
    """`percentiles` of many histograms at once (one per series point), without a Python
    loop over buckets: columns sorted by point then bucket; same nearest-rank rule."""
    if not len(point):
        return {}
    points, starts = np.unique(point, return_index=True)
    totals = np.add.reduceat(count, starts)
    cumulative = np.cumsum(count)
    before = cumulative[starts] - count[starts]
    result: dict[int, dict[str, float | None]] = {int(p): {} for p in points}
    for percentile in wanted:
        rank = np.maximum(1, np.ceil(percentile / 100 * totals))
        picks = np.searchsorted(cumulative, before + rank, side="left")
        for at, chosen in zip(points.tolist(), bucket[picks].tolist(), strict=True):
            result[at][f"p{percentile:g}"] = bucket_upper_ms(chosen)
    return result
