"""`flowsight export openslo`: OpenSLO v1 Service, SLI, SLO and AlertPolicy documents.

One Service for the workload; per objective of a flow one SLI (a Prometheus
ratio over the same queries as the rules) and one SLO with the flow's
budgeting method and window; one AlertPolicy per burn-rate tier, referred to
by `alertPolicyRef`. What OpenSLO has no field for (criticality, schedule,
owner, escalation path, telemetry mapping, the short burn window) travels in
`flowsight.io/` annotations (the spec keeps prefixed keys off labels), so
`flowsight import openslo` rebuilds the workload with every objective. The
documents follow the OpenSLO Go SDK's validation rules (names are DNS labels,
display names at most 63 characters, one condition per alert policy, and
`alertAfter` is a `for:` duration, which flowsight's alerts do not have).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from flowsight.export.base import (
    Artifact,
    ExportOptions,
    FunctionExporter,
    dump_yaml_all,
    register,
)
from flowsight.export.burnrate import TIERS, factor, number
from flowsight.export.people import first_responder, party_text
from flowsight.export.sli import Objective, Queries, objectives
from flowsight.model import Flow, Schedule, Workload, format_duration

API_VERSION = "openslo/v1"
PREFIX = "flowsight.io/"
CALENDAR_START = "2020-01-01 00:00:00"
DISPLAY_NAME_MAX = 63
#: `{{.window}}` in a flow's own PromQL becomes this range in the SLI documents.
SLI_RANGE = "1m"


def slug(text: str) -> str:
    """An RFC 1123 name (lower case, digits, dashes, at most 63 characters)."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return name[:63].rstrip("-") or "workload"


def _display(text: str) -> str:
    return text if len(text) <= DISPLAY_NAME_MAX else text[: DISPLAY_NAME_MAX - 1] + "…"


def _doc(kind: str, name: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    if "displayName" in metadata:
        metadata["displayName"] = _display(metadata["displayName"])
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {"name": name, **metadata},
        "spec": spec,
    }


def _service(workload: Workload, schedules: list[Schedule]) -> dict[str, Any]:
    info = workload.workload
    annotations = {
        f"{PREFIX}schedules": json.dumps(
            [s.model_dump(mode="json") for s in schedules], sort_keys=True
        ),
        f"{PREFIX}parties": json.dumps(
            [p.model_dump(mode="json") for p in workload.parties], sort_keys=True
        ),
    }
    if info.owner:
        annotations[f"{PREFIX}owner"] = info.owner
    spec = {"description": (info.description or info.name)[:1050]}
    return _doc("Service", slug(info.name), spec, displayName=info.name, annotations=annotations)


def _source(query: str) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def _sli(objective: Objective, options: ExportOptions, name: str) -> dict[str, Any]:
    queries = Queries(objective, options)
    telemetry = objective.flow.telemetry
    own = telemetry.prometheus if telemetry else None
    ratio: dict[str, Any] = {"counter": False}
    if objective.threshold is None and own and own.error_query and own.total_query:
        ratio["total"] = _source(own.total_query.replace("{{.window}}", SLI_RANGE))
        ratio["bad"] = _source(own.error_query.replace("{{.window}}", SLI_RANGE))
    elif objective.threshold is None:
        ratio["total"] = _source(queries.total(SLI_RANGE))
        ratio["bad"] = _source(queries.bad(SLI_RANGE))
    else:
        ratio["total"] = _source(queries.total(SLI_RANGE))
        ratio["good"] = _source(queries.good(SLI_RANGE))
    spec = {"description": f"{objective.flow.name}: {objective.describe()}", "ratioMetric": ratio}
    return _doc("SLI", name, spec, displayName=f"{objective.flow.name} {objective.key}")


def _time_window(objective: Objective, schedule: Schedule) -> list[dict[str, Any]]:
    window = objective.reliability.window
    if window == "calendar-month":
        calendar = {"startTime": CALENDAR_START, "timeZone": schedule.timezone}
        return [{"duration": "1M", "isRolling": False, "calendar": calendar}]
    return [{"duration": window, "isRolling": True}]


def _objective_spec(objective: Objective) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "displayName": objective.describe(),
        "target": round(objective.percent / 100, 12),
    }
    if objective.timeslices:
        reliability = objective.reliability
        threshold = reliability.slice_threshold or reliability.availability
        spec["timeSliceTarget"] = round(threshold / 100, 12)
        spec["timeSliceWindow"] = format_duration(reliability.slice or timedelta(minutes=1))
    return spec


