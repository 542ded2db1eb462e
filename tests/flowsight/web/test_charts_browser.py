"""The charts in a real browser (Debian's Chromium): the HTML report and the dashboard, on
three minutes of traffic like `flowsight demo` makes and on 30 days of generated traffic.

Each chart must label its time axis with round ticks, show the value under the cursor,
zoom on a drag, fit a 390 px screen, and log no console error.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from flowsight.report import build_review, render_html
from flowsight.report.format import millis, percent, ratio
from tests.flowsight.conftest import EXAMPLE
from tests.flowsight.report.traffic import NOW, build_burst_store, request, span
from tests.flowsight.web.conftest import Server, Watched, start_server, stop_server
from tests.flowsight.web.conftest import open_page as _open

pytestmark = pytest.mark.browser

BURST_MINUTES = 3
ROUND_STEPS = {1.0, 2.0, 2.5, 5.0}


@dataclass
class Target:
    """A page holding purchase-ticket's charts, and how to find them on it."""

    name: str
    url: str
    scope: str
    dataset: str


@pytest.fixture(scope="session")
def burst_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_burst_store(tmp_path_factory.mktemp("burst-traffic"), NOW, BURST_MINUTES)


@pytest.fixture(scope="module")
def burst_server(burst_store: Path) -> Iterator[Server]:
    running = start_server(burst_store)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def month_server(relecloud_store: Path) -> Iterator[Server]:
    running = start_server(relecloud_store)
    yield running
    stop_server(running)


def _report(store: Path, path: Path, minutes: int | None) -> Path:
    start = NOW - timedelta(minutes=minutes) if minutes else None
    review = build_review(EXAMPLE, store, start=start, end=NOW if start else None, now=NOW)
    path.write_text(render_html(review.data()))
    return path


@pytest.fixture(
    params=["report-3-minutes", "report-30-days", "dashboard-3-minutes", "dashboard-30-days"]
)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    surface, dataset = request.param.split("-", 1)
    if surface == "report":
        store = (
            request.getfixturevalue("burst_store")
            if dataset == "3-minutes"
            else request.getfixturevalue("relecloud_store")
        )
        minutes = BURST_MINUTES if dataset == "3-minutes" else None
        report = _report(store, tmp_path / "report.html", minutes)
        return Target(
            request.param,
            report.as_uri() + "#flow-purchase-ticket",
            "section[data-flow='purchase-ticket']",
            dataset,
        )
    server = request.getfixturevalue("burst_server" if dataset == "3-minutes" else "month_server")
    return Target(request.param, server.url + "/flows/purchase-ticket", "section.flow", dataset)


@pytest.fixture
def watched(browser: Browser, target: Target) -> Iterator[Watched]:
    opened = _open(browser, target.url)
    yield opened
    assert opened.errors == [], f"console errors on {target.name}"
    opened.page.context.close()


def _chart(page: Page, target: Target, kind: str) -> dict:  # type: ignore[type-arg]
    box = page.locator(f"{target.scope} div.chart[data-chart='{kind}']")
    return {
        "id": box.get_attribute("id"),
        "x_labels": json.loads(box.get_attribute("data-x-labels") or "[]"),
        "y_labels": json.loads(box.get_attribute("data-y-labels") or "[]"),
        "range": [float(v) for v in (box.get_attribute("data-range") or "").split(",")],
        "spec": json.loads(
            page.locator(f"{target.scope} script.chart-data")
            .nth(["burn-down", "availability", "latency"].index(kind))
            .inner_text()
        ),
    }


def _round_steps(labels: list[str]) -> bool:
    numbers = [float(re.sub(r"[^0-9.\-]", "", label)) for label in labels]
    steps = {round(b - a, 9) for a, b in itertools.pairwise(numbers)}
    if len(steps) != 1:
        return False
    (step,) = steps
    mantissa = step / 10 ** int(f"{step:e}".split("e")[1])
    return round(mantissa, 6) in ROUND_STEPS


def test_time_axes_are_labeled_with_round_ticks(watched: Watched, target: Target) -> None:
    for kind in ("burn-down", "availability", "latency"):
        chart = _chart(watched.page, target, kind)
        labels = chart["x_labels"]
        assert len(labels) >= 3, (kind, labels)
        if target.dataset == "3-minutes":
            assert all(re.match(r"^\d\d:\d\d(:\d\d)?(\n[A-Z][a-z]{2} \d+)?$", x) for x in labels)
        else:
            assert all(re.match(r"^[A-Z][a-z]{2} \d+$", x) for x in labels), labels
        assert len(chart["y_labels"]) >= 2 and _round_steps(chart["y_labels"]), chart["y_labels"]


