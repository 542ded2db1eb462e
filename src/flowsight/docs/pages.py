"""The catalog and the per-flow pages the seed asks every flow to have."""

from __future__ import annotations

from flowsight.docs.diagrams import flow_diagram, process_diagram
from flowsight.docs.markdown import Raw, bullet_list, document, link, numbered_list, table, text
from flowsight.docs.targets import downtime_text, schedule_name, target_rows
from flowsight.model import CRITICALITY_RANK, Flow, Workload, format_duration


def party_name(workload: Workload, party_id: str | None) -> str:
    if party_id is None:
        return "not set"
    party = workload.party(party_id)
    if party is None:
        return party_id
    return party.name + (" (on call)" if party.on_call else "")


def flow_page_name(flow: Flow) -> str:
    return f"{flow.id}.md"


def ordered_flows(workload: Workload) -> list[Flow]:
    return sorted(workload.flows, key=lambda f: (-CRITICALITY_RANK[f.criticality], f.name))


def catalog(workload: Workload) -> str:
    rows = []
    for flow in ordered_flows(workload):
        target = flow.targets.reliability
        rows.append(
            (
                link(flow.name, flow_page_name(flow)),
                flow.kind,
                flow.criticality,
                party_name(workload, flow.owner),
                f"{target.availability:g}%" if target else "not set",
                schedule_name(workload, target.schedule) if target else "-",
                downtime_text(workload, flow) or "-",
            )
        )
    headers = (
        "Flow",
        "Kind",
        "Criticality",
        "Process owner",
        "Availability",
        "Schedule",
        "Downtime budget (inside the schedule)",
    )
    return document(
        [
            f"# {text(workload.workload.name)}: flow catalog",
            text(workload.workload.description) if workload.workload.description else None,
            table(headers, rows),
            "Downtime budgets count only the minutes the flow's schedule is open, "
            "averaged over a month of 30.44 days.",
            "## Business processes, use cases and flows",
            process_diagram(workload),
        ]
    )


def _business_section(workload: Workload, flow: Flow) -> str:
    process = workload.process(flow.process) if flow.process else None
    use_case = workload.use_case(flow.use_case) if flow.use_case else None
    stage = next((s for s in process.stages if s.id == flow.stage), None) if process else None
    impact = flow.business_impact
    rows = [
        ("Flow description", flow.description),
        ("Kind", f"{flow.kind} flow"),
        ("Business process", process.name if process else "none"),
        ("Process stage", stage.name if stage else "none"),
        ("Use case", f"{use_case.name}: {use_case.purpose}" if use_case else "none"),
        ("Process owner", party_name(workload, flow.owner)),
        ("Stakeholders", ", ".join(party_name(workload, p) for p in flow.stakeholders) or "none"),
        ("Business impact", impact.description if impact else "not set"),
        ("Criticality rating", flow.criticality),
        ("Starts when", flow.start_event or "not set"),
        ("Ends when", flow.end_event or "not set"),
    ]
    if impact and impact.revenue_at_risk_per_hour is not None:
        rows.append(("Revenue at risk per hour", f"{impact.revenue_at_risk_per_hour:,.0f}"))
    return table(("Field", "Value"), rows)


def _steps_section(flow: Flow) -> str:
    rows = []
    for i, step in enumerate(flow.steps, start=1):
        handling = "; ".join(
            h.action
            + (f" x{h.attempts}" if h.attempts else "")
            + (
                f" -> {h.fallback_flow or h.fallback_step}"
                if h.fallback_flow or h.fallback_step
                else ""
            )
            for h in step.on_error
        )
        branches = "; ".join(f"{b.criterion or '?'} -> {b.next}" for b in step.branches)
        rows.append(
            (
                i,
                step.name,
                step.trigger or "not set",
                ", ".join(step.components) or "-",
                branches or "-",
                handling or "none",
            )
        )
    return table(
        ("#", "Step", "Trigger or condition", "Components", "Decisions", "Error handling"), rows
    )


def _dependencies_section(flow: Flow) -> str | None:
    if not flow.dependencies:
        return None
    rows = [
        (
            (d.flow and f"flow {d.flow}") or f"component {d.component}",
            d.strength,
            d.fallback_flow or "-",
            d.description or "",
        )
        for d in flow.dependencies
    ]
    return table(("Depends on", "Strength", "Fallback", "Note"), rows)


def flow_page(workload: Workload, flow: Flow) -> str:
    windows = [m for m in workload.maintenance if flow.id in m.flows]
    maintenance = [
        f"{m.id}: {m.start:%Y-%m-%d %H:%M} to {m.end:%H:%M} UTC, announced "
        f"{format_duration(m.start - m.announced)} ahead"
        for m in windows
    ]
    return document(
        [
            f"# {text(flow.name)}",
            Raw("[Back to the catalog](index.md)"),
            _business_section(workload, flow),
            "## Escalation path",
            numbered_list(text(party_name(workload, p)) for p in flow.escalation_path) or "not set",
            "## Targets",
            table(("Pillar", "Target"), target_rows(workload, flow)),
            f"Downtime budget: {text(downtime_text(workload, flow))}."
            if flow.targets.reliability
            else None,
            "## Steps",
            _steps_section(flow) if flow.steps else "No steps documented.",
            flow_diagram(flow),
            "## Dependencies" if flow.dependencies else None,
            _dependencies_section(flow),
            "## Planned maintenance" if maintenance else None,
            bullet_list(text(m) for m in maintenance) if maintenance else None,
        ]
    )
