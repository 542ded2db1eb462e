"""The dashboard's state: the workload, its design findings, and a cached evaluation.

Pages and /metrics evaluate through `flowsight.evaluate` like the CLI does; the
result is reused while neither the store (its segments and a receiver's logs) nor the
clock's minute changed, so a page and its JSON twin opened together show the same
numbers and newly received telemetry shows on the next request. A page may ask for a
time range (web/timerange.py); each range keeps its own cached evaluation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flowsight.evaluate import Evaluation, evaluate_workload
from flowsight.evaluate.base import Backend
from flowsight.findings import Finding
from flowsight.model import Workload
from flowsight.report import design_review
from flowsight.telemetry.store import TelemetryStore, connect, signature
from flowsight.web.timerange import DEFAULT, TimeRange, fitting_range

#: Evaluations kept at once (one per time range asked for in the current minute).
CACHED_RANGES = 8


@dataclass
class DashboardConfig:
    """What `flowsight serve` was asked for."""

    workload_path: Path
    store: TelemetryStore
    host: str = "127.0.0.1"
    token: str | None = None
    window: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    #: A frozen clock for reproducible reviews and tests; None means the real time.
    now: datetime | None = None
    refresh_seconds: int = 30
    #: Where the pages read spans from when not the store (e.g. ClickHouse's otel_traces).
    source: Backend | None = None


@dataclass
class DashboardState:
    config: DashboardConfig
    workload: Workload
    design: list[Finding]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[tuple[object, ...], Evaluation] = field(default_factory=dict)
    _drifts: dict[tuple[object, ...], list[Finding]] = field(default_factory=dict)
    _first_span: tuple[tuple[object, ...], datetime | None] | None = None

    @classmethod
    def load(cls, config: DashboardConfig) -> DashboardState:
        workload, design = design_review(config.workload_path)
        return cls(config, workload, design)

    def now(self) -> datetime:
        return self.config.now or datetime.now(UTC)

    def _segments(self) -> tuple[object, ...]:
        """The store's signature (its segments and the spans still in a receiver's log);
        () when the pages read another source, which is then re-read each minute."""
        if self.config.source is not None:
            return ()
        return (signature(self.config.store),)

    def _key(self, chosen: TimeRange, now: datetime) -> tuple[object, ...]:
        return (self._segments(), now.replace(second=0, microsecond=0), chosen)

    def first_span(self) -> datetime | None:
        """When the earliest span started (cached per segment set; per minute when the
        pages read another source, whose changes the store cannot see)."""
        source = self.config.source
        key = self._segments() if source is None else (self.now().strftime("%Y-%m-%dT%H:%M"),)
        if self._first_span is None or self._first_span[0] != key:
            if source is None:
                with connect(self.config.store) as connection:
                    row = connection.execute("SELECT min(start_ns) FROM spans").fetchone()
                earliest = None if not row else row[0]
            else:
                until = int(self.now().timestamp() * 1e9) + 1
                found = source.rows(
                    {"first": f"SELECT min(start_ns) FROM {source.spans(0, until)}"}
                )
                earliest = found["first"][0][0] if found["first"] else None
            first = datetime.fromtimestamp(earliest / 1e9, UTC) if earliest else None
            self._first_span = (key, first)
        return self._first_span[1]

    def default_range(self) -> TimeRange:
        """The window `serve` was given, else one that fits the data (web/timerange.py)."""
        config = self.config
        if config.window or config.start or config.end:
            return DEFAULT
        return fitting_range(self.first_span(), self.now())

    def evaluation(self, time_range: TimeRange | None = None) -> Evaluation:
        """The evaluation for the store as it is now, over `time_range` (None: the default),
        cached per segment set, minute and range."""
        now = self.now()
        chosen = time_range or self.default_range()
        key = self._key(chosen, now)
        with self._lock:
            if key not in self._cache:
                if len(self._cache) >= CACHED_RANGES:
                    self._cache.clear()
                config = self.config
                window = chosen.window(now)
                self._cache[key] = evaluate_workload(
                    self.workload,
                    config.source or config.store,
                    window=None if window else config.window,
                    start=window[0] if window else config.start,
                    end=window[1] if window else config.end,
                    now=now,
                )
            return self._cache[key]

    def drift(self, time_range: TimeRange | None = None) -> list[Finding]:
        """`flowsight drift` over the windows evaluated for `time_range` (None: the
        default), cached like the evaluation.

        Drift reads only the flowsight store: when the pages read another source
        (ClickHouse), the store holds other spans, so there is no drift to show, as
        in `flowsight report` and `flowsight review` on that source.
        """
        from flowsight.report import measured_drift

        chosen = time_range or self.default_range()
        evaluation = self.evaluation(chosen)
        key = self._key(chosen, evaluation.now)
        with self._lock:
            if key not in self._drifts:
                if len(self._drifts) >= CACHED_RANGES:
                    self._drifts.clear()
                path, store = self.config.workload_path, self.config.store
                measured = self.config.source is None
                self._drifts[key] = measured_drift(path, store, evaluation) if measured else []
            return self._drifts[key]
