"""`flowsight report`: one offline HTML file with a chart per flow and the findings; Markdown."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from flowsight.check import check_workload
from flowsight.report import Review, render_html, render_markdown
from flowsight.report.render import markdown_text
from tests.flowsight.conftest import EXAMPLE, run_cli
from tests.flowsight.report.traffic import NOW_TEXT


class Outline(HTMLParser):
    """Tags with their attributes, and the chart data islands read back as JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.islands: list[dict[str, Any]] = []
        self._in_island = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_island = tag == "script" and dict(attrs).get("class") == "chart-data"

    def handle_data(self, data: str) -> None:
        if self._in_island:
            self.islands.append(json.loads(data))
            self._in_island = False

    def charts(self, kind: str) -> list[dict[str, Any]]:
        return [i for i in self.islands if i["kind"] == kind]

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())
        ]


def _outline(html: str) -> Outline:
    outline = Outline()
    outline.feed(html)
    return outline


def test_a_section_with_three_charts_per_flow(relecloud_review: Review) -> None:
    outline = _outline(render_html(relecloud_review.data()))
    flows = [f.flow for f in relecloud_review.evaluation.flows]
    sections = [
        a["data-flow"] for t, a in outline.tags if t == "section" and a.get("class") == "flow"
    ]
    assert sections == flows  # sorted by criticality, then remaining budget
    for kind in ("burn-down", "availability", "latency"):
        assert [c["id"] for c in outline.charts(kind)] == [f"{f}-{kind}" for f in flows]


def test_the_report_needs_nothing_from_the_network(relecloud_review: Review) -> None:
    html = render_html(relecloud_review.data())
    outline = _outline(html)
    assert not [t for t, _ in outline.tags if t in ("link", "img", "iframe")]
    scripts = [a for t, a in outline.tags if t == "script"]
    # One inline script (uPlot and the chart script) and the JSON data islands.
    assert [a for a in scripts if "type" not in a] == [{}]
    assert len(scripts) == 1 + len(outline.islands) == 1 + 3 * 6
    assert not [a for _, a in outline.tags if "src" in a]
    assert "uPlot" in html and "Leon Sorokin" not in html  # inlined, license kept in the package
    assert not re.search(r"url\(|@import", html)
    # The one address is the library's banner comment, never fetched.
    assert re.findall(r"https?://[^\s\"')]+", html) == ["https://github.com/leeoniya/uPlot"]
    hrefs = [a["href"] or "" for t, a in outline.tags if t == "a"]
    assert hrefs and all(h.startswith("#") for h in hrefs)


def test_the_report_carries_context_targets_and_findings(relecloud_review: Review) -> None:
    html = render_html(relecloud_review.data())
    assert "Director of Sales" in html and "Revenue at risk: 25,000 per hour." in html
    for pillar in ("Reliability", "Security", "Cost", "Operations", "Performance"):
        assert f"<th>{pillar}</th>" in html
    assert 'id="findings"' in html
    for finding in check_workload(EXAMPLE).findings:
        assert f"<code>{finding.rule}</code>" in html
    assert "emergency-collector-restart" in html  # the evaluation's late maintenance


def test_health_is_text_and_symbol_not_only_color(relecloud_review: Review) -> None:
    outline = _outline(render_html(relecloud_review.data()))
    badges = [a["data-state"] for t, a in outline.tags if t == "span" and "data-state" in a]
    assert set(badges) == {"healthy", "degraded", "unhealthy", "unknown"}
    html = render_html(relecloud_review.data())
    assert '<span aria-hidden="true">✕</span> Unhealthy' in html


def test_markdown_summary(relecloud_review: Review) -> None:
    text = render_markdown(relecloud_review.data(with_charts=False))
    assert text.startswith("## Relecloud: flow review\n")
    assert "Workload health: **DEGRADED** !" in text
    assert (
        "| Purchase ticket | high | ! Degraded | 99.917 % | 99.9 % | 16.9 % | 680 ms | 3,609 |"
        in text
    )
    assert "| Create upcoming concerts | low | ? Unknown | - | 95.0 % | - | - | 0 |" in text
    assert "escalate to Application team → Platform team → Sales department manager on call" in text
    assert "\n\n\n" not in text


def test_markdown_escapes_workload_text() -> None:
    assert markdown_text("a | b <img src=x> *c*") == r"a \| b \<img src=x\> \*c\*"


def test_cli_writes_the_html_report(relecloud_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = run_cli(
        "report", str(EXAMPLE), "--db", str(relecloud_store), "--now", NOW_TEXT, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    assert len(_outline(html).charts("burn-down")) == 6


def test_cli_markdown_to_stdout_matches_evaluate(relecloud_store: Path) -> None:
    args = (str(EXAMPLE), "--db", str(relecloud_store), "--now", NOW_TEXT)
    markdown = run_cli("report", *args, "--format", "md")
    assert markdown.exit_code == 0
    evaluated = json.loads(
        run_cli("evaluate", *args, "--format", "json", "--fail-on", "none").output
    )
    for flow in evaluated["flows"]:
        if flow["availability"] is not None:
            assert f"| {flow['availability']:.3f} % |" in markdown.output


def test_cli_errors_are_sentences_with_exit_2(tmp_path: Path, relecloud_store: Path) -> None:
    missing = run_cli("report", str(EXAMPLE), "--db", str(tmp_path / "nothing"))
    assert missing.exit_code == 2
    assert "no telemetry store here" in missing.output
    bad_now = run_cli("report", str(EXAMPLE), "--db", str(relecloud_store), "--now", "yesterday")
    assert bad_now.exit_code == 2
    assert "--now 'yesterday' is not an ISO 8601 time" in bad_now.output
    both = run_cli(
        "report", str(EXAMPLE), "--db", str(relecloud_store), "--window", "7d", "--from", NOW_TEXT
    )
    assert both.exit_code == 2
    unwritable = run_cli(
        "report", str(EXAMPLE), "--db", str(relecloud_store), "-o", str(tmp_path / "no" / "r.html")
    )
    assert unwritable.exit_code == 2
    assert "cannot write the report" in unwritable.output


def test_cli_broken_workload_exits_1(tmp_path: Path, relecloud_store: Path) -> None:
    broken = tmp_path / "workload.yaml"
    broken.write_text("workload: {name: x}\nflows: [{id: 1}]\n")
    result = run_cli("report", str(broken), "--db", str(relecloud_store))
    assert result.exit_code == 1
    assert "error" in result.output
