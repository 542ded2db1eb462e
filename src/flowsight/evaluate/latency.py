"""Percentiles from the engine's log-scale latency histograms.

Engines return counts per bucket (16 per doubling of the duration in µs), which
merge exactly across steps, minutes and backends; a percentile is read at the
bucket's geometric middle, within 2.2 % of the true value. Whether a target is
met is decided on the exact share of requests under its threshold instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from flowsight.evaluate.base import BUCKETS_PER_DOUBLING

#: Percentiles always reported, besides those the targets name.
STANDARD_PERCENTILES = (50.0, 90.0, 95.0, 99.0)

Histogram = dict[int, int]


def merge(into: Histogram, buckets: Iterable[tuple[int, int]]) -> Histogram:
    for bucket, count in buckets:
        into[bucket] = into.get(bucket, 0) + count
    return into


def bucket_ms(bucket: int) -> float:
    """The geometric middle of a bucket, in milliseconds."""
    return 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING) / 1000


def percentile_ms(histogram: Histogram, percentile: float) -> float | None:
    """Nearest-rank percentile: the smallest bucket holding the ceil(p * n)-th request."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(percentile / 100 * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return round(bucket_ms(bucket), 3)
    return None


def percentiles(histogram: Histogram, wanted: Iterable[float]) -> dict[str, float | None]:
    return {f"p{p:g}": percentile_ms(histogram, p) for p in wanted}


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
            result[at][f"p{percentile:g}"] = round(bucket_ms(chosen), 3)
    return result
