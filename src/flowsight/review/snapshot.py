"""Review snapshots, kept in the telemetry store so the next review compares against them.

A snapshot is what one review measured per flow (every pillar) plus the workload
as it was reviewed, so the next review can show the trend and, through
`flowsight.diff`, the target changes made since. Snapshots are small JSON files
under `<store>/reviews/`, written to tmp/ and renamed, like the store's segments:
a reader sees a whole snapshot or none.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flowsight.errors import StoreError
from flowsight.model import Workload
from flowsight.telemetry.store import TelemetryStore

VERSION = 1
DIRECTORY = "reviews"


@dataclass
class FlowSnapshot:
    """One flow's measured values in one review period (None: not measured)."""

    flow: str
    criticality: str
    verdict: str
    objective: float | None = None
    availability: float | None = None
    budget_consumed: float | None = None
    requests: int = 0
    #: "p95" -> [measured ms, threshold ms]
    latency: dict[str, list[float | None]] = field(default_factory=dict)
    unauthenticated: int | None = None
    signals_missing: list[str] = field(default_factory=list)
    cost: float | None = None
    cost_budget: float | None = None
    per_1000: float | None = None
    incident_minutes: int = 0


@dataclass
class Snapshot:
    period: str
    start: str
    end: str
    taken_at: str
    flows: dict[str, FlowSnapshot]
    workload: dict[str, Any]

    def flow(self, flow_id: str) -> FlowSnapshot | None:
        return self.flows.get(flow_id)

    def reviewed_workload(self) -> Workload:
        return Workload.model_validate(self.workload)

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}


def _directory(store: TelemetryStore) -> Path:
    return store.path / DIRECTORY


def save_snapshot(store: TelemetryStore, snapshot: Snapshot) -> Path:
    """Durably add the snapshot; its name sorts by the time it was taken."""
    directory = _directory(store)
    directory.mkdir(exist_ok=True)
    stamp = snapshot.taken_at.replace(":", "").replace("-", "")
    target = directory / f"review-{stamp}-{snapshot.period}.json"
    temporary = store.tmp_dir / f"{target.name}.{os.getpid()}.tmp"
    with open(temporary, "w") as handle:
        # Strict JSON: a non-finite measurement is stored as "not measured" (null).
        json.dump(_finite(snapshot.to_dict()), handle, indent=1, allow_nan=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(temporary, target)
    return target


def _finite(value: Any) -> Any:
    """The value with every NaN or infinity replaced by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse(path: Path) -> Snapshot:
    try:
        data = json.loads(path.read_text(), parse_constant=_no_constants)
        if data.pop("version") != VERSION:
            raise ValueError("unknown version")
        flows = {k: FlowSnapshot(**v) for k, v in data.pop("flows").items()}
        return Snapshot(flows=flows, **data)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise StoreError(
            f"{path}: not a readable review snapshot ({error})",
            hint="move the file out of the reviews/ directory to review without it",
        ) from None


def load_snapshots(store: TelemetryStore, before: datetime | None = None) -> list[Snapshot]:
    """Stored snapshots, oldest first; with `before`, only those taken before it."""
    directory = _directory(store)
    if not directory.is_dir():
        return []
    snapshots = [_parse(p) for p in sorted(directory.glob("review-*.json"))]
    snapshots.sort(key=lambda s: s.taken_at)
    if before is not None:
        snapshots = [s for s in snapshots if datetime.fromisoformat(s.taken_at) < before]
    return snapshots