def _plot_box(page: Page, chart_id: str) -> dict[str, float]:
    box = page.locator(f"#{chart_id} .u-over").bounding_box()
    assert box is not None
    return box


def _hover(page: Page, chart: dict, index: int, label: str) -> tuple[int, str]:  # type: ignore[type-arg]
    """Put the cursor on point `index`; the point uPlot picked and the legend's value for
    series `label` (points a pixel apart may snap to a neighbour)."""
    page.locator(f"#{chart['id']}").scroll_into_view_if_needed()
    left = page.evaluate(
        "([id, x]) => flowsightCharts.charts[id].plot.valToPos(x, 'x')",
        [chart["id"], chart["spec"]["x"][index]],
    )
    box = _plot_box(page, chart["id"])
    page.mouse.move(box["x"] + left, box["y"] + box["height"] / 2)
    picked = page.evaluate("id => flowsightCharts.charts[id].plot.cursor.idx", chart["id"])
    assert abs(picked - index) <= 1
    series = page.locator(f"#{chart['id']} .u-legend .u-series")
    stamp = series.first.locator(".u-value").inner_text()
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$", stamp)
    return picked, series.filter(has_text=label).first.locator(".u-value").inner_text()


def test_hover_shows_the_value_at_the_cursor(watched: Watched, target: Target) -> None:
    page = watched.page
    chart = _chart(page, target, "availability")
    values = chart["spec"]["series"][0]["values"]
    index = min(
        (i for i, v in enumerate(values) if v is not None),
        key=lambda i: values[i],  # the worst point: 66.667 % on 30 days, a failed minute on 3
    )
    picked, shown = _hover(page, chart, index, "availability")
    assert picked == index and shown == percent(values[index])
    latency = _chart(page, target, "latency")
    p95 = latency["spec"]["series"][1]["values"]
    index = max((i for i, v in enumerate(p95) if v is not None), key=lambda i: p95[i])
    picked, shown = _hover(page, latency, index, "p95")
    assert shown == millis(p95[picked])
    burn = _chart(page, target, "burn-down")
    left = burn["spec"]["series"][0]["values"]
    picked, shown = _hover(page, burn, len(left) - 2, "budget left")
    assert shown == ratio(left[picked] / 100)


def test_a_drag_zooms_into_the_range(watched: Watched, target: Target) -> None:
    page = watched.page
    chart = _chart(page, target, "latency")
    page.locator(f"#{chart['id']}").scroll_into_view_if_needed()
    box = _plot_box(page, chart["id"])
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=8)
    page.mouse.up()
    zoomed = _chart(page, target, "latency")
    lo, hi = chart["range"]
    assert zoomed["range"] != chart["range"]
    assert lo < zoomed["range"][0] < zoomed["range"][1] < hi
    assert zoomed["range"][1] - zoomed["range"][0] < 0.5 * (hi - lo)
    assert zoomed["x_labels"] != chart["x_labels"]


def test_no_horizontal_overflow_at_390_px(browser: Browser, target: Target) -> None:
    overview = target.url.split("#")[0].replace("/flows/purchase-ticket", "/")
    opened = _open(browser, overview, 390, charts=target.name.startswith("report"))
    page = opened.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    flows = page.locator("div.scroll:has(table.flows)")
    # The table keeps its columns and scrolls inside its own box.
    assert flows.evaluate("e => e.scrollWidth > e.clientWidth && e.clientWidth <= 390")
    if target.name.startswith("dashboard"):
        page.goto(target.url)
        page.wait_for_selector("div.chart[data-range]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rights = page.locator("div.chart").evaluate_all(
        "boxes => boxes.map(b => b.getBoundingClientRect().right)"
    )
    assert rights and max(rights) <= 390
    assert opened.errors == []
    page.context.close()


def test_the_demo_minutes_show_as_a_line_not_a_dot(browser: Browser, burst_server: Server) -> None:
    opened = _open(browser, burst_server.url + "/flows/purchase-ticket")
    page = opened.page
    assert page.locator("[data-testid=time-range] a[aria-current]").inner_text() == "1h"
    chart = _chart(page, Target("", "", "section.flow", "3-minutes"), "availability")
    assert chart["spec"]["resolution"] == "minute"
    assert len([v for v in chart["spec"]["series"][0]["values"] if v is not None]) == 3
    lo, hi = chart["range"]
    assert hi - lo <= 10 * 60  # opens on the data, not on the whole hour
    assert opened.errors == []
    opened.page.context.close()