def _flow_annotations(workload: Workload, flow: Flow, objective: Objective) -> dict[str, str]:
    operations = flow.targets.operations
    notes = {
        f"{PREFIX}flow": flow.id,
        f"{PREFIX}criticality": flow.criticality,
        f"{PREFIX}flow-name": flow.name,
        f"{PREFIX}flow-kind": flow.kind,
        f"{PREFIX}objective": objective.key,
        f"{PREFIX}schedule": objective.reliability.schedule,
        f"{PREFIX}alert-severity": operations.alert_severity if operations else "ticket",
        f"{PREFIX}escalation-path": json.dumps(flow.escalation_path),
        f"{PREFIX}client-errors-are-bad": json.dumps(objective.reliability.client_errors_are_bad),
    }
    if objective.threshold is None:
        # Recovery objectives and the maintenance policy have no OpenSLO field.
        recovery = objective.reliability.model_dump(
            mode="json", include={"rto", "rpo", "maintenance"}, exclude_none=True
        )
        notes[f"{PREFIX}recovery"] = json.dumps(recovery, sort_keys=True)
    else:
        notes[f"{PREFIX}percentile"] = number(objective.percent)
        notes[f"{PREFIX}threshold"] = format_duration(objective.threshold)
    if flow.owner:
        notes[f"{PREFIX}owner"] = flow.owner
    if flow.telemetry:
        # Steps stay behind: OpenSLO carries no steps for a route to refer to.
        telemetry = flow.telemetry.model_dump(
            mode="json", exclude_none=True, exclude={"routes": {"__all__": {"step"}}}
        )
        notes[f"{PREFIX}telemetry"] = json.dumps(telemetry, sort_keys=True)
    return notes


def _alert_policies(
    workload: Workload, objective: Objective, schedule: Schedule, name: str
) -> list[dict[str, Any]]:
    flow = objective.flow
    operations = flow.targets.operations
    wanted = operations.alert_severity if operations else "ticket"
    if wanted == "none":
        return []
    policies = []
    for tier in TIERS:
        severity = "page" if tier.burn == "fast" and wanted == "page" else "ticket"
        responder = first_responder(workload, flow, on_call=severity == "page")
        condition = {
            "kind": "AlertCondition",
            "metadata": {"name": f"{name}-{tier.name}"},
            "spec": {
                "severity": severity,
                "condition": {
                    "kind": "burnrate",
                    "op": "gte",
                    "threshold": factor(tier, schedule, objective.reliability.window_days),
                    "lookbackWindow": format_duration(tier.long),
                },
            },
        }
        target = {
            "kind": "AlertNotificationTarget",
            "metadata": {"name": f"party-{responder or 'nobody'}"},
            "spec": {"target": party_text(workload, responder)},
        }
        spec = {
            "description": f"{tier.name} burn of {flow.name} {objective.describe()}",
            "alertWhenBreaching": True,
            "alertWhenResolved": True,
            "alertWhenNoData": False,
            "conditions": [condition],
            "notificationTargets": [target],
        }
        # The short window of the pair is part of the condition in flowsight's rules; OpenSLO
        # has no field for it (alertAfter is how long a condition must hold).
        short = {f"{PREFIX}short-window": format_duration(tier.short)}
        policies.append(_doc("AlertPolicy", f"{name}-{tier.name}", spec, annotations=short))
    return policies


def _documents_of(workload: Workload, flow: Flow, options: ExportOptions) -> list[dict[str, Any]]:
    schedule = workload.flow_schedule(flow)
    documents = []
    for objective in objectives(flow):
        name = slug(f"{flow.id}-{objective.key}")
        policies = _alert_policies(workload, objective, schedule, name)
        slo_spec: dict[str, Any] = {
            "description": f"{flow.description}"[:1050],
            "service": slug(workload.workload.name),
            "indicatorRef": name,
            "timeWindow": _time_window(objective, schedule),
            "budgetingMethod": "Timeslices" if objective.timeslices else "Occurrences",
            "objectives": [_objective_spec(objective)],
        }
        if policies:
            slo_spec["alertPolicies"] = [
                {"alertPolicyRef": p["metadata"]["name"]} for p in policies
            ]
        slo = _doc(
            "SLO",
            name,
            slo_spec,
            displayName=f"{flow.name}: {objective.describe()}",
            labels={"flow": flow.id, "criticality": flow.criticality},
            annotations=_flow_annotations(workload, flow, objective),
        )
        documents += [_sli(objective, options, name), slo, *policies]
    return documents


def build_documents(workload: Workload, options: ExportOptions) -> list[dict[str, Any]]:
    """The OpenSLO documents in a stable order: Service, then per flow SLI, SLO, AlertPolicies."""
    flows = [f for f in workload.flows if f.targets.reliability is not None]
    schedules = {workload.flow_schedule(f).id: workload.flow_schedule(f) for f in flows}
    documents = [_service(workload, [schedules[k] for k in sorted(schedules)])]
    for flow in flows:
        documents += _documents_of(workload, flow, options)
    return documents


def export_openslo(workload: Workload, options: ExportOptions) -> Artifact:
    return Artifact(dump_yaml_all(build_documents(workload, options)), "openslo.yaml")


EXPORTER = register(
    FunctionExporter(
        "openslo", "OpenSLO v1 Service, SLI, SLO and AlertPolicy documents", export_openslo
    )
)
