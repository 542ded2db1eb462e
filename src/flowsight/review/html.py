"""The review as one self-contained HTML page, built on the report's views and macros.

Each flow section embeds the report's `flow_section` view (business context,
measured values, charts) rendered by the report's own `flow_body` macro, so
the review and `flowsight report` can never disagree about a number.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

from flowsight import __version__
from flowsight.report.format import FILTERS
from flowsight.report.health import SYMBOL
from flowsight.report.markup import code_spans
from flowsight.report.render import chart_island, inline_assets
from flowsight.report.views import findings_view, flow_section, overview
from flowsight.review.build import Review
from flowsight.review.markdown import history_rows

_ENV = Environment(
    loader=ChoiceLoader(
        [
            PackageLoader("flowsight.review", "templates"),
            PackageLoader("flowsight.report", "templates"),
        ]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)
_ENV.filters.update(FILTERS, code_spans=code_spans)
_ENV.filters["island"] = chart_island
_ENV.globals.update(symbols=SYMBOL, version=__version__)


def _flows(review: Review) -> list[dict[str, Any]]:
    out = []
    for flow in review.flows:
        out.append(
            {
                "id": flow.flow.id,
                "name": flow.flow.name,
                "criticality": flow.flow.criticality,
                "pillars": flow.pillars,
                "history": history_rows(review, flow),
                "trend": flow.trend,
                "changes": [c.describe() for c in flow.changes],
                "incidents": flow.incidents,
                "findings": flow.findings,
                "section": flow_section(review.workload, flow.result) if flow.result else None,
            }
        )
    return out


def render_html(review: Review) -> str:
    return _ENV.get_template("review.html").render(
        review=review,
        overview=overview(review.workload, review.evaluation),
        flows=_flows(review),
        findings=findings_view(review.design, review.evaluation, review.drift),
        link=lambda flow_id: f"#flow-{flow_id}",
        assets=inline_assets(),
    )
