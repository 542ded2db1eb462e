"""Every reading command gives the same numbers from ClickHouse's otel_traces as from DuckDB.

The table is made with the Collector ClickHouse exporter's own DDL (the current
template and the older default; tests/fixtures/clickhouse/README.md) in the real
ClickHouse engine, in process (chdb). The same spans go into the flowsight store;
evaluate, report, serve (its JSON twins over HTTP), cost and review must agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import WORKLOAD, at, span
from fastapi.testclient import TestClient

from flowsight.cost import allocate_costs, periods_ending
from flowsight.evaluate import evaluate_workload
from flowsight.evaluate.clickhouse import ClickHouseBackend
from flowsight.load import load_workload
from flowsight.report import build_review, render_markdown
from flowsight.review import render_markdown as review_markdown
from flowsight.review import review_workload
from flowsight.telemetry import SpanRecord, TelemetryStore, open_store, record_spans
from flowsight.web import DashboardConfig, create_app

chdb_session = pytest.importorskip("chdb.session")

DDL = Path(__file__).resolve().parents[2] / "fixtures" / "clickhouse"
COMPONENTS = """
components:
  - {id: shopdb, kind: database, monthly_cost: 120, spans: [{attribute: db.system, values: [postgresql]}]}
  - {id: web, kind: web, service: shop, monthly_cost: 80}
"""
NOW = "2026-11-25T00:00:00Z"
COLUMNS = (
    "Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, "
    "ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, "
    "StatusMessage"
)


def current_ddl(database: str) -> str:
    """The exporter's template filled as the exporter does with its defaults."""
    text = (DDL / "traces_table.current.sql.tmpl").read_text()
    text = re.sub(r"\{\{- if \.HasFullTextSearch\}\}.*?\{\{- else\}\}\n", "", text, flags=re.S)
    text = text.replace("{{- end}}\n", "")
    text = text.replace("{{ident .Database}}.{{ident .TableName}}", f"{database}.otel_traces")
    return (
        text.replace("{{.ClusterString}}", "")
        .replace("{{.Engine}}", "MergeTree()")
        .replace("{{.TTL}}", "")
    )


def older_ddl(database: str) -> str:
    """The older exporter's format string filled with its defaults (%s: name, cluster, engine, TTL)."""
    text = (DDL / "traces_table.older.sql.tmpl").read_text()
    return text % (f"{database}.otel_traces", "", "MergeTree()", "")


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


KINDS = {True: {1: "SPAN_KIND_INTERNAL", 2: "SPAN_KIND_SERVER", 3: "SPAN_KIND_CLIENT"}}
KINDS[False] = {1: "Internal", 2: "Server", 3: "Client"}


def _row(record: SpanRecord, old: bool) -> str:
    status = {2: "Error", 0: "Unset"}[record.status]
    if old:
        status = "STATUS_CODE_" + status.upper()
    attrs = ", ".join(f"{_literal(k)}, {_literal(v)}" for k, v in record.attributes.items())
    stamp = datetime.fromtimestamp(record.start_ns // 10**9, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"(toDateTime64('{stamp}.{record.start_ns % 10**9:09d}', 9, 'UTC'), "
        f"'{record.trace_id}', '{record.span_id}', '{record.parent_span_id}', '', "
        f"{_literal(record.name)}, '{KINDS[old][record.kind]}', '{record.service}', map(), '', '', "
        f"map({attrs}), {record.end_ns - record.start_ns}, '{status}', '')"
    )


def _spans() -> list[SpanRecord]:
    spans = []
    for minute in range(0, 24 * 60, 7):
        when = f"2026-11-{23 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00Z"
        entry = span(when, 503 if minute % 9 == 0 else 200, ms=40 + minute % 400)
        database = replace(
            entry,
            span_id=f"{int(entry.span_id, 16) + 10**9:016x}",
            parent_span_id=entry.span_id,
            kind=3,
            name="SELECT",
            attributes={"db.system": "postgresql"},
            end_ns=entry.start_ns + 5_000_000,
        )
        spans += [entry, database]
        spans.append(
            span(when, 404, flow=None, route=None, method="GET", path="/items/9", old=True)
        )
        spans.append(span(when, 200, flow="beat", step="heartbeat", name="heartbeat", kind=1))
        spans.append(span(when, 429, flow="strict", user=None))
        spans.append(span(when, flow=None, route="/unknown", method="GET"))
    spans.append(span("2026-11-24T15:05:00Z", 503))  # inside the late maintenance window
    return spans


class Engines:
    """The same spans in the flowsight store and in otel_traces of two exporter versions."""

    def __init__(self, tmp: Path, session: Any) -> None:
        self.path = tmp / "workload.yaml"
        self.path.write_text(WORKLOAD + COMPONENTS)
        self.workload = load_workload(self.path).workload
        self.store: TelemetryStore = open_store(tmp / "store", create=True)
        self.spans = _spans()
        record_spans(self.store, self.spans)
        self.session = session
        self.backends: dict[str, ClickHouseBackend] = {}
        for version, ddl, old in (("current", current_ddl, False), ("older", older_ddl, True)):
            database = f"fs_{version}"
            session.query(f"DROP DATABASE IF EXISTS {database}")
            session.query(f"CREATE DATABASE {database}")
            session.query(ddl(database))
            values = ", ".join(_row(s, old) for s in self.spans)
            session.query(f"INSERT INTO {database}.otel_traces ({COLUMNS}) VALUES {values}")
            self.backends[version] = ClickHouseBackend(self.execute, f"{database}.otel_traces")

    def execute(self, sql: str) -> Any:
        return self.session.query(sql, "ArrowTable")


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    session = chdb_session.Session()
    yield Engines(tmp_path_factory.mktemp("clickhouse"), session)
    for version in ("current", "older"):
        session.query(f"DROP DATABASE IF EXISTS fs_{version}")


