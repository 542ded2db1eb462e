"""Assemble the draft workload document, its comments and its placeholders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flowsight.discover.draft import (
    ONCALL,
    OWNER,
    STRONG_SHARE,
    FlowDraft,
    component,
    component_id,
    latency_threshold,
    objective,
    percent,
    route_rule,
    schedule_for,
    steps,
)
from flowsight.discover.emit import Path, dump
from flowsight.discover.observe import CallStats, Observation


@dataclass
class Draft:
    """The document as data, the comments a path carries, and the placeholder paths."""

    document: dict[str, Any] = field(default_factory=dict)
    comments: dict[Path, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    #: where each section's items will stand in the file (non-zero when patching one)
    offsets: dict[str, int] = field(default_factory=dict)

    def at(self, section: str, index: int) -> str:
        return f"{section}[{index + self.offsets.get(section, 0)}]"

    def text(self) -> str:
        return dump(self.document, self.comments, self.header)


def _moment(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _per_minute(draft: FlowDraft) -> tuple[float, float]:
    """Expected: entries per minute over the hours that had traffic; peak: the busiest hour's."""
    hours: dict[int, int] = defaultdict(int)
    for entry in draft.entries:
        for hour, count in entry.hours.items():
            hours[hour] += count
    if not hours:
        return 0.0, 0.0
    expected = sum(hours.values()) / (60 * len(hours))
    return round(expected, 2) or 0.01, round(max(hours.values()) / 60, 2) or 0.01


def _dependencies(draft: FlowDraft, entries: int, out: Draft, at: Path) -> list[dict[str, Any]]:
    per_target: dict[str, list[CallStats]] = defaultdict(list)
    for call in draft.calls:
        per_target[component_id(call)].append(call)
    found = []
    for k, (target, calls) in enumerate(sorted(per_target.items())):
        calling = sum(c.entries_calling for c in calls)
        count, bad = sum(c.calls for c in calls), sum(c.bad for c in calls)
        share = calling / entries if entries else 0.0
        strength = "strong" if share >= STRONG_SHARE else "weak"
        found.append({"component": target, "strength": strength})
        out.comments[(*at, k)] = (
            f"observed: {count} calls from {100 * share:.0f} % of entries, "
            f"{percent(count, bad)} available, p95 {max(c.p95_ns for c in calls) / 1e6:.0f} ms"
        )
    return found


def _targets(draft: FlowDraft, out: Draft, at: Path) -> dict[str, Any]:
    count = draft.count
    bad = sum(e.bad for e in draft.entries)
    p95 = max(e.p95_ns for e in draft.entries)
    out.comments[(*at, "reliability", "availability")] = (
        f"observed {percent(count, bad)} over {count} entries: confirm"
    )
    out.comments[(*at, "performance", "latency", 0)] = f"observed p95 {p95 / 1e6:.0f} ms: confirm"
    return {
        "reliability": {"availability": objective(count, bad), "window": "30d"},
        "performance": {"latency": [{"percentile": 95, "threshold": latency_threshold(p95)}]},
    }


def _flow(draft: FlowDraft, index: int, out: Draft, observation: Observation) -> dict[str, Any]:
    at: Path = ("flows", index)
    found_steps, step_of = steps(draft, observation.transitions)
    routes = [route_rule(e.key, step_of.get(e.key)) for e in draft.entries]
    labels = ", ".join(e.key.label() for e in draft.entries[:4])
    more = f" and {len(draft.entries) - 4} more" if len(draft.entries) > 4 else ""
    flow: dict[str, Any] = {
        "id": draft.id,
        "name": draft.id.replace("-", " ").capitalize(),
        "kind": draft.kind,
        "description": f"Drafted from traces: {labels}{more}.",
        "use_case": draft.id,
        "owner": OWNER,
        "escalation_path": [ONCALL],
        "business_impact": {"description": "To decide: what the business loses when it fails."},
        "criticality": "medium",
        "steps": found_steps,
        "dependencies": _dependencies(draft, draft.count, out, (*at, "dependencies")),
        "telemetry": {"routes": routes},
        "targets": _targets(draft, out, (*at, "targets")),
    }
    for key in ("owner", "escalation_path", "business_impact", "criticality"):
        out.document["placeholders"].append(f"{out.at('flows', index)}.{key}")
    return flow


def _use_case(draft: FlowDraft, index: int, out: Draft) -> dict[str, Any]:
    expected, peak = _per_minute(draft)
    out.comments[("use_cases", index, "execution")] = "observed"
    out.document["placeholders"] += [
        f"{out.at('use_cases', index)}.purpose",
        f"{out.at('use_cases', index)}.criticality",
    ]
    return {
        "id": draft.id,
        "name": draft.id.replace("-", " ").capitalize(),
        "purpose": "To decide: what this use case is for.",
        "criticality": "medium",
        "consumers": [{"kind": draft.kind, "name": "to decide"}],
        "execution": {"expected_per_minute": expected, "peak_per_minute": max(peak, expected)},
    }


def _components(flows: list[FlowDraft], out: Draft) -> list[dict[str, Any]]:
    totals: dict[str, list[CallStats]] = defaultdict(list)
    for draft in flows:
        for call in draft.calls:
            if not call.components:  # a component the workload already has is not drafted
                totals[component_id(call)].append(call)
    found = []
    for k, (_cid, calls) in enumerate(sorted(totals.items())):
        count, bad = sum(c.calls for c in calls), sum(c.bad for c in calls)
        found.append(component(calls[0]))
        out.comments[("components", k)] = (
            f"observed {percent(count, bad)} available over {count} calls; add its SLA"
        )
    return found


def build_draft(
    observation: Observation,
    flows: list[FlowDraft],
    name: str,
    timezone: str,
    offsets: dict[str, int] | None = None,
) -> Draft:
    out = Draft(offsets=offsets or {})
    out.header = [
        f"Drafted by `flowsight discover` from {observation.spans} spans",
        f"between {_moment(observation.start_ns)} and {_moment(observation.end_ns)}.",
        "Values commented 'observed' come from the traces: confirm them. The paths under",
        "`placeholders:` stand in for decisions only a person can make (`check` lists them).",
    ]
    doc = out.document
    doc["workload"] = {"name": name, "owner": OWNER}
    doc["placeholders"] = ["workload.owner"]
    doc["parties"] = [
        {"id": OWNER, "name": "To decide: the process owner", "scope": "executive"},
        {"id": ONCALL, "name": "To decide: the on-call contact", "scope": "team", "on_call": True},
    ]
    doc["placeholders"] += [out.at("parties", 0), out.at("parties", 1)]
    suggested = schedule_for(observation, timezone)
    if suggested is not None:
        doc["schedules"] = [suggested[0]]
        out.comments[("schedules", 0)] = (
            f"{suggested[1]}; to measure only inside it, set a flow's "
            f"targets.reliability.schedule: {suggested[0]['id']}"
        )
    doc["components"] = _components(flows, out)
    doc["use_cases"] = [_use_case(f, i, out) for i, f in enumerate(flows)]
    doc["flows"] = [_flow(f, i, out, observation) for i, f in enumerate(flows)]
    placeholders = doc.pop("placeholders")
    doc["placeholders"] = placeholders
    if not doc["components"]:
        del doc["components"]
    return out
