"""What a flow means beyond its own fields, in one version of the workload.

The diff compares these derived facts too: the hours a week its schedule is open
(flowsight.calendar), its routes in attribution order, the components it runs on
with their SLAs and span rules, the composite ceiling of its strong dependencies
against its objective (flowsight.check.availability), and the maintenance
windows that name it. Each fact is a flat mapping of dotted field -> plain value.
"""

from __future__ import annotations

from typing import Any

from flowsight.calendar import weekly_open_hours
from flowsight.check.availability import flow_feasibility, format_percent
from flowsight.diff.fields import leaves
from flowsight.model import Flow, Workload


def schedule_facts(workload: Workload, flow: Flow) -> dict[str, Any]:
    schedule = workload.flow_schedule(flow)
    return {
        "schedule.hours_per_week": round(weekly_open_hours(schedule), 2),
        "schedule.timezone": schedule.timezone,
        "schedule.holidays": sorted(d.isoformat() for d in schedule.holidays),
    }


def route_text(route: dict[str, Any]) -> str:
    parts = [route.get("method") or "*", route.get("service") or "*", route["route"]]
    step = route.get("step")
    return " ".join(parts) + (f" (step {step})" if step else "")


def telemetry_facts(flow: Flow) -> dict[str, Any]:
    """Routes as one ordered list (order decides attribution), span rules leaf by leaf."""
    if flow.telemetry is None:
        return {"telemetry.routes": []}
    data = flow.telemetry.model_dump(mode="json", exclude_none=True)
    routes = [route_text(r) for r in data.pop("routes", [])]
    return {"telemetry.routes": routes, **leaves(data, "telemetry")}


def component_ids(flow: Flow) -> list[str]:
    ids = [d.component for d in flow.dependencies if d.component]
    ids += [c for step in flow.steps for c in step.components]
    return list(dict.fromkeys(ids))


def component_facts(workload: Workload, flow: Flow) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for component_id in component_ids(flow):
        component = workload.component(component_id)
        if component is None:
            continue
        data = component.model_dump(mode="json", exclude={"id", "name"})
        facts.update(leaves(data, f"components.{component_id}"))
    return facts


def feasibility_facts(workload: Workload, flow: Flow) -> dict[str, Any]:
    found = flow_feasibility(workload, flow)
    return {
        "feasibility.ceiling": None if found.ceiling is None else round(found.ceiling, 6),
        "feasibility.effective": None if found.effective is None else round(found.effective, 6),
        "feasibility.feasible": found.feasible,
    }


def feasibility_text(facts: dict[str, Any], objective: float | None) -> str:
    ceiling, effective, feasible = (
        facts.get("feasibility.ceiling"),
        facts.get("feasibility.effective"),
        facts.get("feasibility.feasible"),
    )
    if effective is None or ceiling is None:
        return "unknown (no strong dependency with an SLA)"
    verdict = {True: "feasible", False: "infeasible", None: "no objective"}[feasible]
    text = f"{verdict}: ceiling {format_percent(ceiling)} %"
    if effective != ceiling:
        text += f", {format_percent(effective)} % with fallbacks"
    if objective is not None:
        text += f" for a {objective:g} % objective"
    return text


def maintenance_facts(workload: Workload, flow: Flow) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for window in workload.maintenance:
        if flow.id not in window.flows:
            continue
        notice = (window.start - window.announced).total_seconds() / 3600
        prefix = f"maintenance.{window.id}"
        facts[f"{prefix}.start"] = window.start.isoformat()
        facts[f"{prefix}.end"] = window.end.isoformat()
        facts[f"{prefix}.notice_hours"] = round(notice, 2)
        facts[f"{prefix}.description"] = window.description
    return facts


def flow_facts(workload: Workload, flow: Flow) -> dict[str, Any]:
    """Every compared field of one flow: its own, and what it means in its workload."""
    data = flow.model_dump(mode="json")
    own = {
        key: value
        for key, value in data.items()
        if key not in ("id", "steps", "dependencies", "telemetry", "targets", "journeys")
    }
    facts = leaves(own, "")
    facts.update(leaves(data["steps"], "steps"))
    facts.update(leaves(data["dependencies"], "dependencies"))
    facts.update(leaves(data["targets"], "targets"))
    facts.update(leaves(data["journeys"], "journeys"))
    facts.update(telemetry_facts(flow))
    facts.update(schedule_facts(workload, flow))
    facts.update(component_facts(workload, flow))
    facts.update(feasibility_facts(workload, flow))
    facts.update(maintenance_facts(workload, flow))
    return facts