VERSIONS = ["current", "older"]
WINDOW = {"start": at("2026-11-23T00:00:00Z"), "end": at(NOW), "now": at(NOW)}


def _without_backend(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "backend"}


@pytest.mark.parametrize("version", VERSIONS)
def test_evaluate_agrees(engines: Engines, version: str) -> None:
    duck = evaluate_workload(engines.workload, engines.store, **WINDOW).to_dict()
    click = evaluate_workload(engines.workload, engines.backends[version], **WINDOW).to_dict()
    assert duck["backend"] == "duckdb" and click["backend"] == "clickhouse"
    flows = {f["flow"]: f for f in duck["flows"]}
    assert flows["buy"]["requests"] > 100 and duck["unmatched"]["spans"] > 100
    assert _without_backend(click) == _without_backend(duck)


@pytest.mark.parametrize("version", VERSIONS)
def test_report_agrees(engines: Engines, version: str) -> None:
    texts = [
        render_markdown(build_review(engines.path, source, **WINDOW).data(with_charts=False))
        for source in (engines.store, engines.backends[version])
    ]
    assert "Buy" in texts[0] and texts[1] == texts[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_serve_json_twins_agree(engines: Engines, version: str) -> None:
    pages = []
    for source in (None, engines.backends[version]):
        config = DashboardConfig(
            workload_path=engines.path,
            store=engines.store,
            now=at(NOW),
            source=source,
            start=WINDOW["start"],
            end=WINDOW["end"],
        )
        client = TestClient(create_app(config), base_url="http://127.0.0.1")
        paths = ("/overview.json", "/flows/buy.json", "/findings.json")
        responses = [client.get(p) for p in paths]
        assert [r.status_code for r in responses] == [200, 200, 200]
        pages.append([r.json() for r in responses])
    assert pages[0][1]["flow"] == "buy" and pages[0][0]["flows"]
    # Drift reads only the store: shown when the pages read it, empty when they read ClickHouse.
    assert pages[0][2].pop("drift") and pages[1][2].pop("drift") == []
    assert _strip(pages[1]) == _strip(pages[0])


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "backend"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.mark.parametrize("version", VERSIONS)
def test_cost_agrees(engines: Engines, version: str) -> None:
    periods = periods_ending("2026-11", 1, at(NOW))
    reports = [
        allocate_costs(engines.workload, source, periods).to_dict()
        for source in (engines.store, engines.backends[version])
    ]
    flows = {(f["flow"], f["month"]): f for f in reports[0]["flows"]}
    assert flows[("buy", "2026-11")]["executions"] > 100
    assert flows[("buy", "2026-11")]["components"]["shopdb"] > 0  # database spans, by trace
    assert reports[1] == reports[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_review_agrees(engines: Engines, version: str) -> None:
    """Everything but drift agrees; drift reads only the store, so on ClickHouse it says so."""
    stored, clicked = (
        review_workload(
            engines.path, engines.store, at(NOW), month="2026-11", save=False, source=source
        )
        for source in (None, engines.backends[version])
    )
    assert stored.drift and stored.drift_measured
    assert any(a.kind == "fix-drift" for a in stored.actions)
    assert clicked.drift == [] and not clicked.drift_measured
    without_drift = replace(
        stored,
        drift=[],
        actions=[a for a in stored.actions if a.kind != "fix-drift"],
        flows=[
            replace(f, findings=[x for x in f.findings if not x.rule.startswith("drift.")])
            for f in stored.flows
        ],
    )
    text = review_markdown(clicked)
    unmeasured = (
        "Not measured: drift reads only the flowsight store, and this review read its "
        "spans from clickhouse."
    )
    assert unmeasured in text
    matches = "None: the model matches the traces of the period (`flowsight drift`)."
    expected = review_markdown(without_drift)
    assert "Buy" in expected and text.replace(unmeasured, matches) == expected


def test_flows_without_steps_or_mappings_agree(engines: Engines, tmp_path: Path) -> None:
    """No step anywhere (and a flow with no mapping): the engines still agree."""
    path = tmp_path / "plain.yaml"
    path.write_text(
        "workload: {name: Plain}\n"
        "flows:\n"
        "  - {id: strict, name: Strict, kind: user, description: d, criticality: low,\n"
        "     telemetry: {attribute: app.flow}, targets: {reliability: {availability: 90}}}\n"
        "  - {id: idle, name: Idle, kind: user, description: d, criticality: low,\n"
        "     targets: {reliability: {availability: 99}}}\n"
    )
    workload = load_workload(path).workload
    duck = evaluate_workload(workload, engines.store, **WINDOW).to_dict()
    click = evaluate_workload(workload, engines.backends["current"], **WINDOW).to_dict()
    assert {f["flow"]: f["requests"] for f in duck["flows"]}["strict"] > 100
    assert _without_backend(click) == _without_backend(duck)


@pytest.mark.parametrize("version", VERSIONS)
def test_serve_fits_its_default_range_to_either_source(engines: Engines, version: str) -> None:
    from flowsight.web.state import DashboardState

    states = [
        DashboardState.load(
            DashboardConfig(
                workload_path=engines.path, store=engines.store, now=at(NOW), source=source
            )
        )
        for source in (None, engines.backends[version])
    ]
    first = [state.first_span() for state in states]
    assert first[0] is not None and first[1] == first[0]
    assert states[1].default_range() == states[0].default_range()