def test_time_range_picker_and_custom_range(browser: Browser, month_server: Server) -> None:
    opened = _open(browser, month_server.url + "/flows/purchase-ticket")
    page = opened.page
    current = page.locator("[data-testid=time-range] a[aria-current]")
    assert current.inner_text() == "objective window"
    full = _chart(page, Target("", "", "section.flow", ""), "latency")["range"]
    assert full[1] - full[0] == 30 * 86400
    page.locator("[data-testid=time-range] a[data-range='6h']").click()
    page.wait_for_url("**/flows/purchase-ticket?range=6h")
    page.wait_for_selector("div.chart[data-range]")
    six = _chart(page, Target("", "", "section.flow", ""), "latency")
    assert six["range"][1] - six["range"][0] == 6 * 3600 and six["spec"]["resolution"] == "minute"
    assert page.get_by_test_id("json-link").get_attribute("href") == (
        "/flows/purchase-ticket.json?range=6h"
    )
    page.fill("input[name=from]", "2026-11-23T18:00")
    page.fill("input[name=to]", "2026-11-23T22:00")
    page.locator("[data-testid=time-range] button").click()
    page.wait_for_url("**from=2026-11-23T18*")
    page.wait_for_selector("div.chart[data-range]")
    custom = _chart(page, Target("", "", "section.flow", ""), "availability")
    assert custom["range"] == [1795456800.0, 1795471200.0]  # 18:00 to 22:00 UTC
    assert page.locator("[data-testid=time-range] input[name=from]").input_value() == (
        "2026-11-23T18:00"
    )
    assert opened.errors == []
    bad = httpx.get(month_server.url + "/flows/purchase-ticket.json?range=2w", timeout=10)
    assert bad.status_code == 400 and "range='2w'" in bad.json()["error"]
    opened.page.context.close()


def test_favicon_is_served(month_server: Server) -> None:
    icon = httpx.get(month_server.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg")


def test_the_dashboard_updates_from_json_without_reloading(
    browser: Browser, store_copy: Path
) -> None:
    server = start_server(store_copy, "--refresh", "1")
    try:
        overview = _open(browser, server.url + "/", charts=False)
        row = overview.page.locator("tr[data-flow='create-concerts']")
        assert row.locator("[data-field=requests]").inner_text() == "0"
        overview.page.evaluate("window.stillHere = true")
        opened = _open(browser, server.url + "/flows/create-concerts")
        page = opened.page
        assert page.get_by_test_id("requests").inner_text() == "0"
        assert page.get_by_test_id("alert").inner_text() == "no data"
        assert page.locator("div.chart[data-empty=true] .chart-empty").count() == 3
        page.evaluate("window.stillHere = true")
        spans = [
            span(
                "create-concerts",
                "create",
                "POST",
                "/concerts",
                NOW.replace(hour=19, minute=m),
                150.0,
            )
            for m in range(4)
        ]
        assert httpx.post(server.url + "/v1/traces", json=request(spans), timeout=10).is_success
        page.wait_for_function(
            "document.querySelector('[data-testid=requests]').textContent === '4'", timeout=15000
        )
        assert page.evaluate("window.stillHere") is True  # the same document: no reload
        assert page.get_by_test_id("alert").inner_text() == "ok"
        assert page.locator(".chart-empty").count() == 0
        assert page.locator("main .health").first.inner_text() == "✓ Healthy"
        latency = page.evaluate(
            "flowsightCharts.charts['create-concerts-latency'].plot.data[1].filter(v => v != null).length"
        )
        assert latency > 0
        assert opened.errors == []
        page.context.close()
        overview.page.wait_for_function(
            "document.querySelector(\"tr[data-flow='create-concerts'] [data-field=requests]\")"
            ".textContent === '4'",
            timeout=15000,
        )
        assert overview.page.evaluate("window.stillHere") is True
        assert row.locator(".health").inner_text() == "✓ Healthy"
        assert row.locator("[data-field=availability]").inner_text() == "100.000 %"
        assert overview.errors == []
        overview.page.context.close()
    finally:
        stop_server(server)
