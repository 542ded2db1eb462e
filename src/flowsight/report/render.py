"""Render the review as one self-contained HTML file or as a Markdown summary.

Templates live in this package (flowsight/report/templates); the dashboard
renders the same macros, so the report and the dashboard can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from flowsight import __version__
from flowsight.report.format import FILTERS
from flowsight.report.health import SYMBOL
from flowsight.report.markup import code_spans

_MD_SPECIAL = re.compile(r"([\\*_\[\]<>|#])")


def markdown_text(value: object) -> str:
    """Workload text made inert in Markdown: one line, special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def environment(markdown: bool = False) -> Environment:
    env = Environment(
        loader=PackageLoader("flowsight.report", "templates"),
        autoescape=False if markdown else select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=markdown,
        lstrip_blocks=markdown,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["md"] = markdown_text
    env.filters["code_spans"] = code_spans
    env.globals.update(symbols=SYMBOL, version=__version__)
    return env


_HTML = environment()
_MARKDOWN = environment(markdown=True)


def html_environment() -> Environment:
    """The HTML environment; the dashboard adds its own templates' loader to it."""
    return _HTML


def report_anchor(flow_id: str) -> str:
    return f"#flow-{flow_id}"


def render_html(review: dict[str, Any], link: Callable[[str], str] = report_anchor) -> str:
    """The review as one HTML document: inline CSS and SVG, no script, no remote resource."""
    return _HTML.get_template("report.html").render(review=review, link=link)


def render_markdown(review: dict[str, Any]) -> str:
    """A short Markdown summary for a pull-request comment."""
    text = _MARKDOWN.get_template("summary.md").render(review=review)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
