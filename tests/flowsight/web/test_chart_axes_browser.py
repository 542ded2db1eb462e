"""The charts' time axis in Chromium at every window length the dashboard offers and more,
3 minutes to 90 days, on a wide and a 390 px screen, through the report's own assets."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from flowsight.report.charts import island
from flowsight.report.render import inline_assets
from tests.flowsight.report.traffic import NOW
from tests.flowsight.web.conftest import open_page as _open

pytestmark = pytest.mark.browser


WINDOWS = {
    "3m": (timedelta(minutes=3), 60),
    "1h": (timedelta(hours=1), 60),
    "6h": (timedelta(hours=6), 60),
    "1d": (timedelta(days=1), 60),
    "7d": (timedelta(days=7), 3600),
    "30d": (timedelta(days=30), 3600),
    "90d": (timedelta(days=90), 3600),
}


def _window_page(path: Path, length: timedelta, step: int) -> Path:
    """One availability chart over `length`, through the report's own assets and island."""
    start = int((NOW - length).timestamp())
    xs = list(range(start, int(NOW.timestamp()), step))
    chart = {
        "id": "window-availability",
        "kind": "availability",
        "title": "window",
        "summary": "",
        "unit": "%",
        "digits": 3,
        "resolution": "minute" if step == 60 else "hour",
        "step": step,
        "range": [start, int(NOW.timestamp())],
        "x": xs,
        "series": [
            {
                "label": "availability",
                "color": "#0969da",
                "values": [99.5 + (i % 5) / 10 for i in range(len(xs))],
            }
        ],
        "thresholds": [{"value": 99.9, "label": "objective 99.9 %", "color": "#cf222e"}],
        "bands": [],
        "y": {"max": 100.0, "include": [99.9]},
        "empty": None,
    }
    assets = inline_assets()
    path.write_text(
        f"<!doctype html><meta charset=utf-8><style>{assets['styles']}</style><figure>"
        f'<script type="application/json" class="chart-data">{island(chart)}</script></figure>'
        f"<script>{assets['scripts']}</script>"
    )
    return path


@pytest.mark.parametrize("window", list(WINDOWS))
@pytest.mark.parametrize("width", [1280, 390])
def test_the_time_axis_is_labeled_at_every_window_length(
    browser: Browser, tmp_path: Path, window: str, width: int
) -> None:
    length, step = WINDOWS[window]
    opened = _open(browser, _window_page(tmp_path / "w.html", length, step).as_uri(), width)
    labels = json.loads(opened.page.locator("div.chart").get_attribute("data-x-labels") or "[]")
    assert len(labels) >= (3 if width > 400 else 2), labels
    # Every label is a time of day or a date, and the date shows at least once.
    assert all(re.match(r"^(\d\d:\d\d(:\d\d)?)?\n?([A-Z][a-z]{2} \d+)?$", x) for x in labels)
    assert all(labels) and any(re.search(r"[A-Z][a-z]{2} \d+", x) for x in labels), labels
    if length >= timedelta(days=30):
        assert all(re.match(r"^[A-Z][a-z]{2} \d+$", x) for x in labels), labels
    assert opened.errors == []
    opened.page.context.close()
