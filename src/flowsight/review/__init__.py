"""The periodic review: every flow against its targets, this period and before, with actions.

`review_workload` measures the month, compares it with the last stored review
(trend, target changes via `flowsight.diff`), proposes prioritized actions and
stores its own snapshot in the telemetry store for the next review.
`render_markdown` and `render_html` turn it into the document.
"""

from flowsight.review.actions import Action, prioritize, propose_actions
from flowsight.review.build import FlowReview, Review, review_workload
from flowsight.review.html import render_html
from flowsight.review.incidents import Incident, incidents
from flowsight.review.markdown import render_markdown
from flowsight.review.snapshot import FlowSnapshot, Snapshot, load_snapshots, save_snapshot

__all__ = [
    "Action",
    "FlowReview",
    "FlowSnapshot",
    "Incident",
    "Review",
    "Snapshot",
    "incidents",
    "load_snapshots",
    "prioritize",
    "propose_actions",
    "render_html",
    "render_markdown",
    "review_workload",
    "save_snapshot",
]
