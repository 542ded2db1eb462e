"""Render the review as one self-contained HTML file or as a Markdown summary.

Templates live in this package (flowsight/report/templates); the dashboard
renders the same macros, so the report and the dashboard can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from flowsight import __version__
from flowsight.report.charts import Chart, island
from flowsight.report.format import FILTERS
from flowsight.report.health import SYMBOL
from flowsight.report.markup import code_spans

#: The chart library (vendored, see static/vendor/uplot/README.md) and our chart script,
#: paths under flowsight/report/static; the report inlines them, the dashboard serves them.
SCRIPTS = ("vendor/uplot/uPlot.iife.min.js", "charts.js")
STYLES = ("vendor/uplot/uPlot.min.css",)

_MD_SPECIAL = re.compile(r"([\\*_\[\]<>|#])")


def markdown_text(value: object) -> str:
    """Workload text made inert in Markdown: one line, special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def static_text(name: str) -> str:
    return (resources.files("flowsight.report") / "static" / name).read_text(encoding="utf-8")


@cache
def inline_assets() -> dict[str, Markup]:
    """Scripts and styles for one offline file; a file that could end its tag is refused."""
    scripts = "\n".join(static_text(n) for n in SCRIPTS)
    styles = "\n".join(static_text(n) for n in STYLES)
    if "</script" in scripts.lower() or "</style" in styles.lower():
        raise ValueError("a vendored asset contains a closing tag and cannot be inlined")
    return {"scripts": Markup(scripts), "styles": Markup(styles)}


def chart_island(chart: Chart) -> Markup:
    return Markup(island(chart))


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
    env.filters["island"] = chart_island
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
    """The review as one HTML document: styles, chart library and chart data inline, so it
    opens offline and asks nothing of the network."""
    return _HTML.get_template("report.html").render(
        review=review, link=link, assets=inline_assets()
    )


def render_markdown(review: dict[str, Any]) -> str:
    """A short Markdown summary for a pull-request comment."""
    text = _MARKDOWN.get_template("summary.md").render(review=review)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
