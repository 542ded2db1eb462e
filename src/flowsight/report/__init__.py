"""Flow reviews people can see: health states, charts, the HTML report and Markdown.

`build_review` measures a workload (through `flowsight.evaluate`, the one code
path for every number) and gathers its design findings; `review_data` turns that
into view data; `render_html` / `render_markdown` render it. The dashboard in
`flowsight.web` renders the same views live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flowsight.check import check_workload
from flowsight.errors import WorkloadError
from flowsight.evaluate import Evaluation, evaluate_workload
from flowsight.evaluate.base import Backend
from flowsight.findings import Finding
from flowsight.model import Workload
from flowsight.report.health import Health, flow_health, workload_health
from flowsight.report.render import render_html, render_markdown
from flowsight.report.views import findings_view, flow_section, overview, review
from flowsight.telemetry.store import TelemetryStore, open_store

__all__ = [
    "Health",
    "Review",
    "build_review",
    "design_review",
    "findings_view",
    "flow_health",
    "flow_section",
    "measured_drift",
    "overview",
    "render_html",
    "render_markdown",
    "workload_health",
]

Source = Backend | TelemetryStore | str | os.PathLike[str]


@dataclass
class Review:
    """A measured workload and its design findings: all a report or a page needs."""

    workload: Workload
    evaluation: Evaluation
    design: list[Finding]
    drift: list[Finding] = field(default_factory=list)

    def data(self, with_charts: bool = True) -> dict[str, Any]:
        return review(self.workload, self.evaluation, self.design, with_charts, self.drift)


def design_review(path: str | Path) -> tuple[Workload, list[Finding]]:
    """Load the workload and run `check` on it; a workload with errors raises WorkloadError."""
    result = check_workload(path)
    if result.loaded is None:
        raise WorkloadError([f for f in result.findings if f.severity == "error"])
    return result.loaded.workload, result.findings


def build_review(
    path: str | Path,
    source: Source,
    window: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> Review:
    """Check and measure the workload at `path` against the telemetry in `source`."""
    workload, design = design_review(path)
    evaluation = evaluate_workload(workload, source, window=window, start=start, end=end, now=now)
    return Review(workload, evaluation, design, measured_drift(path, source, evaluation))


def measured_drift(path: str | Path, source: Source, evaluation: Evaluation) -> list[Finding]:
    """Drift over the evaluated windows (the flowsight store only: see discover-and-drift)."""
    from flowsight.drift import detect_drift
    from flowsight.load import load_workload

    if not isinstance(source, TelemetryStore | str | os.PathLike) or not evaluation.flows:
        return []
    store = source if isinstance(source, TelemetryStore) else open_store(source)
    start = min(f.start for f in evaluation.flows)
    end = max(f.end for f in evaluation.flows)
    return detect_drift(load_workload(path), store, start, end)
