"""The periodic review: hand-counted periods, a stored previous review, Relecloud-shaped data."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowsight.review import load_snapshots, render_html, render_markdown, review_workload
from flowsight.telemetry import SpanRecord, TelemetryStore, open_store, record_spans
from tests.flowsight.conftest import EXAMPLE, run_cli

SHOP = """
workload: {name: Shop}
components:
  - {id: db, kind: database, monthly_cost: 400, spans: [{attribute: db.system, values: [postgresql]}]}
flows:
  - id: checkout
    name: Checkout
    kind: user
    description: Pay.
    criticality: high
    steps: [{id: pay, name: Pay, components: [db], end: true}]
    telemetry: {attribute: app.flow}
    targets:
      reliability: {availability: AVAILABILITY}
      cost: {monthly_budget: 1000}
  - id: browse
    name: Browse
    kind: user
    description: Look around.
    criticality: low
    dependencies: [{component: db}]
    telemetry: {attribute: app.flow}
    targets:
      reliability: {availability: 90}
"""

_ids = itertools.count(1)


def entry(
    at: datetime, flow: str, status: int = 200, route: str = "/x", millis: float = 50
) -> list[SpanRecord]:
    """A Relecloud-shaped trace: a server span of `flow` and one database call."""
    number = next(_ids)
    trace_id, root = f"{number:032x}", f"{number:016x}"
    start = int(at.timestamp() * 1e9)
    attributes = {
        "app.flow": flow,
        "http.route": route,
        "http.request.method": "GET",
        "http.response.status_code": str(status),
    }
    server = SpanRecord(
        trace_id,
        root,
        "relecloud",
        f"GET {route}",
        2,
        start,
        start + int(millis * 1e6),
        "",
        2 if status >= 500 else 0,
        attributes,
    )
    db = SpanRecord(
        trace_id,
        f"{number:08x}ffffffff",
        "relecloud",
        "SELECT relecloud",
        3,
        start + 10**6,
        start + 2 * 10**6,
        root,
        0,
        {"db.system": "postgresql", "db.system.name": "postgresql"},
    )
    return [server, db]


def month_of_traffic(store: TelemetryStore, first: datetime, bad: int = 0) -> None:
    """100 checkout and 10 browse requests, hourly; the first `bad` checkouts fail, a minute apart."""
    spans = []
    for hour in range(100):
        spans += entry(first + timedelta(hours=hour, minutes=30), "checkout")
    for minute in range(bad):
        spans += entry(first + timedelta(days=9, minutes=minute), "checkout", status=503)
    for hour in range(10):
        spans += entry(first + timedelta(hours=hour, minutes=40), "browse")
    record_spans(store, spans)


def test_a_review_compares_with_the_stored_previous_one(tmp_path: Path) -> None:
    workload = tmp_path / "workload.yaml"
    workload.write_text(SHOP.replace("AVAILABILITY", "99"))
    store = open_store(tmp_path / "store", create=True)
    month_of_traffic(store, datetime(2026, 10, 1, tzinfo=UTC))
    month_of_traffic(store, datetime(2026, 11, 1, tzinfo=UTC), bad=5)

    october = review_workload(workload, store, datetime(2026, 11, 1, tzinfo=UTC), "2026-10")
    assert october.previous is None and october.actions == []
    # The target is tightened between the reviews; the next review shows the change.
    workload.write_text(SHOP.replace("AVAILABILITY", "98"))
    november = review_workload(workload, store, datetime(2026, 12, 1, tzinfo=UTC), "2026-11")

    assert november.previous is not None and november.previous.period == "2026-10"
    checkout = next(f for f in november.flows if f.flow.id == "checkout")
    # October: 100 of 100 good. November: 100 good + 5 failed of 105 -> 95.238 %.
    assert checkout.trend[0] == "availability 100.000 % -> 95.238 % (-4.762 points, worse)"
    assert [c.describe() for c in checkout.changes] == [
        "targets.reliability.availability: 99 -> 98"
    ]
    # 5 failures in one 5-minute point, 09-11-2026 (day 10) 00:00-00:05.
    [incident] = checkout.incidents
    assert (incident.start, incident.minutes, incident.bad, incident.requests) == (
        datetime(2026, 11, 10, tzinfo=UTC),
        5,
        5,
        5,
    )
    # Budget: 2 % of 105 = 2.1 allowed, 5 spent -> 2.9 over = 138 % overspent.
    first = november.actions[0]
    assert (first.flow, first.kind, first.tier) == ("checkout", "restore", 2)
    assert first.gap == pytest.approx(2.9 / 2.1, abs=1e-4)
    assert [s.period for s in load_snapshots(store)] == ["2026-10", "2026-11"]
    text = render_markdown(november)
    assert "Compared with the review of 2026-10" in text
    assert "| 2026-10 | meeting | 100.000 % |" in text
    assert "| 2026-11 (this review) | breached | 95.238 % |" in text
    assert "targets.reliability.availability: 99 -> 98" in text


def test_html_review_escapes_and_reuses_the_report_views(tmp_path: Path) -> None:
    workload = tmp_path / "workload.yaml"
    workload.write_text(SHOP.replace("AVAILABILITY", "99").replace("Look around.", "<b>x</b>"))
    store = open_store(tmp_path / "store", create=True)
    month_of_traffic(store, datetime(2026, 11, 1, tzinfo=UTC), bad=5)
    review = review_workload(workload, store, datetime(2026, 12, 1, tzinfo=UTC), save=False)
    html = render_html(review)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert html.index('data-flow="checkout" data-kind="restore"') < html.index('id="flow-checkout"')
    assert "Error budget burn-down" in html  # the report's flow_body macro
    assert load_snapshots(store) == []


NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
#: flow -> (route, latency ms), Relecloud's routes; list-concerts is the flow the demo breaks.
ROUTES = {
    "list-concerts": ("/concerts", 40.0),
    "purchase-ticket": ("/cart/checkout", 600.0),
    "authentication": ("/login", 150.0),
    "search-concerts": ("/concerts/search", 200.0),
    "create-concerts": ("/concerts", 300.0),
    "collect-telemetry": ("/healthz", 5.0),
}


def demo_shaped_store(path: Path) -> TelemetryStore:
    """Every flow every 10 minutes since Nov 1; list-concerts fails for 2 h on Nov 18."""
    store = open_store(path, create=True)
    outage = (datetime(2026, 11, 18, 15, tzinfo=UTC), datetime(2026, 11, 18, 17, tzinfo=UTC))
    at, spans = datetime(2026, 11, 1, tzinfo=UTC), []
    while at < NOW:
        for flow, (route, millis) in ROUTES.items():
            broken = flow == "list-concerts" and outage[0] <= at < outage[1]
            spans += entry(at, flow, 503 if broken else 200, route, millis)
        at += timedelta(minutes=10)
    record_spans(store, spans)
    return store


def test_the_flow_the_demo_broke_comes_first(tmp_path: Path) -> None:
    store = demo_shaped_store(tmp_path / "store")
    review = review_workload(EXAMPLE, store, NOW, "2026-11")
    assert review.actions[0].flow == "list-concerts"
    assert review.actions[0].kind == "restore"
    listing = next(f for f in review.flows if f.flow.id == "list-concerts")
    [incident] = listing.incidents
    assert (incident.start, incident.minutes) == (datetime(2026, 11, 18, 15, tzinfo=UTC), 120)
    # The concert database's cost follows the database spans (one per request).
    db = next(
        c for c in review.cost.components if c.component == "concert-db" and c.month == "2026-11"
    )
    assert db.basis == "spans" and db.unattributed == pytest.approx(0)


def test_cli_review_writes_both_documents_and_fails_on_a_high_breach(tmp_path: Path) -> None:
    store = demo_shaped_store(tmp_path / "store")
    out = tmp_path / "review.md"
    args = ["review", str(EXAMPLE), "--db", str(store.path), "--now", NOW.isoformat()]
    result = run_cli(*args, "-o", str(out))
    assert result.exit_code == 1
    lines = out.read_text().splitlines()
    first = lines[lines.index("## Proposed actions") + 4]
    assert first.startswith("1. **list-concerts** (high): restore availability")
    html = tmp_path / "review.html"
    later = ["--now", (NOW + timedelta(hours=1)).isoformat()]
    run_cli(*args[:-2], *later, "--format", "html", "-o", str(html))
    assert "Compared with the review of 2026-11" in html.read_text()
    bad = run_cli("review", str(EXAMPLE), "--db", str(tmp_path / "nowhere"))
    assert bad.exit_code == 2 and "no telemetry store" in bad.output


def test_drift_is_part_of_the_review(tmp_path: Path) -> None:
    """A flow whose traces call a component it does not declare: a finding and an action."""
    workload = tmp_path / "workload.yaml"
    workload.write_text(
        SHOP.replace("AVAILABILITY", "99").replace("    dependencies: [{component: db}]\n", "")
    )
    store = open_store(tmp_path / "store", create=True)
    month_of_traffic(store, datetime(2026, 10, 1, tzinfo=UTC))
    review = review_workload(workload, store, datetime(2026, 11, 1, tzinfo=UTC), "2026-10")
    assert [f.rule for f in review.drift] == ["drift.undeclared-dependency"]
    assert [(a.flow, a.kind) for a in review.actions] == [("browse", "fix-drift")]
    markdown = render_markdown(review)
    assert (
        "## Drift" in markdown and "`browse`'s traces hold 10 spans of component `db`" in markdown
    )
    assert "component `db`, which the flow does not declare" in render_html(review)
