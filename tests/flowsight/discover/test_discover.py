"""`flowsight discover`: a draft from generated traffic whose flows are known."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsight.check import check_workload
from flowsight.cli import cli
from flowsight.discover import discover_workload
from flowsight.evaluate import evaluate_workload
from flowsight.load import load_workload
from flowsight.telemetry import TelemetryStore, open_store, record_spans
from tests.flowsight.discover.traffic import SHOP_WORKLOAD, shop_traffic

FROM = datetime(2026, 11, 16, tzinfo=UTC)
TO = datetime(2026, 11, 23, tzinfo=UTC)
ENTRY_POINTS = {
    ("shop-web", "GET", "/products", None),
    ("shop-web", "GET", "/api/products", None),
    ("shop-web", "GET", "/products/{id}", None),
    ("shop-web", "POST", "/orders", None),
    ("shop-web", "GET", "/orders/{id}", None),
    ("fulfilment", None, None, "orders process"),
    ("reports", None, None, "nightly-report"),
}
#: Each flow of the hand-written workload and the draft's flow with the same entry points.
SAME_FLOWS = {
    "catalog": "products",
    "orders": "orders",
    "order-events": "orders-process",
    "nightly-report": "nightly-report",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TelemetryStore:
    created = open_store(tmp_path_factory.mktemp("shop") / "store", create=True)
    record_spans(created, shop_traffic(days=7))
    return created


@pytest.fixture(scope="module")
def draft_file(store: TelemetryStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("draft") / "draft.yaml"
    path.write_text(discover_workload(store, FROM, TO).text())
    return path


def test_draft_recovers_every_entry_point_and_no_internal_hop(draft_file: Path) -> None:
    workload = load_workload(draft_file).workload
    found = {
        (r.service, r.method, r.route, r.name)
        for flow in workload.flows
        for r in (flow.telemetry.routes if flow.telemetry else [])
    }
    assert found == ENTRY_POINTS  # inventory's /stock/{id} is a hop of the catalog flow


def test_draft_recovers_every_dependency(draft_file: Path) -> None:
    workload = load_workload(draft_file).workload
    deps = {f.id: {d.component for d in f.dependencies} for f in workload.flows}
    assert deps == {
        "products": {"inventory", "postgresql"},
        "orders": {"payments", "postgresql", "kafka"},
        "orders-process": {"kafka", "postgresql"},
        "nightly-report": {"postgresql"},
    }
    kinds = {
        c.id: (c.kind, c.service, [(s.attribute, s.values) for s in c.spans])
        for c in workload.components
    }
    assert kinds["inventory"] == ("api", "inventory", [])
    assert kinds["payments"] == ("api", None, [("peer.service", ["payments"])])
    assert kinds["postgresql"] == ("database", None, [("db.system", ["postgresql"])])


def test_draft_passes_check_with_placeholders_as_info(draft_file: Path) -> None:
    result = check_workload(draft_file)
    assert not [f for f in result.findings if f.severity == "error"]
    placeholders = [f for f in result.findings if f.rule == "ownership.placeholder"]
    assert {f.path for f in placeholders} >= {"flows[0].owner", "flows[0].criticality"}
    assert all(f.severity == "info" and f.line for f in placeholders)


def test_kinds_steps_and_schedule_come_from_the_traces(draft_file: Path) -> None:
    workload = load_workload(draft_file).workload
    flows = {f.id: f for f in workload.flows}
    assert {f.kind for f in flows.values()} == {"user", "system"}
    assert flows["orders-process"].kind == "system"
    assert [s.id for s in flows["orders-process"].steps] == ["validate", "reserve", "persist"]
    assert flows["orders-process"].steps[0].next == ["reserve"]
    # Every order is placed, then viewed: the session order puts placing first.
    assert [s.id for s in flows["orders"].steps] == ["post-orders", "get-orders-id"]
    assert flows["orders"].steps[0].next == ["get-orders-id"]
    schedule = workload.schedule("observed-hours")
    assert schedule is not None
    assert schedule.hours == {d: ["13:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    text = draft_file.read_text()
    assert "observed: 100.0 % of traffic Mon-Fri 13:00-22:00 UTC" in text


def test_targets_are_rounded_observations(draft_file: Path) -> None:
    flows = {f.id: f for f in load_workload(draft_file).workload.flows}
    products = flows["products"].targets
    assert products.reliability and products.reliability.availability == 99.5
    assert (
        products.performance and str(products.performance.latency[0].threshold) == "0:00:00.250000"
    )
    assert "availability: 99.5  # observed 99.556 % over 1350 entries" in draft_file.read_text()


def test_no_opening_hours_from_less_than_a_week(tmp_path: Path) -> None:
    short = open_store(tmp_path / "store", create=True)
    record_spans(short, shop_traffic(days=3))
    assert "schedules" not in discover_workload(short, FROM, TO).document


def test_draft_is_deterministic(store: TelemetryStore, draft_file: Path) -> None:
    assert discover_workload(store, FROM, TO).text() == draft_file.read_text()


def _numbers(workload_path: Path, store: TelemetryStore) -> dict[str, tuple[object, ...]]:
    evaluation = evaluate_workload(load_workload(workload_path).workload, store, start=FROM, end=TO)
    return {
        f.flow: (f.requests, f.good, f.bad, f.availability, f.percentiles_ms.get("p95"))
        for f in evaluation.flows
    }


def test_evaluate_gives_the_hand_written_numbers(
    store: TelemetryStore, draft_file: Path, tmp_path: Path
) -> None:
    hand = tmp_path / "hand.yaml"
    hand.write_text(SHOP_WORKLOAD)
    by_hand, drafted = _numbers(hand, store), _numbers(draft_file, store)
    for hand_flow, draft_flow in SAME_FLOWS.items():
        assert by_hand[hand_flow] == drafted[draft_flow], hand_flow
        assert by_hand[hand_flow][0] > 0


def test_into_proposes_only_what_the_file_lacks(store: TelemetryStore, tmp_path: Path) -> None:
    text = SHOP_WORKLOAD
    partial = text[: text.index("  - id: orders\n")] + text[text.index("  - id: order-events\n") :]
    existing = tmp_path / "shop.yaml"
    existing.write_text(partial)
    result = CliRunner().invoke(
        cli, ["discover", "--db", str(store.path), "--to", TO.isoformat(), "--into", str(existing)]
    )
    assert result.exit_code == 0, result.output
    added = [line[1:] for line in result.output.splitlines() if line.startswith("+ ")]
    assert any("route: /orders" in line for line in added)
    assert not any("/products" in line or "nightly" in line for line in added)
    assert not any(line.lstrip().startswith("- {id: postgresql") for line in added)
    patched = tmp_path / "patched.yaml"
    _apply(existing, result.output, patched)
    workload = load_workload(patched).workload
    assert [f.id for f in workload.flows][-1] == "orders"
    assert "flows[3].owner" in workload.placeholders


def _apply(original: Path, patch: str, target: Path) -> None:
    """Apply the unified diff with `patch`, as a user would."""
    import shutil
    import subprocess

    shutil.copy(original, target)
    subprocess.run(["patch", str(target)], input=patch, text=True, check=True, capture_output=True)


def test_cli_writes_the_draft_and_refuses_bad_options(
    store: TelemetryStore, tmp_path: Path
) -> None:
    out = tmp_path / "d.yaml"
    args = ["discover", "--db", str(store.path), "--to", TO.isoformat(), "-o", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert load_workload(out).workload.flows
    bad = CliRunner().invoke(cli, [*args, "--window", "0d"])
    assert bad.exit_code == 2 and "--window '0d'" in bad.output
    bad = CliRunner().invoke(cli, [*args, "--timezone", "Mars/Olympus"])
    assert bad.exit_code == 2 and "IANA" in bad.output
