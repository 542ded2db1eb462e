"""One periodic review: measure the period, compare with the last review, propose actions.

Every measured number comes from `evaluate_workload` and `allocate_costs`; this
module only arranges them per flow, adds what the previous snapshot and the
target changes since say, and stores the new snapshot for the next review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flowsight.check import flow_feasibility
from flowsight.cost import CostReport, FlowCost, allocate_costs, periods_ending
from flowsight.cost.sources import Period
from flowsight.diff import Change, diff_workloads
from flowsight.drift import detect_drift
from flowsight.evaluate import Evaluation, evaluate_workload
from flowsight.evaluate.base import Backend
from flowsight.evaluate.results import FlowResult
from flowsight.findings import Finding
from flowsight.load import load_workload
from flowsight.model import CRITICALITY_RANK, Flow, Workload
from flowsight.report import design_review
from flowsight.review.actions import Action, drift_actions, prioritize, propose_actions
from flowsight.review.incidents import Incident, incidents
from flowsight.review.pillars import PillarRow, flow_snapshot, pillar_rows, trend
from flowsight.review.snapshot import Snapshot, load_snapshots, save_snapshot
from flowsight.telemetry.store import TelemetryStore

#: Series resolution for incidents, in minutes.
INCIDENT_RESOLUTION = 5
#: Previous reviews shown next to this one.
HISTORY = 3


@dataclass
class FlowReview:
    flow: Flow
    result: FlowResult | None
    cost: FlowCost | None
    pillars: list[PillarRow]
    trend: list[str]
    incidents: list[Incident]
    findings: list[Finding]
    changes: list[Change]
    history: list[Snapshot] = field(default_factory=list)


@dataclass
class Review:
    workload: Workload
    period: Period
    now: datetime
    previous: Snapshot | None
    flows: list[FlowReview]
    actions: list[Action]
    evaluation: Evaluation
    cost: CostReport
    design: list[Finding]
    snapshot: Snapshot
    drift: list[Finding] = field(default_factory=list)
    #: False when the spans came from another source than the store, which drift cannot read
    drift_measured: bool = True


def flow_findings(workload: Workload, flow_id: str, findings: list[Finding]) -> list[Finding]:
    """Findings located in the flow: `flows[i]...` (check) or `flows.<id>...` (cost)."""
    index = next(i for i, f in enumerate(workload.flows) if f.id == flow_id)
    prefixes = (f"flows[{index}]", f"flows.{flow_id}")
    return [
        f
        for f in findings
        if f.path and any(f.path == p or f.path.startswith((p + ".", p + "[")) for p in prefixes)
    ]


def _missed_before(previous: Snapshot | None, flow_id: str) -> bool:
    old = previous.flow(flow_id) if previous else None
    return bool(
        old
        and old.availability is not None
        and old.objective is not None
        and old.availability < old.objective
    )


def _flow_review(
    workload: Workload,
    flow: Flow,
    review_inputs: tuple[Evaluation, CostReport, list[Finding]],
    previous: Snapshot | None,
    changes: list[Change],
    month: str,
) -> tuple[FlowReview, list[Action]]:
    evaluation, cost_report, findings = review_inputs
    result = evaluation.flow(flow.id)
    cost = cost_report.flow(flow.id, month)
    found = incidents(result, INCIDENT_RESOLUTION) if result else []
    actions = propose_actions(
        flow,
        result,
        cost,
        flow_feasibility(workload, flow) if flow.targets.reliability else None,
        _missed_before(previous, flow.id),
    )
    current = flow_snapshot(flow, result, cost, sum(i.minutes for i in found))
    review = FlowReview(
        flow,
        result,
        cost,
        pillar_rows(workload, flow, result, cost),
        trend(previous.flow(flow.id) if previous else None, current),
        found,
        flow_findings(workload, flow.id, findings),
        [c for c in changes if c.flow == flow.id],
    )
    return review, actions


def _drift(path: str | Path, store: TelemetryStore, period: Period, now: datetime) -> list[Finding]:
    """Where the stored spans and the model disagree, over the period so far."""
    return detect_drift(load_workload(path), store, period.start, min(period.end, now))


def review_workload(
    path: str | Path,
    store: TelemetryStore,
    now: datetime,
    month: str | None = None,
    costs: str | Path | None = None,
    cost_format: str = "model",
    save: bool = True,
    source: Backend | None = None,
) -> Review:
    """Review the month (default: now's) and, with `save`, store its snapshot.

    The spans come from `source` when given (e.g. ClickHouse), else from the store; the
    store keeps the snapshots either way. Drift (flowsight.drift) reads only the flowsight
    store, so a review whose spans come from `source` reports no drift (an empty list).
    """
    workload, design = design_review(path)
    periods = periods_ending(month, 2, now)
    period = periods[-1]
    spans: Backend | TelemetryStore = source or store
    evaluation = evaluate_workload(
        workload,
        spans,
        start=period.start,
        end=period.end,
        now=now,
        resolution_minutes=INCIDENT_RESOLUTION,
    )
    cost_report = allocate_costs(workload, spans, periods, costs, cost_format)
    drift = [] if source is not None else _drift(path, store, period, now)
    history = load_snapshots(store, before=now)
    previous = history[-1] if history else None
    changes = diff_workloads(previous.reviewed_workload(), workload) if previous else []
    findings = design + cost_report.findings + drift
    flows, actions = [], drift_actions(workload, drift)
    for flow in sorted(workload.flows, key=lambda f: -CRITICALITY_RANK[f.criticality]):
        review, proposed = _flow_review(
            workload, flow, (evaluation, cost_report, findings), previous, changes, period.month
        )
        review.history = history[-HISTORY:]
        flows.append(review)
        actions += proposed
    snapshot = Snapshot(
        period.month,
        period.start.isoformat(),
        period.end.isoformat(),
        now.isoformat(),
        {
            r.flow.id: flow_snapshot(r.flow, r.result, r.cost, sum(i.minutes for i in r.incidents))
            for r in flows
        },
        workload.model_dump(mode="json"),
    )
    if save:
        save_snapshot(store, snapshot)
    return Review(
        workload,
        period,
        now,
        previous,
        flows,
        prioritize(actions),
        evaluation,
        cost_report,
        design,
        snapshot,
        drift,
        drift_measured=source is None,
    )
