"""`flowsight import openslo`: a workload from OpenSLO v1 documents.

Reads every v1 kind (Service, SLI, SLO, AlertPolicy, AlertCondition,
AlertNotificationTarget, DataSource), follows their references, and turns each
SLO into flows (see `flows`). What flowsight cannot express is refused with the
file, line and column (or document and field) where it is written; what it can
express only approximately is imported with a warning that names the loss.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from flowsight.errors import ExportError
from flowsight.imports.openslo.documents import (
    API_VERSION,
    Document,
    as_document,
    read_documents,
)
from flowsight.imports.openslo.flows import (
    PREFIX,
    FlowBuilder,
    flow_of,
    foreign_flows,
    slug,
)
from flowsight.imports.openslo.meaning import Meaning
from flowsight.imports.openslo.resolve import Index
from flowsight.imports.openslo.shapes import check_slo
from flowsight.load.references import reference_findings
from flowsight.load.source import SourceMap
from flowsight.model import Workload

__all__ = [
    "API_VERSION",
    "Imported",
    "import_documents",
    "import_openslo",
    "read_documents",
    "workload_yaml",
]


@dataclass
class Imported:
    workload: Workload
    warnings: list[str] = field(default_factory=list)


def _documents(items: Sequence[Document | dict[str, Any]]) -> list[Document]:
    found: list[Document] = []
    for number, item in enumerate(items, 1):
        if isinstance(item, Document):
            found.append(item)
        else:
            found.append(as_document(item, f"document {number}"))
    return found


def _service(index: Index) -> tuple[str, str | None, dict[str, str]]:
    services = index.of_kind("Service")
    if services:
        service = services[0]
        metadata = service.body.get("metadata") or {}
        notes = dict(metadata.get("annotations") or {})
        description = service.spec.get("description")
        return str(metadata.get("displayName") or service.name), description, notes
    slos = index.of_kind("SLO")
    return str(slos[0].spec.get("service") or "imported"), None, {}


def import_documents(items: Sequence[Document | dict[str, Any]]) -> Imported:
    """A validated workload from OpenSLO objects, and the warnings of what changed."""
    index = Index(_documents(items))
    slos = index.of_kind("SLO")
    if not slos:
        raise ExportError("the documents hold no OpenSLO SLO", hint="pass the files with kind: SLO")
    meaning = Meaning()
    builders: dict[str, FlowBuilder] = {}
    for slo in slos:
        check_slo(slo)
        try:
            made_flows = _flows_of(index, slo, meaning, builders)
        except (TypeError, AttributeError, KeyError, ValueError) as error:
            # A shape the checks above did not foresee: still a located refusal.
            raise ExportError(
                f"{slo.body.where()}: SLO '{slo.name}' ({slo.label}) has a field of an "
                f"unexpected type or shape ({type(error).__name__}: {error})",
                hint="check the SLO and the objects it refers to against the OpenSLO v1 spec",
            ) from None
        for made in made_flows:
            if made.data["id"] in builders:
                raise ExportError(
                    f"{slo.body.where('metadata')}: SLO '{slo.name}' makes flow "
                    f"'{made.data['id']}', which another SLO already made",
                    hint="give the SLOs names that differ in more than case and punctuation",
                )
            builders[made.data["id"]] = made
    name, description, notes = _service(index)
    schedules = [
        s for s in json.loads(notes.get(f"{PREFIX}schedules", "[]")) if s["id"] != "always"
    ]
    known = {s["id"] for s in schedules}
    schedules += [s for key, s in meaning.schedules.items() if key not in known]
    data: dict[str, Any] = {
        "workload": {"name": name, "description": description},
        "parties": json.loads(notes.get(f"{PREFIX}parties", "[]")),
        "schedules": schedules,
        "flows": [builder.build() for builder in builders.values()],
    }
    if f"{PREFIX}owner" in notes:
        data["workload"]["owner"] = notes[f"{PREFIX}owner"]
    return Imported(_validate(data), meaning.warnings)


def _flows_of(
    index: Index, slo: Document, meaning: Meaning, builders: dict[str, FlowBuilder]
) -> list[FlowBuilder]:
    """New flows of one SLO; an SLO flowsight exported is added to its flow's builder."""
    flow_id = flow_of(slo)
    if flow_id:
        builder = builders.setdefault(flow_id, FlowBuilder(flow_id))
        builder.native(slo, meaning, index.policies(slo))
        return []
    return foreign_flows(index, slo, meaning)


def import_openslo(items: Sequence[Document | dict[str, Any]]) -> Workload:
    """The workload alone (the warnings are in `import_documents`)."""
    return import_documents(items).workload


def _validate(data: dict[str, Any]) -> Workload:
    """Model and reference validation, as loading a workload file does."""
    hint = "check the SLOs' targets, time windows and flowsight.io/ annotations"
    try:
        workload = Workload.model_validate(json.loads(json.dumps(data)))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ExportError(
            f"the OpenSLO documents do not make a valid workload: {where}: {first['msg']}", hint
        ) from None
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


__all__ += ["slug"]
