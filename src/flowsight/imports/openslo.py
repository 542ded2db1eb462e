"""`flowsight import openslo`: bootstrap a workload from OpenSLO v1 documents.

Each SLO becomes an objective of a flow: SLOs exported by flowsight carry the
flow id, criticality, schedule, latency threshold and telemetry mapping in
`flowsight.io/` labels and annotations, so a round trip keeps every objective;
SLOs from other tools become one flow each, with defaults a person reviews.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flowsight.errors import ExportError, InputError
from flowsight.export.openslo import API_VERSION, PREFIX, slug
from flowsight.load.references import reference_findings
from flowsight.load.source import SourceMap
from flowsight.model import Workload


def read_documents(paths: list[Path]) -> list[dict[str, Any]]:
    """Every YAML or JSON document of the files, in file order; unreadable files raise InputError."""
    documents: list[dict[str, Any]] = []
    for path in paths:
        try:
            loaded = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot be read ({error})") from error
        except yaml.YAMLError as error:
            raise InputError(f"{path}: is not YAML or JSON ({error})") from error
        for number, document in enumerate(loaded, 1):
            if document is None:
                continue
            if not isinstance(document, dict) or document.get("apiVersion") != API_VERSION:
                raise ExportError(
                    f"{path}: document {number} is not an OpenSLO {API_VERSION} document",
                    hint="only apiVersion openslo/v1 is supported",
                )
            documents.append(document)
    return documents


def _window(spec: dict[str, Any], name: str) -> str:
    windows = spec.get("timeWindow") or [{}]
    window = windows[0]
    duration = str(window.get("duration", ""))
    if not window.get("isRolling", True) and duration == "1M":
        return "calendar-month"
    if window.get("isRolling", True) and duration[:-1].isdigit() and duration[-1] in "dw":
        days = int(duration[:-1]) * (7 if duration[-1] == "w" else 1)
        return f"{days}d"
    raise ExportError(
        f"SLO '{name}': time window {window} has no flowsight equivalent",
        hint="flowsight supports rolling windows in days or weeks and the calendar month (1M)",
    )


def _slice(value: Any) -> str:
    """OpenSLO's timeSliceWindow (a duration, or a bare number of minutes) as a flowsight duration."""
    if isinstance(value, int | float):
        return f"{int(value)}m"
    return str(value)


def _target(objective: dict[str, Any]) -> float:
    if "targetPercent" in objective:
        return float(objective["targetPercent"])
    return round(float(objective["target"]) * 100, 9)


def _reliability(spec: dict[str, Any], objective: dict[str, Any], name: str) -> dict[str, Any]:
    reliability: dict[str, Any] = {
        "availability": _target(objective),
        "window": _window(spec, name),
    }
    if spec.get("budgetingMethod") in ("Timeslices", "RatioTimeslices"):
        reliability["budgeting"] = "timeslices"
        reliability["slice"] = _slice(objective.get("timeSliceWindow", 1))
        if "timeSliceTarget" in objective:
            reliability["slice_threshold"] = round(float(objective["timeSliceTarget"]) * 100, 9)
    return reliability


def _severity(slo: dict[str, Any], policies: dict[str, dict[str, Any]]) -> str:
    annotations = slo["metadata"].get("annotations", {})
    if f"{PREFIX}alert-severity" in annotations:
        return str(annotations[f"{PREFIX}alert-severity"])
    refs = slo["spec"].get("alertPolicies", [])
    found = [policies.get(r) if isinstance(r, str) else r for r in refs]
    severities = {
        str(c.get("spec", {}).get("severity", "")).lower()
        for p in found
        if p
        for c in p.get("spec", {}).get("conditions", [])
    }
    if severities & {"page", "critical"}:
        return "page"
    return "ticket" if found else "none"


