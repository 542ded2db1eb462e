"""Browser tests: Playwright driving Debian's Chromium against a real `flowsight serve`.

Chromium must be installed (`make test` installs the `chromium` package); a
missing browser fails these tests, it never skips them. Screenshots of the
overview and a flow page land in test-output/. The charts' own behaviour (axes, hover,
zoom, narrow screens) is tested in test_charts_browser.py.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from flowsight.report.format import percent, ratio
from tests.flowsight.conftest import EXAMPLE, ROOT
from tests.flowsight.report.traffic import NOW, NOW_TEXT, request, span
from tests.flowsight.web.conftest import FLOWSIGHT, Server, open_page

pytestmark = pytest.mark.browser

OUTPUT = ROOT / "test-output"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _evaluate_json(store: Path) -> dict:  # type: ignore[type-arg]
    completed = subprocess.run(
        [
            FLOWSIGHT,
            "evaluate",
            str(EXAMPLE),
            "--db",
            str(store),
            "--now",
            NOW_TEXT,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(completed.stdout)


def test_overview_to_purchase_ticket_matches_evaluate(server: Server, page: Page) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.goto(server.url + "/")
    rows = page.locator("table.flows tbody tr")
    assert rows.count() == 6
    assert page.locator("tr[data-flow='search-concerts'] .health").inner_text() == "✕ Unhealthy"
    page.screenshot(path=str(OUTPUT / "dashboard-overview.png"), full_page=True)

    page.get_by_role("link", name="Purchase ticket").click()
    page.wait_for_url("**/flows/purchase-ticket")
    shown_availability = page.get_by_test_id("availability").inner_text()
    shown_budget = page.get_by_test_id("budget-remaining").inner_text()
    page.screenshot(path=str(OUTPUT / "dashboard-purchase-ticket.png"), full_page=True)

    flow = next(f for f in _evaluate_json(server.store)["flows"] if f["flow"] == "purchase-ticket")
    assert shown_availability == percent(flow["availability"]) == "99.917 %"
    assert shown_budget == ratio(flow["budget"]["remaining_ratio"]) == "16.9 %"
    assert (
        float(page.get_by_test_id("availability").get_attribute("data-value") or "")
        == flow["availability"]
    )
    assert (
        float(page.get_by_test_id("budget-remaining").get_attribute("data-value") or "")
        == flow["budget"]["remaining_ratio"]
    )
    assert page.locator("div.chart[data-chart]").count() == 3


def test_telemetry_posted_to_the_dashboard_shows_on_its_flow_page(
    server: Server, page: Page
) -> None:
    page.goto(server.url + "/flows/create-concerts")
    assert page.get_by_test_id("requests").inner_text() == "0"
    assert page.locator("main .health").first.inner_text() == "? Unknown"
    spans = [
        span(
            "create-concerts", "create", "POST", "/concerts", NOW.replace(hour=19, minute=m), 150.0
        )
        for m in range(4)
    ]
    posted = httpx.post(server.url + "/v1/traces", json=request(spans), timeout=10)
    assert posted.status_code == 200
    page.reload()
    assert page.get_by_test_id("requests").inner_text() == "4"
    assert page.locator("main .health").first.inner_text() == "✓ Healthy"


def test_report_opens_offline_with_a_chart_per_flow(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    subprocess.run(
        [
            FLOWSIGHT,
            "report",
            str(EXAMPLE),
            "--db",
            str(server.store),
            "--now",
            NOW_TEXT,
            "-o",
            str(report),
        ],
        check=True,
        cwd=ROOT,
    )
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    requested: list[str] = []

    def record(route) -> None:  # type: ignore[no-untyped-def]
        requested.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", record)
    offline = context.new_page()
    failures: list[str] = []
    offline.on("requestfailed", lambda r: failures.append(r.url))
    offline.goto(report.as_uri())
    assert requested == [report.as_uri()] and failures == []
    sections = offline.locator("section.flow")
    assert sections.count() == 6
    for index in range(6):
        assert sections.nth(index).locator("div.chart[data-chart]").count() == 3
        assert sections.nth(index).locator("div.chart[data-chart='availability']").count() == 1
    assert offline.locator("#findings table.findings tbody tr").count() > 0
    offline.screenshot(path=str(OUTPUT / "report.png"))
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_findings_page_shows_drift_without_console_errors(
    server: Server, browser: Browser, width: int
) -> None:
    drift = httpx.get(server.url + "/findings.json", timeout=30).json()["drift"]
    assert "drift.idle-flow" in {f["rule"] for f in drift}
    opened = open_page(browser, server.url + "/findings", width=width, charts=False)
    page = opened.page
    heading = page.get_by_role("heading", name="Drift: where the model and the traces part")
    assert heading.is_visible()
    # The drift table follows its heading, inside a scroll box like the other findings tables.
    rows = page.locator("h3:has-text('Drift') + div.scroll table.findings tbody tr")
    assert rows.count() == len(drift)
    # Backticks render as code, so the text reads without them.
    assert "flow create-concerts had no traffic in the window" in rows.all_inner_texts()[0]
    assert rows.first.locator("code", has_text="create-concerts").count() == 1
    # A wide table scrolls in its box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert opened.errors == []
    page.context.close()
