"""Target history: what changed per flow between two versions of a workload.

Versions are files, directories, or `REV:PATH` git revisions, so a review can
put a target change next to the measured effect it had.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flowsight.errors import UsageError
from flowsight.load import load_workload
from flowsight.model import Flow, Workload

#: Flow fields compared one by one; everything under `targets` is compared leaf by leaf.
TRACKED_FIELDS = (
    "name",
    "kind",
    "criticality",
    "owner",
    "stakeholders",
    "escalation_path",
    "use_case",
    "process",
    "stage",
    "description",
)


@dataclass(frozen=True)
class Change:
    flow: str
    field: str
    kind: str  # added | removed | changed
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.kind == "changed":
            return f"{self.field}: {_show(self.old)} -> {_show(self.new)}"
        value = self.new if self.kind == "added" else self.old
        return f"{self.field} {self.kind}: {_show(value)}"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "not set" if value is None else str(value)


def _leaves(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_leaves(inner, f"{prefix}.{key}"))
        return out
    return {prefix: value}


def _flow_fields(flow: Flow) -> dict[str, Any]:
    data = flow.model_dump(mode="json")
    fields = {name: data[name] for name in TRACKED_FIELDS}
    fields.update(_leaves(data["targets"], "targets"))
    for step in flow.steps:
        fields[f"steps.{step.id}"] = step.model_dump(mode="json", exclude={"id"})
    for dep in flow.dependencies:
        fields[f"dependencies.{dep.target}"] = dep.model_dump(mode="json", exclude_none=True)
    return fields


def _compare(flow_id: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key not in old or (before is None and after is not None and key.startswith("targets")):
            changes.append(Change(flow_id, key, "added", new=after))
        elif key not in new or (after is None and key.startswith("targets")):
            changes.append(Change(flow_id, key, "removed", old=before))
        else:
            changes.append(Change(flow_id, key, "changed", before, after))
    return changes


def diff_workloads(old: Workload, new: Workload) -> list[Change]:
    """Every change per flow, flows ordered as in the new version, removed flows last."""
    changes: list[Change] = []
    old_flows = {f.id: f for f in old.flows}
    for flow in new.flows:
        before = old_flows.pop(flow.id, None)
        if before is None:
            changes.append(Change(flow.id, "flow", "added", new=flow.name))
        else:
            changes.extend(_compare(flow.id, _flow_fields(before), _flow_fields(flow)))
    changes.extend(
        Change(flow_id, "flow", "removed", old=f.name) for flow_id, f in old_flows.items()
    )
    return changes


def _git_show(revision: str, path: Path) -> str:
    """The file's text at `revision`; the path is taken relative to its own folder."""
    folder = path.parent if str(path.parent) else Path()
    try:
        result = subprocess.run(
            ["git", "show", f"{revision}:./{path.name}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=folder,
        )
    except FileNotFoundError as error:
        raise UsageError("git is not installed", "compare two files instead") from error
    if result.returncode != 0:
        raise UsageError(
            f"cannot read {path} at git revision {revision}: {result.stderr.strip()}",
            "write REV:PATH with a revision git knows, e.g. HEAD~1:workload.yaml",
        )
    return result.stdout


def load_version(spec: str) -> Workload:
    """A workload from a path, or from `REV:PATH` read out of git."""
    if Path(spec).exists() or ":" not in spec:
        return load_workload(spec).workload
    revision, _, path = spec.partition(":")
    text = _git_show(revision, Path(path))
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name
        copy.write_text(text, encoding="utf-8")
        return load_workload(copy).workload
