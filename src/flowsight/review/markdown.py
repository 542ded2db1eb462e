"""The review as Markdown, assembled from data with the docs' small builders."""

from __future__ import annotations

from flowsight.docs.markdown import bullet_list, document, numbered_list, table
from flowsight.review.build import FlowReview, Review


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} %"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def history_rows(review: Review, flow: FlowReview) -> list[list[str]]:
    """Previous reviews of the flow, oldest first, then this period."""
    rows = []
    for snapshot in [*flow.history, review.snapshot]:
        data = snapshot.flow(flow.flow.id)
        if data is None:
            continue
        consumed = data.budget_consumed
        rows.append(
            [
                snapshot.period + (" (this review)" if snapshot is review.snapshot else ""),
                data.verdict.replace("_", " "),
                _pct(data.availability),
                "-" if consumed is None else f"{100 * consumed:.0f} %",
                _money(data.cost),
                str(data.incident_minutes),
            ]
        )
    return rows


def _flow_block(review: Review, flow: FlowReview) -> str:
    parts = [
        f"### {flow.flow.name} (`{flow.flow.id}`, {flow.flow.criticality})",
        table(
            ["Pillar", "Target", "Measured", "Status"],
            [[p.pillar, p.target, p.measured, p.status] for p in flow.pillars],
        ),
        table(
            [
                "Period",
                "Verdict",
                "Availability",
                "Budget consumed",
                "Cost a month",
                "Incident min",
            ],
            history_rows(review, flow),
        ),
    ]
    if flow.trend:
        parts.append("Since the last review: " + "; ".join(flow.trend) + ".")
    if flow.changes:
        parts.append(
            "Target changes since the last review:\n\n"
            + bullet_list(c.describe() for c in flow.changes)
        )
    if flow.incidents:
        parts.append(
            "Incidents:\n\n"
            + bullet_list(
                f"{i.start:%Y-%m-%d %H:%M} UTC, {i.minutes} min, {i.bad} of {i.requests} requests "
                f"failed (worst {i.worst_availability:.1f} %)"
                for i in flow.incidents
            )
        )
    if flow.findings:
        parts.append(
            "Findings (design review, cost, drift):\n\n"
            + bullet_list(f"{f.severity} `{f.rule}`: {f.message}" for f in flow.findings)
        )
    return "\n\n".join(parts)


def _drift_block(review: Review) -> str:
    if not review.drift_measured:
        return (
            f"Not measured: drift reads only the flowsight store, and this review read its "
            f"spans from {review.evaluation.backend}."
        )
    return (
        bullet_list(f"{f.severity} `{f.rule}` ({f.location()}): {f.message}" for f in review.drift)
        or "None: the model matches the traces of the period (`flowsight drift`)."
    )


def render_markdown(review: Review) -> str:
    previous = review.previous
    compared = (
        f"Compared with the review of {previous.period} taken {previous.taken_at}."
        if previous
        else "No previous review is stored: this review starts the history."
    )
    actions = (
        numbered_list(f"**{a.flow}** ({a.criticality}): {a.text}" for a in review.actions)
        or "No action proposed: every flow meets its targets."
    )
    unattributed = review.cost.unattributed_total(review.period.month)
    return document(
        [
            f"# {review.workload.workload.name}: flow review {review.period.month}",
            f"Period {review.period.start:%Y-%m-%d} to {review.period.end:%Y-%m-%d %H:%M} UTC. "
            + compared,
            "## Proposed actions",
            "Ordered by criticality, then urgency (missed target, at risk, optimization), then gap.",
            actions,
            "## Flows",
            *[_flow_block(review, f) for f in review.flows],
            "## Drift",
            _drift_block(review),
            "## Cost not charged to any flow",
            f"{_money(unattributed)} {review.cost.currency} this month."
            if unattributed
            else "None: every cost was charged to a flow.",
            bullet_list(
                f"{u.label}: {_money(u.amount)} ({u.reason})"
                for u in review.cost.unattributed
                if u.month == review.period.month
            ),
        ]
    )
