"""View data for the report and the dashboard, reusable by other reviews.

Each function turns the workload and its `Evaluation` into plain data: what a
template renders and what a JSON twin returns (charts included: they are data
too). Nothing is measured here; every number comes from the evaluation, and
`display` holds each headline number as format.py spells it, so a page that
refreshes from its twin shows the same text the server rendered.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from flowsight.docs.targets import target_rows
from flowsight.evaluate.results import Evaluation, FlowResult
from flowsight.findings import Finding, sort_findings
from flowsight.model import Flow, Workload
from flowsight.report import charts
from flowsight.report.format import millis, number, percent, ratio
from flowsight.report.health import SYMBOL, counts, flow_health, workload_health

MAX_GAPS_SHOWN = 5


def plain(value: Any) -> Any:
    """Dataclasses, datetimes and containers as JSON-ready data (times in UTC, 'Z')."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def flow_path(flow_id: str) -> str:
    return f"flows/{flow_id}"


def alert_label(result: FlowResult) -> str:
    """The burn-rate alert as shown: the policy's state (flowsight.slo.alerts), whose
    `no_data` (no valid event in any window) reads "no data", never "ok" over nothing."""
    if result.alert is None:
        return "-"
    return result.alert.state.replace("_", " ")


def display(row: dict[str, Any]) -> dict[str, str]:
    """The headline numbers of a row as text, spelled by format.py."""
    health = row["health"]
    p95 = millis(row["p95_ms"]) + (
        f" / {millis(row['p95_target_ms'])}" if row["p95_target_ms"] else ""
    )
    return {
        "health": f"{SYMBOL[health['state']]} {health['label']}",
        "availability": percent(row["availability"]),
        "budget_remaining_ratio": ratio(row["budget_remaining_ratio"]),
        "p95": p95,
        "requests": number(row["requests"]),
        "alert": row["alert_label"],
    }


def flow_row(result: FlowResult) -> dict[str, Any]:
    """One line of the overview: health and the headline numbers."""
    budget = result.budget
    p95 = next((t for t in result.latency if t.percentile == 95), None)
    row: dict[str, Any] = {
        "flow": result.flow,
        "name": result.name,
        "criticality": result.criticality,
        "health": flow_health(result).to_dict(),
        "verdict": result.verdict,
        "availability": result.availability,
        "objective": result.objective,
        "budget_remaining_ratio": budget.remaining_ratio if budget else None,
        "alert": result.alert.state if result.alert else None,
        "alert_label": alert_label(result),
        "p95_ms": result.percentiles_ms.get("p95"),
        "p95_target_ms": p95.threshold_ms if p95 else None,
        "requests": result.requests,
        "href": flow_path(result.flow),
    }
    row["display"] = display(row)
    return row


def overview(workload: Workload, evaluation: Evaluation) -> dict[str, Any]:
    """The workload at a glance: rolled-up health and one row per flow, most critical first."""
    return {
        "workload": workload.workload.name,
        "measured_at": plain(evaluation.now),
        "health": workload_health(evaluation).to_dict(),
        "counts": counts(evaluation),
        "flows": [flow_row(r) for r in evaluation.flows],
        "unmatched_spans": evaluation.unmatched.spans,
    }


def _party(workload: Workload, party_id: str | None) -> dict[str, Any] | None:
    if party_id is None:
        return None
    party = workload.party(party_id)
    return {
        "id": party_id,
        "name": party.name if party else party_id,
        "contact": party.contact_label if party else None,
        "on_call": bool(party and party.on_call),
    }


def business_context(workload: Workload, flow: Flow) -> dict[str, Any]:
    impact = flow.business_impact
    return {
        "description": flow.description,
        "owner": _party(workload, flow.owner),
        "stakeholders": [_party(workload, p) for p in flow.stakeholders],
        "escalation_path": [_party(workload, p) for p in flow.escalation_path],
        "business_impact": impact.description if impact else None,
        "revenue_at_risk_per_hour": impact.revenue_at_risk_per_hour if impact else None,
    }


def flow_section(
    workload: Workload, result: FlowResult, with_charts: bool = True
) -> dict[str, Any]:
    """Everything a flow's review shows; `charts` holds the chart data unless `with_charts` is off."""
    flow = workload.flow(result.flow)
    section: dict[str, Any] = {
        **flow_row(result),
        "context": business_context(workload, flow) if flow else None,
        "targets": [
            {"pillar": pillar, "target": text}
            for pillar, text in (target_rows(workload, flow) if flow else [])
        ],
        "gaps_shown": plain(result.monitoring_gaps[:MAX_GAPS_SHOWN]),
        "evaluation": plain(result),
    }
    if with_charts:
        section["charts"] = charts.flow_charts(workload, result)
    return section


def finding_row(finding: Finding) -> dict[str, Any]:
    return {**finding.to_dict(), "location": finding.location()}


def findings_view(
    design: list[Finding], evaluation: Evaluation | None, drift: list[Finding] | None = None
) -> dict[str, Any]:
    """Design findings from `check`, the evaluation's own (e.g. late maintenance) and where
    the model and the traces part (`flowsight drift`)."""
    measured = sort_findings(evaluation.findings) if evaluation else []
    tally = {s: sum(1 for f in design if f.severity == s) for s in ("error", "warning", "info")}
    return {
        "design": [finding_row(f) for f in sort_findings(design)],
        "evaluation": [finding_row(f) for f in measured],
        "drift": [finding_row(f) for f in sort_findings(drift or [])],
        "counts": tally,
    }


def review(
    workload: Workload,
    evaluation: Evaluation,
    design: list[Finding],
    with_charts: bool = True,
    drift: list[Finding] | None = None,
) -> dict[str, Any]:
    """The whole review: overview, a section per flow (by criticality), and the findings."""
    return {
        "overview": overview(workload, evaluation),
        "flows": [flow_section(workload, r, with_charts) for r in evaluation.flows],
        "findings": findings_view(design, evaluation, drift),
    }
