"""Flows from traces: draft a workload from what runs (`flowsight discover`).

`discover_workload` reads the window's spans once (`observe`), groups entry points into
flows (`draft`) and assembles a commented draft (`build`) that passes `flowsight check`
with placeholders, never invented facts, for what only a person can decide.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flowsight.discover.build import Draft, build_draft
from flowsight.discover.draft import group_entries
from flowsight.discover.observe import Grouping, Observation, observe_store
from flowsight.telemetry.store import TelemetryStore

__all__ = ["Draft", "Observation", "discover_patch", "discover_workload", "observe_store"]


def _ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000_000)


def discover_workload(
    store: TelemetryStore,
    start: datetime,
    end: datetime,
    name: str = "Discovered workload",
    timezone: str = "UTC",
    group_by: str | None = None,
    step_by: str | None = None,
) -> Draft:
    """A draft workload of every entry point seen in [start, end)."""
    grouping = Grouping.by_attributes(group_by, step_by)
    observation = observe_store(store, _ns(start), _ns(end), grouping)
    return build_draft(observation, group_entries(observation), name, timezone)


def discover_patch(
    store: TelemetryStore,
    start: datetime,
    end: datetime,
    path: Path,
    timezone: str = "UTC",
    group_by: str | None = None,
    step_by: str | None = None,
) -> str:
    """A unified diff adding to the workload at `path` only what the traces show it lacks."""
    from flowsight.discover.draft import CLAIMED
    from flowsight.discover.patch import check_patched, patched_text, unified_patch
    from flowsight.drift import grouping as workload_grouping
    from flowsight.load import load_workload

    workload = load_workload(path).workload
    own = workload_grouping(workload)
    wanted = Grouping.by_attributes(group_by, step_by)
    grouping = Grouping(
        flow=own.flow,
        group=f"CASE WHEN flow IS NOT NULL THEN '{CLAIMED}' ELSE {wanted.group} END",
        step=wanted.step,
        components=own.components,
    )
    observation = observe_store(store, _ns(start), _ns(end), grouping)
    taken = frozenset([f.id for f in workload.flows] + [u.id for u in workload.use_cases])
    offsets = {
        "parties": len(workload.parties),
        "components": len(workload.components),
        "use_cases": len(workload.use_cases),
        "flows": len(workload.flows),
    }
    draft = build_draft(observation, group_entries(observation, taken), "", timezone, offsets)
    _keep_new(draft, {p.id for p in workload.parties})
    original = path.read_text()
    patched = patched_text(original, draft)
    check_patched(path, patched)
    return unified_patch(path, original, patched)


def _keep_new(draft: Draft, parties: set[str]) -> None:
    """Drop what a patch must not add: the workload header, schedules and known parties."""
    document = draft.document
    document.pop("workload", None)
    document.pop("schedules", None)
    dropped = {
        draft.at("parties", i) for i, p in enumerate(document["parties"]) if p["id"] in parties
    }
    document["parties"] = [p for p in document["parties"] if p["id"] not in parties]
    if not document.get("flows"):
        document["parties"] = []
        document["placeholders"] = []
        return
    document["placeholders"] = [
        p for p in document["placeholders"] if p not in dropped and p != "workload.owner"
    ]