class _FlowBuilder:
    """Collects the SLOs of one flow into the flow's model data."""

    def __init__(self, flow_id: str) -> None:
        self.data: dict[str, Any] = {"id": flow_id, "targets": {}}
        self.latency: list[dict[str, Any]] = []

    def add(self, slo: dict[str, Any], policies: dict[str, dict[str, Any]]) -> None:
        metadata, spec = slo["metadata"], slo["spec"]
        notes = metadata.get("annotations", {})
        labels = metadata.get("labels", {})
        objective = spec["objectives"][0]
        flow = self.data
        flow.setdefault(
            "name", notes.get(f"{PREFIX}flow-name") or metadata.get("displayName") or flow["id"]
        )
        flow.setdefault("kind", notes.get(f"{PREFIX}flow-kind", "user"))
        flow.setdefault(
            "description",
            spec.get("description") or f"Imported from OpenSLO SLO '{metadata['name']}'.",
        )
        flow.setdefault("criticality", labels.get(f"{PREFIX}criticality", "medium"))
        if f"{PREFIX}owner" in notes:
            flow.setdefault("owner", notes[f"{PREFIX}owner"])
        if f"{PREFIX}escalation-path" in notes:
            flow.setdefault("escalation_path", json.loads(notes[f"{PREFIX}escalation-path"]))
        if f"{PREFIX}telemetry" in notes:
            flow.setdefault("telemetry", json.loads(notes[f"{PREFIX}telemetry"]))
        flow["targets"].setdefault("operations", {"alert_severity": _severity(slo, policies)})
        if f"{PREFIX}threshold" in notes:
            self.latency.append(
                {
                    "percentile": float(notes[f"{PREFIX}percentile"]),
                    "threshold": notes[f"{PREFIX}threshold"],
                }
            )
            return
        reliability = json.loads(notes.get(f"{PREFIX}recovery", "{}"))
        reliability.update(_reliability(spec, objective, metadata["name"]))
        reliability["schedule"] = notes.get(f"{PREFIX}schedule", "always")
        if notes.get(f"{PREFIX}client-errors-are-bad") == "true":
            reliability["client_errors_are_bad"] = True
        flow["targets"]["reliability"] = reliability

    def build(self) -> dict[str, Any]:
        if self.latency:
            self.data["targets"]["performance"] = {"latency": self.latency}
        if "reliability" not in self.data["targets"]:
            raise ExportError(
                f"flow '{self.data['id']}' has latency SLOs but no availability SLO",
                hint="export the availability SLO of the flow too",
            )
        return self.data


def _service(documents: list[dict[str, Any]]) -> dict[str, Any]:
    services = [d for d in documents if d.get("kind") == "Service"]
    if services:
        return services[0]
    name = next((d["spec"].get("service") for d in documents if d.get("kind") == "SLO"), None)
    return {"metadata": {"name": name or "imported"}, "spec": {}}


def import_openslo(documents: list[dict[str, Any]]) -> Workload:
    """A validated workload from OpenSLO documents (Service, SLO, SLI, AlertPolicy)."""
    slos = [d for d in documents if d.get("kind") == "SLO"]
    if not slos:
        raise ExportError("the documents hold no OpenSLO SLO", hint="pass the files with kind: SLO")
    policies = {d["metadata"]["name"]: d for d in documents if d.get("kind") == "AlertPolicy"}
    service = _service(documents)
    notes = service["metadata"].get("annotations", {})
    builders: dict[str, _FlowBuilder] = {}
    for slo in slos:
        labels = slo["metadata"].get("labels", {})
        flow_id = labels.get(f"{PREFIX}flow") or slug(slo["metadata"]["name"])
        builders.setdefault(flow_id, _FlowBuilder(flow_id)).add(slo, policies)
    data: dict[str, Any] = {
        "workload": {
            "name": service["metadata"].get("displayName") or service["metadata"]["name"],
            "description": service["spec"].get("description"),
        },
        "parties": json.loads(notes.get(f"{PREFIX}parties", "[]")),
        "schedules": [
            s for s in json.loads(notes.get(f"{PREFIX}schedules", "[]")) if s["id"] != "always"
        ],
        "flows": [builder.build() for builder in builders.values()],
    }
    if f"{PREFIX}owner" in notes:
        data["workload"]["owner"] = notes[f"{PREFIX}owner"]
    return _validate(data)


def _validate(data: dict[str, Any]) -> Workload:
    """Model and reference validation, as loading a workload file does."""
    hint = "check the SLOs' targets, time windows and flowsight.io/ annotations"
    try:
        workload = Workload.model_validate(yaml.safe_load(yaml.safe_dump(data)))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ExportError(
            f"the OpenSLO documents do not make a valid workload: {where}: {first['msg']}", hint
        ) from error
    errors = [f for f in reference_findings(workload, SourceMap()) if f.severity == "error"]
    if errors:
        raise ExportError(
            f"the OpenSLO documents do not make a valid workload: {errors[0].message}", hint
        )
    return workload


def workload_yaml(workload: Workload) -> str:
    """The imported workload as a workload file, defaults left out, keys in model order."""
    data = workload.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
