"""The dashboard's time range: presets, a custom range, bad input, and the fitted default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient

from flowsight.errors import UsageError
from flowsight.web.timerange import DEFAULT, TimeRange, fitting_range, parse_range
from tests.flowsight.report.traffic import NOW


def test_presets_and_custom_ranges_round_trip() -> None:
    assert parse_range({}) is None
    six = parse_range({"range": "6h"})
    assert six == TimeRange("6h") and six.window(NOW) == (NOW - timedelta(hours=6), NOW)
    assert parse_range({"range": "window"}).window(NOW) is None  # type: ignore[union-attr]
    custom = parse_range({"from": "2026-11-23T18:00", "to": "2026-11-23T22:00Z"})
    assert custom is not None and custom.window(NOW) == (
        datetime(2026, 11, 23, 18, tzinfo=UTC),
        datetime(2026, 11, 23, 22, tzinfo=UTC),
    )
    assert parse_range(dict(parse_qsl(custom.query()))) == custom


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"range": "2w"}, "query parameter range='2w' is not a time range"),
        ({"from": "yesterday", "to": "2026-11-23T22:00"}, "query parameter from='yesterday'"),
        ({"from": "2026-11-23T18:00"}, "needs both from= and to="),
        ({"from": "2026-11-23T18:00", "to": "2026-11-23T17:00"}, "the range is empty"),
        ({"range": "1h", "from": "2026-11-23T18:00"}, "not both"),
    ],
)
def test_bad_ranges_name_the_parameter(query: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        parse_range(query)


def test_the_default_fits_short_data_and_keeps_objective_windows_for_long() -> None:
    assert fitting_range(None, NOW) == DEFAULT
    assert fitting_range(NOW - timedelta(minutes=3), NOW) == TimeRange("1h")
    assert fitting_range(NOW - timedelta(hours=5), NOW) == TimeRange("6h")
    assert fitting_range(NOW - timedelta(hours=20), NOW) == TimeRange("1d")
    assert fitting_range(NOW - timedelta(days=2), NOW) == DEFAULT


def test_bad_range_is_a_400_in_both_forms(client: TestClient) -> None:
    page = client.get("/flows/purchase-ticket?range=2w")
    assert page.status_code == 400 and "range=&#39;2w&#39;" in page.text
    twin = client.get("/overview.json?from=2026-11-23T18:00")
    assert twin.status_code == 400
    assert twin.json()["error"] == "a custom range needs both from= and to="


def test_a_range_changes_what_the_twin_measures(client: TestClient) -> None:
    whole = client.get("/flows/purchase-ticket.json").json()
    hour = client.get("/flows/purchase-ticket.json?range=1h").json()
    assert whole["evaluation"]["series_resolution"] == "hour"
    assert hour["evaluation"]["series_resolution"] == "minute"
    assert hour["requests"] < whole["requests"]
    assert hour["evaluation"]["start"] == "2026-11-25T20:00:00Z"
    assert client.get("/favicon.ico").headers["content-type"] == "image/svg+xml"
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200
    assert client.get("/static/charts.js").status_code == 200
    assert client.get("/static/dashboard.js").status_code == 200
