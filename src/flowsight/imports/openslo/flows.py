"""OpenSLO SLOs as flows: flowsight's own exports back into their flows, others one flow each.

An SLO that flowsight exported names its flow in the `flowsight.io/flow`
annotation (a label in exports before v1 conformance) and carries what OpenSLO
has no field for in `flowsight.io/` annotations, so the round trip is exact.
Any other SLO becomes a flow per objective of its ratio SLI (flowsight holds
one availability objective per flow), or one flow with a latency target per
objective of its threshold SLI.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flowsight.errors import ExportError
from flowsight.imports.openslo.documents import Document, Located
from flowsight.imports.openslo.meaning import (
    Meaning,
    budgeting,
    latency_threshold,
    prometheus_sli,
    target_percent,
    window,
)
from flowsight.imports.openslo.resolve import Index, Policy

PREFIX = "flowsight.io/"


def slug(text: str) -> str:
    """An RFC 1123 name (lower case, digits, dashes, at most 63 characters)."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return name[:63].rstrip("-") or "workload"


def _label(metadata: dict[str, Any], key: str) -> str | None:
    """A label value; OpenSLO allows a string or a list of strings."""
    value = (metadata.get("labels") or {}).get(key)
    if isinstance(value, list):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def flow_of(slo: Document) -> str | None:
    """The flow a flowsight export names, None for an SLO another tool wrote."""
    metadata = slo.body.get("metadata") or {}
    notes = metadata.get("annotations") or {}
    return notes.get(f"{PREFIX}flow") or _label(metadata, f"{PREFIX}flow")


def severity(policies: list[Policy], slo: Document, meaning: Meaning, native: bool) -> str:
    """page when a condition pages (or is critical), ticket with any policy, else none."""
    severities = {c.severity.lower() for p in policies for c in p.conditions}
    if not native:
        where = slo.spec.where("alertPolicies")
        for policy in policies:
            for condition in policy.conditions:
                meaning.warn(
                    where,
                    f"SLO '{slo.name}' alert policy '{policy.name}' condition "
                    f"'{condition.name}' ({json.dumps(condition.condition, sort_keys=True)}) "
                    "is not kept: flowsight alerts with its own burn-rate tiers "
                    f"(only the severity '{condition.severity}' is)",
                )
        targets = sorted({t for p in policies for t in p.targets})
        if targets:
            meaning.warn(
                where,
                f"SLO '{slo.name}' notification targets {', '.join(targets)} are not kept; "
                "give the flow's parties contacts instead",
            )
    if severities & {"page", "critical"}:
        return "page"
    return "ticket" if policies else "none"


class FlowBuilder:
    """Collects the SLOs of one flow into the flow's model data."""

    def __init__(self, flow_id: str) -> None:
        self.data: dict[str, Any] = {"id": flow_id, "targets": {}}
        self.latency: list[dict[str, Any]] = []

    def describe(self, slo: Document, fallback: str) -> None:
        metadata, notes = slo.body.get("metadata") or {}, self.notes(slo)
        flow = self.data
        flow.setdefault(
            "name", notes.get(f"{PREFIX}flow-name") or metadata.get("displayName") or fallback
        )
        flow.setdefault("kind", notes.get(f"{PREFIX}flow-kind", "user"))
        flow.setdefault(
            "description", slo.spec.get("description") or f"Imported from OpenSLO SLO '{slo.name}'."
        )
        criticality = notes.get(f"{PREFIX}criticality") or _label(metadata, f"{PREFIX}criticality")
        flow.setdefault("criticality", criticality or "medium")

    @staticmethod
    def notes(slo: Document) -> dict[str, str]:
        return dict((slo.body.get("metadata") or {}).get("annotations") or {})

    def severity(self, value: str) -> None:
        operations = self.data["targets"].setdefault("operations", {"alert_severity": value})
        rank = {"none": 0, "ticket": 1, "page": 2}
        if rank[value] > rank[operations["alert_severity"]]:
            operations["alert_severity"] = value

    def native(self, slo: Document, meaning: Meaning, policies: list[Policy]) -> None:
        """An SLO flowsight exported: the annotations hold what OpenSLO cannot."""
        notes = self.notes(slo)
        self.describe(slo, self.data["id"])
        flow = self.data
        if f"{PREFIX}owner" in notes:
            flow.setdefault("owner", notes[f"{PREFIX}owner"])
        if f"{PREFIX}escalation-path" in notes:
            flow.setdefault("escalation_path", json.loads(notes[f"{PREFIX}escalation-path"]))
        if f"{PREFIX}telemetry" in notes:
            flow.setdefault("telemetry", json.loads(notes[f"{PREFIX}telemetry"]))
        if f"{PREFIX}alert-severity" in notes:
            self.severity(notes[f"{PREFIX}alert-severity"])
        else:
            self.severity(severity(policies, slo, meaning, native=True))
        if f"{PREFIX}threshold" in notes:
            self.latency.append(
                {
                    "percentile": float(notes[f"{PREFIX}percentile"]),
                    "threshold": notes[f"{PREFIX}threshold"],
                }
            )
            return
        objective = _objectives(slo)[0]
        reliability = json.loads(notes.get(f"{PREFIX}recovery", "{}"))
        # The schedule is the annotated one: the calendar's own 24/7 schedule is not needed.
        scratch = Meaning()
        length, _ = window(slo.spec, slo.name, scratch)
        meaning.warnings += scratch.warnings
        reliability.update(
            availability=target_percent(objective, slo.name, 1),
            window=length,
            **budgeting(slo.spec, objective, slo.name, meaning),
        )
        reliability["schedule"] = notes.get(f"{PREFIX}schedule", "always")
        if notes.get(f"{PREFIX}client-errors-are-bad") == "true":
            reliability["client_errors_are_bad"] = True
        flow["targets"]["reliability"] = reliability

    def build(self) -> dict[str, Any]:
        if self.latency:
            self.data["targets"]["performance"] = {"latency": self.latency}
        return self.data


