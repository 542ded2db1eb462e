"""The dashboard's state: the workload, its design findings, and a cached evaluation.

Pages and /metrics evaluate through `flowsight.evaluate` like the CLI does; the
result is reused while neither the store (its segments and logs) nor the clock's
minute changed, so a page and its JSON twin opened together show the same numbers
and newly received telemetry shows on the next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flowsight.evaluate import Evaluation, evaluate_workload
from flowsight.findings import Finding
from flowsight.model import Workload
from flowsight.report import design_review
from flowsight.telemetry.store import TelemetryStore, signature


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


@dataclass
class DashboardState:
    config: DashboardConfig
    workload: Workload
    design: list[Finding]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key: tuple[object, ...] | None = None
    _evaluation: Evaluation | None = None
    _drift_key: tuple[object, ...] | None = None
    _drift: list[Finding] = field(default_factory=list)

    @classmethod
    def load(cls, config: DashboardConfig) -> DashboardState:
        workload, design = design_review(config.workload_path)
        return cls(config, workload, design)

    def now(self) -> datetime:
        return self.config.now or datetime.now(UTC)

    def evaluation(self) -> Evaluation:
        """The evaluation for the store as it is now (cached per store signature and
        minute: the signature counts spans still in a receiver's log, too)."""
        return self._evaluated()[1]

    def _evaluated(self) -> tuple[tuple[object, ...], Evaluation]:
        now = self.now()
        key = (signature(self.config.store), now.replace(second=0, microsecond=0))
        with self._lock:
            if self._key != key or self._evaluation is None:
                config = self.config
                self._evaluation = evaluate_workload(
                    self.workload,
                    config.store,
                    window=config.window,
                    start=config.start,
                    end=config.end,
                    now=now,
                )
                self._key = key
            return self._key, self._evaluation

    def drift(self) -> list[Finding]:
        """`flowsight drift` over the evaluated windows, cached like the evaluation (keyed
        on the evaluation it was computed from, even if another request refreshed it since)."""
        from flowsight.report import measured_drift

        key, evaluation = self._evaluated()
        with self._lock:
            if self._drift_key != key:
                path, store = self.config.workload_path, self.config.store
                self._drift = measured_drift(path, store, evaluation)
                self._drift_key = key
            return self._drift
