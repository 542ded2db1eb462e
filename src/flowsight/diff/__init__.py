"""Target history: what changed per flow between two versions of a workload.

Versions are files, directories, or `REV:PATH` git revisions, so a review can
put a target change next to the measured effect it had. Besides the flow's own
fields (leaf by leaf, never whole objects), the diff compares what they mean in
their workload (flowsight.diff.meaning): schedule hours per week, routes and
span rules, component SLAs, feasibility of the objective, and maintenance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flowsight.diff.fields import show
from flowsight.diff.meaning import feasibility_text, flow_facts
from flowsight.diff.versions import load_version
from flowsight.model import Flow, Workload

__all__ = ["Change", "diff_workloads", "load_version"]

FEASIBILITY = ("feasibility.ceiling", "feasibility.effective", "feasibility.feasible")


@dataclass(frozen=True)
class Change:
    flow: str
    field: str
    kind: str  # added | removed | changed
    old: Any = None
    new: Any = None
    #: the change in words where the field alone says too little (feasibility)
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.text:
            return self.text
        if self.kind == "changed" and _long_lists(self.old, self.new):
            return f"{self.field}: {_list_delta(self.old, self.new)}"
        if self.kind == "changed":
            return f"{self.field}: {_show(self.field, self.old)} -> {_show(self.field, self.new)}"
        value = self.new if self.kind == "added" else self.old
        return f"{self.field} {self.kind}: {_show(self.field, value)}"


def _show(field: str, value: Any) -> str:
    if field == "schedule.hours_per_week":
        return f"{value:g} h"
    if field.endswith(".notice_hours"):
        return f"{value:g} h ahead"
    return show(value)


def _long_lists(old: Any, new: Any) -> bool:
    """Lists too long to read twice in full: shown as what was removed and added."""
    return isinstance(old, list) and isinstance(new, list) and max(len(old), len(new)) > 3


def _list_delta(old: list[Any], new: list[Any]) -> str:
    removed = [show(x) for x in old if x not in new]
    added = [show(x) for x in new if x not in old]
    parts = [f"removed {', '.join(removed)}"] if removed else []
    parts += [f"added {', '.join(added)}"] if added else []
    return "; ".join(parts) or f"reordered {show(old)} -> {show(new)}"


def _empty(value: Any) -> bool:
    return value is None or value == []


def _compare(flow_id: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if key in FEASIBILITY:
            continue
        before, after = old.get(key), new.get(key)
        if before == after or (_empty(before) and _empty(after)):
            continue
        if before is None:
            changes.append(Change(flow_id, key, "added", new=after))
        elif after is None:
            changes.append(Change(flow_id, key, "removed", old=before))
        else:
            changes.append(Change(flow_id, key, "changed", before, after))
    return changes


def _objective(flow: Flow) -> float | None:
    return flow.targets.reliability.availability if flow.targets.reliability else None


def _feasibility(
    flow_id: str, old: dict[str, Any], new: dict[str, Any], before: Flow, after: Flow
) -> list[Change]:
    """One change when the composite ceiling or the verdict on the objective moved."""
    if all(old.get(k) == new.get(k) for k in FEASIBILITY):
        return []
    was = {k.split(".")[1]: old.get(k) for k in FEASIBILITY}
    now = {k.split(".")[1]: new.get(k) for k in FEASIBILITY}
    text = (
        f"feasibility: {feasibility_text(old, _objective(before))} -> "
        f"{feasibility_text(new, _objective(after))}"
    )
    return [Change(flow_id, "feasibility", "changed", was, now, text)]


def diff_workloads(old: Workload, new: Workload) -> list[Change]:
    """Every change per flow, flows ordered as in the new version, removed flows last."""
    changes: list[Change] = []
    old_flows = {f.id: f for f in old.flows}
    for flow in new.flows:
        before = old_flows.pop(flow.id, None)
        if before is None:
            changes.append(Change(flow.id, "flow", "added", new=flow.name))
            continue
        was, now = flow_facts(old, before), flow_facts(new, flow)
        changes.extend(_compare(flow.id, was, now))
        changes.extend(_feasibility(flow.id, was, now, before, flow))
    changes.extend(
        Change(flow_id, "flow", "removed", old=f.name) for flow_id, f in old_flows.items()
    )
    return changes