def _objectives(slo: Document) -> list[Located]:
    found = slo.spec.get("objectives")
    if not isinstance(found, list) or not found or not all(isinstance(o, dict) for o in found):
        raise ExportError(f"{slo.spec.where('objectives')}: SLO '{slo.name}' has no objectives")
    return [o if isinstance(o, Located) else Located(o) for o in found]


def foreign_flows(index: Index, slo: Document, meaning: Meaning) -> list[FlowBuilder]:
    """Flows for an SLO another tool wrote, with the loss of meaning named in warnings."""
    sli, sli_name = index.indicator(slo)
    policies = index.policies(slo)
    alert = severity(policies, slo, meaning, native=False)
    length, schedule = window(slo.spec, slo.name, meaning)
    objectives = _objectives(slo)
    base = slug(slo.name)
    if "thresholdMetric" in sli:
        builder = FlowBuilder(base)
        builder.describe(slo, slo.name)
        builder.severity(alert)
        source = index.metric_source(sli["thresholdMetric"], sli.where("thresholdMetric"))
        if slo.spec.get("budgetingMethod", "Occurrences") != "Occurrences":
            meaning.warn(
                slo.spec.where("budgetingMethod"),
                f"SLO '{slo.name}': latency targets count requests; the "
                f"{slo.spec.get('budgetingMethod')} budgeting is not kept",
            )
        meaning.warn(
            slo.spec.where("timeWindow"),
            f"SLO '{slo.name}': latency is measured over the flow's window; the SLO's own "
            f"window ({length}) is not kept, as the flow has no availability objective",
        )
        for number, objective in enumerate(objectives, 1):
            builder.latency.append(
                {
                    "percentile": target_percent(objective, slo.name, number),
                    "threshold": latency_threshold(objective, slo.name, number, meaning),
                }
            )
        kept = [f"OpenSLO threshold query ({source.type}): {source.query or source.spec}"]
        _describe_query(builder, kept, slo, meaning)
        return [builder]
    if "ratioMetric" not in sli:
        raise ExportError(
            f"{sli.where()}: SLI '{sli_name}' has neither ratioMetric nor thresholdMetric"
        )
    queries, kept = prometheus_sli(index, sli, sli_name, meaning)
    flows = []
    for number, objective in enumerate(objectives, 1):
        label = objective.get("displayName") or f"objective-{number}"
        builder = FlowBuilder(base if number == 1 else slug(f"{slo.name}-{label}"))
        builder.describe(slo, slo.name if number == 1 else f"{slo.name} ({label})")
        builder.severity(alert)
        if number > 1:
            meaning.warn(
                objective.where(),
                f"SLO '{slo.name}' objective {number} ({label}) became flow "
                f"'{builder.data['id']}': flowsight holds one availability objective per flow",
            )
        builder.data["targets"]["reliability"] = {
            "availability": target_percent(objective, slo.name, number),
            "window": length,
            "schedule": schedule,
            **budgeting(slo.spec, objective, slo.name, meaning),
        }
        if queries:
            builder.data["telemetry"] = {"prometheus": queries}
        _describe_query(builder, kept, slo, meaning)
        flows.append(builder)
    return flows


def _describe_query(builder: FlowBuilder, kept: list[str], slo: Document, meaning: Meaning) -> None:
    """Queries flowsight cannot use as the flow's SLI stay readable in its description."""
    if not kept:
        return
    builder.data["description"] = "\n".join([builder.data["description"], *kept])
    meaning.warn(
        slo.spec.where(),
        f"flow '{builder.data['id']}': the SLI queries are kept in the description only "
        "(flowsight takes Prometheus ratio queries as a flow's SLI); the flow is measured "
        "from traces",
    )
