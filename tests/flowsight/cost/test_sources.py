"""Cost exports: the plain CSV and FOCUS, good and malformed, through the CLI too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowsight.cost import allocate_costs, periods_ending
from flowsight.cost.sources import csv_costs, focus_costs
from flowsight.errors import CostDataError
from flowsight.model import Workload
from flowsight.telemetry import TelemetryStore
from tests.flowsight.conftest import run_cli
from tests.flowsight.cost.conftest import NOW, WORKLOAD, put, trace


def test_a_plain_csv_sums_days_into_months_and_keeps_unknown_names_unmapped(
    workload: Workload, tmp_path: Path
) -> None:
    path = tmp_path / "costs.csv"
    path.write_text(
        "component,period,cost\n"
        "db,2026-11-01,10.5\n"
        "db,2026-11-02,9.5\n"
        "db,2026-10,300\n"
        "printer,2026-11,7\n"
    )
    lines = {(c.component, c.label, c.month): c.cost for c in csv_costs(path, workload)}
    assert lines == {
        ("db", "db", "2026-10"): 300,
        ("db", "db", "2026-11"): 20,
        (None, "printer", "2026-11"): 7,
    }


@pytest.mark.parametrize(
    ("body", "where", "what"),
    [
        ("component,period,cost\ndb,2026-11,12\ndb,2026-11,twelve\n", ":3:", "cost 'twelve'"),
        ("component,period,cost\ndb,November,1\n", ":2:", "period 'November'"),
        ("component,period,cost\n,2026-11,1\n", ":2:", "component is empty"),
        ("component,period,cost\ndb,2026-11\n", ":2:", "expected 3 fields"),
        ("component,month,cost\ndb,2026-11,1\n", ":1:", "missing column period"),
    ],
)
def test_a_malformed_csv_names_file_and_line(
    workload: Workload, tmp_path: Path, body: str, where: str, what: str
) -> None:
    path = tmp_path / "costs.csv"
    path.write_text(body)
    with pytest.raises(CostDataError) as error:
        csv_costs(path, workload)
    assert error.value.message.startswith(f"{path}{where}")
    assert what in error.value.message


def test_csv_costs_are_allocated_and_unmapped_ones_reported(
    workload: Workload, store: TelemetryStore, tmp_path: Path
) -> None:
    put(
        store,
        *[trace(f"2026-11-0{d}T10:00:00Z", "checkout", [100]) for d in (2, 3, 4)],
        trace("2026-11-05T10:00:00Z", "browse", [100]),
    )
    path = tmp_path / "costs.csv"
    path.write_text("component,period,cost\ndb,2026-11,1000\nprinter,2026-11,7\n")
    report = allocate_costs(
        workload, store, periods_ending("2026-11", 1, NOW), costs=path, cost_format="csv"
    )
    checkout, browse = report.flow("checkout"), report.flow("browse")
    assert checkout is not None and browse is not None
    assert (checkout.cost, browse.cost) == pytest.approx((750, 250))
    assert [(u.label, u.amount, u.reason) for u in report.unattributed] == [
        ("printer", 7, "not mapped to a component")
    ]


FOCUS_HEADER = (
    "BilledCost,EffectiveCost,ChargePeriodStart,ResourceId,ResourceName,ServiceName,Tags\n"
)


def test_focus_maps_tags_resource_names_ids_and_services(
    workload: Workload, tmp_path: Path
) -> None:
    path = tmp_path / "focus.csv"
    path.write_text(
        FOCUS_HEADER
        + '12,10,2026-11-01T00:00:00Z,/subs/1/servers/x,,SQL,"{""flowsight-component"": ""db""}"\n'
        + "5,4,2026-11-02T00:00:00Z,/subs/1/gateway,,Payments,{}\n"
        + "3,3,2026-11-03T00:00:00Z,,orphan,Storage,\n"
        + "2,2,2026-11-03T00:00:00Z,/subs/1/vm-9,vm-9,Virtual Machines,\n"
        + "1,1,2026-10-31T23:00:00Z,,,gateway,\n"
    )
    lines = {(c.component, c.label, c.month): c.cost for c in focus_costs(path, workload)}
    assert lines == {
        ("db", "db", "2026-11"): 10,
        ("gateway", "gateway", "2026-11"): 4,
        ("orphan", "orphan", "2026-11"): 3,
        (None, "vm-9", "2026-11"): 2,
        ("gateway", "gateway", "2026-10"): 1,
    }
    billed = {(c.component, c.month): c.cost for c in focus_costs(path, workload, "BilledCost")}
    assert billed[("db", "2026-11")] == 12


def test_a_malformed_focus_export_names_the_row(workload: Workload, tmp_path: Path) -> None:
    path = tmp_path / "focus.csv"
    path.write_text(
        FOCUS_HEADER + "1,1,2026-11-01T00:00:00Z,,db,,\n" + "1,lots,2026-11-01T00:00:00Z,,db,,\n"
    )
    with pytest.raises(CostDataError, match=r"focus\.csv:3: EffectiveCost 'lots' is not a number"):
        focus_costs(path, workload)
    path.write_text("BilledCost,ResourceName\n1,db\n")
    with pytest.raises(CostDataError, match=r"focus\.csv:1: the FOCUS export has no column"):
        focus_costs(path, workload)


def test_cli_cost_prints_json_and_exits_1_on_out_of_line_spend(
    tmp_path: Path, store: TelemetryStore
) -> None:
    workload_path = tmp_path / "workload.yaml"
    workload_path.write_text(WORKLOAD)
    put(
        store,
        *[trace(f"2026-11-0{d}T10:00:00Z", "checkout", [100]) for d in (2, 3, 4)],
        trace("2026-11-05T10:00:00Z", "browse", [100]),
    )
    args = ["cost", str(workload_path), "--db", str(store.path), "--month", "2026-11"]
    result = run_cli(*args, "--now", "2026-12-01T00:00:00Z", "--format", "json")
    data = json.loads(result.output)
    costs = {f["flow"]: f["cost"] for f in data["flows"]}
    # db 400 by 3:1, gateway 90 by executions 3:1, orphan 100 unattributed.
    assert costs == pytest.approx({"checkout": 300 + 67.5, "browse": 100 + 22.5})
    assert data["totals"]["2026-11"] == pytest.approx({"cost": 590, "unattributed": 100})
    # browse (low) costs 122.5 > its 50 budget.
    assert result.exit_code == 1
    text = run_cli(*args, "--now", "2026-12-01T00:00:00Z")
    assert "unattributed 2026-11 orphan: 100.00 USD" in text.output
    assert "cost.over-budget" in text.output


def test_cli_cost_with_a_bad_csv_exits_2_with_the_location(
    tmp_path: Path, store: TelemetryStore
) -> None:
    workload_path = tmp_path / "workload.yaml"
    workload_path.write_text(WORKLOAD)
    costs = tmp_path / "costs.csv"
    costs.write_text("component,period,cost\ndb,2026-11,1,2\n")
    result = run_cli(
        "cost",
        str(workload_path),
        "--db",
        str(store.path),
        "--costs",
        str(costs),
        "--month",
        "2026-11",
        "--now",
        "2026-12-01T00:00:00Z",
    )
    assert result.exit_code == 2
    assert f"{costs}:2:" in result.output
    assert "Traceback" not in result.output
