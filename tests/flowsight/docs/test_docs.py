"""`flowsight docs`, `schema` and `init` through the public CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from flowsight.calendar import downtime_budget, open_minutes
from flowsight.load import load_workload
from tests.flowsight.conftest import EXAMPLE, run_cli

FLOW_IDS = [
    "create-concerts",
    "search-concerts",
    "list-concerts",
    "purchase-ticket",
    "authentication",
    "collect-telemetry",
]


def test_example_checks_clean() -> None:
    result = run_cli("check", str(EXAMPLE), "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert report["ok"] is True
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_docs_write_catalog_and_six_flow_pages(tmp_path: Path) -> None:
    result = run_cli("docs", str(EXAMPLE), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in tmp_path.glob("*.md")) == sorted([*FLOW_IDS, "index"])
    catalog = (tmp_path / "index.md").read_text()
    for flow_id in FLOW_IDS:
        assert f"({flow_id}.md)" in catalog
    # 95 % inside 40 business hours a week allows 2 h a week, not 36 h a month of wall time.
    assert "8 h 41 min per month (2 h per week) inside 40 open hours a week" in catalog
    assert "```mermaid" in catalog and "Purchasing tickets" in catalog


def test_flow_page_has_every_documentation_field(tmp_path: Path) -> None:
    run_cli("docs", str(EXAMPLE), "-o", str(tmp_path))
    page = (tmp_path / "purchase-ticket.md").read_text()
    for field in (
        "Flow description",
        "Business process",
        "Process owner",
        "Stakeholders",
        "Business impact",
        "Criticality rating",
        "## Escalation path",
    ):
        assert field in page
    for pillar in ("Reliability", "Security", "Cost", "Operations", "Performance"):
        assert f"| {pillar} |" in page
    order = [
        page.index(name)
        for name in (
            "Application team on-call engineer",
            "Platform team on-call engineer",
            "Data team on-call engineer",
            "Chief Operating Officer",
        )
    ]
    assert order == sorted(order)
    assert "PCI-DSS" in page
    assert '-.->|"on error: compensate"|' in page


def test_search_page_shows_fallback_to_listing(tmp_path: Path) -> None:
    run_cli("docs", str(EXAMPLE), "-o", str(tmp_path))
    page = (tmp_path / "search-concerts.md").read_text()
    assert "fallback flow: list-concerts" in page


def test_markdown_tables_escape_pipes(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["flows"][0]["description"] = "left | right"
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    run_cli("docs", str(path), "-o", str(tmp_path / "out"))
    page = (tmp_path / "out" / "create-concerts.md").read_text()
    assert "left \\| right" in page


def test_docs_refuses_a_file_as_output(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = run_cli("docs", str(EXAMPLE), "-o", str(target))
    assert result.exit_code == 2
    assert "is a file" in result.output


def test_schema_is_valid_json_schema_and_accepts_the_example() -> None:
    result = run_cli("schema")
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text()), default=str))
    for window in data["maintenance"]:
        for key in ("start", "end", "announced"):
            window[key] = window[key].replace(" ", "T")
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert [e for e in errors if "date" not in e.message] == []


def test_init_writes_a_starter_that_passes_check(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path))
    assert result.exit_code == 0
    target = tmp_path / "workload.yaml"
    assert "#" in target.read_text()
    checked = run_cli("check", str(target), "--format", "json")
    assert checked.exit_code == 0, checked.output
    above_info = [f for f in json.loads(checked.output)["findings"] if f["severity"] != "info"]
    assert above_info == []
    schema_comment = target.read_text().split("$schema=")[1].split()[0]
    schema = json.loads((tmp_path / schema_comment).read_text())
    assert schema == json.loads(run_cli("schema").output)
    again = run_cli("init", str(tmp_path))
    assert again.exit_code == 2 and "already exists" in again.output


@pytest.mark.parametrize(("objective", "weekly_minutes"), [(95, 120.0), (99, 24.0), (99.9, 2.4)])
def test_business_hours_downtime_budget(objective: float, weekly_minutes: float) -> None:
    schedule = load_workload(EXAMPLE).workload.schedule("business-hours")
    assert schedule is not None
    assert downtime_budget(schedule, objective).per_week_minutes == pytest.approx(weekly_minutes)


def test_open_minutes_across_dst_change() -> None:
    schedule = load_workload(EXAMPLE).workload.schedule("extended-hours")
    assert schedule is not None
    # Sunday 2026-11-01, New York falls back: 09:00-18:00 EST is 14:00-23:00 UTC (9 h).
    day = open_minutes(
        schedule, datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC)
    )
    assert day == 9 * 60
    # Thanksgiving is not a holiday of the extended schedule; Christmas is.
    christmas = open_minutes(
        schedule, datetime(2026, 12, 25, 5, tzinfo=UTC), datetime(2026, 12, 26, 5, tzinfo=UTC)
    )
    assert christmas == 0


def test_committed_schema_is_current() -> None:
    """docs/workload.schema.json is what the example's yaml-language-server line points at.

    Refresh it with `flowsight schema > docs/workload.schema.json` after a model change.
    """
    committed = json.loads((EXAMPLE.parents[2] / "docs" / "workload.schema.json").read_text())
    assert committed == json.loads(run_cli("schema").output)


def test_flow_page_converts_maintenance_written_with_an_offset(tmp_path: Path) -> None:
    """A window written `02:00+01:00` is 01:00 UTC; a flow on a New York schedule also
    shows its local time (20:00 the day before)."""
    text = EXAMPLE.read_text().replace(
        "start: 2026-11-22T04:00:00Z\n    end: 2026-11-22T04:30:00Z",
        "start: 2026-11-22T02:00:00+01:00\n    end: 2026-11-22T02:30:00+01:00",
    )
    assert "02:00:00+01:00" in text
    workload = tmp_path / "workload.yaml"
    workload.write_text(text)
    result = run_cli("docs", str(workload), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "collect-telemetry.md").read_text()
    assert "pipeline-upgrade: 2026-11-22 01:00 to 01:30 UTC, announced 69h ahead" in page
    assert "02:00 to 02:30 UTC" not in page
    text = text.replace("flows: [collect-telemetry]", "flows: [collect-telemetry, search-concerts]")
    workload.write_text(text)
    assert run_cli("docs", str(workload), "-o", str(tmp_path / "ny")).exit_code == 0
    page = (tmp_path / "ny" / "search-concerts.md").read_text()
    # Names are Markdown-escaped on the page (`New\_York` renders as New_York).
    assert (
        "pipeline-upgrade: 2026-11-22 01:00 to 01:30 UTC "
        "(2026-11-21 20:00 to 20:30 America/New\\_York), announced 69h ahead" in page
    )
