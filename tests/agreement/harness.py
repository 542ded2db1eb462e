"""One traffic, two judges: `evaluate` over a DuckDB store and promtool over the exported rules.

A scenario is a day of per-minute traffic (requests and failures) of one flow,
`checkout`, with a 99 % availability objective. The same counts become spans
in a flowsight store (evaluate's side) and counter samples for
`promtool test rules` (Prometheus's side). `evaluate.alert_timeline` gives
the alert state at every minute; each minute becomes one `alert_rule_test`
case, so promtool itself fails on the first minute the rules disagree.

What the harness changes in the generated rules, and why:

* promtool's clock starts at the Unix epoch, so every `time()` is replaced by
  `(time() + T0)`: the rules see the scenario's real instants (schedule
  gates, daylight-saving offsets, maintenance windows);
* annotations are dropped from the alert rules: they never decide whether an
  alert fires, and their text belongs to other tests;
* only the schedule group and the flow's group are kept (the SLO-window group
  is evaluated every 5 minutes and does not gate any alert).

Samples are taken on the minute, as the rules' own evaluations are; with
unaligned scrapes a live Prometheus is exact to the bound stated in
docs/monitoring.md.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from flowsight.evaluate import alert_timeline
from flowsight.export.base import ExportOptions, dump_yaml
from flowsight.export.prometheus import build_rules
from flowsight.load import load_workload
from flowsight.model import Workload
from flowsight.slo import TIERS, AlertState
from flowsight.telemetry import open_store
from flowsight.telemetry.spans import SCHEMA
from flowsight.telemetry.store import write_table

FLOW = "checkout"
ALERT = "FlowsightErrorBudgetBurn"
METRIC = "http_server_request_duration_seconds_count"
SELECTOR = 'service_name="shop", http_request_method="POST", http_route="/checkout"'
MINUTES = 24 * 60
NS = 1_000_000_000

#: minute since T0 -> (requests, failures)
Traffic = Callable[[int], tuple[int, int]]

WORKLOAD = """
workload: {{name: Agreement shop}}
parties:
  - {{id: oncall, name: On call, contact: oncall@shop.example, on_call: true}}
schedules:
  - id: hours
    timezone: {zone}
    hours: {hours}
flows:
  - id: checkout
    name: Checkout
    kind: user
    description: Pay for the cart.
    criticality: high
    escalation_path: [oncall]
    telemetry:
      routes:
        - {{service: shop, method: POST, route: /checkout}}
    targets:
      reliability: {{availability: 99, schedule: hours, window: 30d, maintenance: {{notice: 48h}}}}
      operations: {{alert_severity: page}}
maintenance: {maintenance}
"""

BUSINESS_HOURS = '{mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}'


@dataclass(frozen=True)
class Scenario:
    name: str
    start: datetime  # T0, on a minute; the day compared is [T0, T0 + 24 h)
    traffic: Traffic
    zone: str = "America/New_York"
    hours: str = BUSINESS_HOURS
    maintenance: list[dict[str, str]] = field(default_factory=list)

    def workload(self, folder: Path) -> Workload:
        text = WORKLOAD.format(
            zone=self.zone,
            hours=self.hours,
            maintenance=yaml.safe_dump(self.maintenance, default_flow_style=True).strip(),
        )
        path = folder / "workload.yaml"
        path.write_text(text)
        loaded = load_workload(path)
        assert loaded.workload is not None, [f.message for f in loaded.findings]
        return loaded.workload


def steady(requests: int = 20, fail_every: int = 10) -> Traffic:
    """`requests` a minute, one failure every `fail_every` minutes (0.5 %: half the budget)."""
    return lambda minute: (requests, 1 if minute % fail_every == fail_every // 2 else 0)


def burn(base: Traffic, start: int, end: int, failures: int = 2) -> Traffic:
    """`failures` of the minute's requests fail in minutes [start, end) (2 of 20: a 10x burn)."""
    return lambda minute: (base(minute)[0], failures) if start <= minute < end else base(minute)


def silence() -> Traffic:
    return lambda minute: (0, 0)


def write_spans(scenario: Scenario, folder: Path) -> Path:
    """The scenario's requests as server spans of `shop` in a new store."""
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    t0 = int(scenario.start.timestamp()) * NS
    for minute in range(MINUTES + 1):
        requests, failures = scenario.traffic(minute)
        for index in range(requests):
            status = 500 if index < failures else 200
            row = {
                "trace_id": f"{minute:08x}{index:024x}",
                "span_id": f"{minute:08x}{index:08x}",
                "parent_span_id": "",
                "service": "shop",
                "name": "POST /checkout",
                "kind": 2,
                "status": 2 if status >= 500 else 0,
                "start_ns": t0 + minute * 60 * NS + index * (60 * NS // max(requests, 1)),
                "duration_ns": 50_000_000,
                "http_method": "POST",
                "http_route": "/checkout",
                "url_path": "/checkout",
                "http_status": status,
                "enduser": None,
                "synthetic": None,
                "attributes": [],
            }
            for name, value in row.items():
                columns[name].append(value)
    path = folder / "store"
    store = open_store(path, create=True)
    write_table(store, pa.table(columns, schema=SCHEMA))
    return path


def expected_burns(state: AlertState) -> set[str]:
    """The alert rules (by `burn` label) that must be firing when evaluate has this state."""
    if state.gated or state.state == "no_data":
        return set()
    return {tier.burn for tier, pair in zip(TIERS, state.pairs, strict=True) if pair.firing}


def evaluate_side(scenario: Scenario, workload: Workload, store: Path) -> list[set[str]]:
    """Firing burns at every minute T0 + 1 .. T0 + 24 h - 1, as evaluate sees them."""
    start = scenario.start + timedelta(minutes=1)
    end = scenario.start + timedelta(minutes=MINUTES)
    return [expected_burns(s) for _, s in alert_timeline(workload, store, FLOW, start, end)]


def _runs(values: list[int]) -> str:
    """Cumulative counter values in promtool's expanding notation (`a+bxn`, runs of equal steps)."""
    parts, index = [], 0
    while index < len(values):
        step = values[index + 1] - values[index] if index + 1 < len(values) else 0
        length = 0
        while (
            index + length + 1 < len(values)
            and values[index + length + 1] - values[index + length] == step
        ):
            length += 1
        parts.append(f"{values[index]}+{step}x{length}")
        index += length + 1
    return " ".join(parts)


def input_series(scenario: Scenario) -> list[dict[str, str]]:
    """Counters sampled on every minute from T0: the sample at k counts minutes before T0 + k."""
    good, bad = [0], [0]
    for minute in range(MINUTES):
        requests, failures = scenario.traffic(minute)
        good.append(good[-1] + requests - failures)
        bad.append(bad[-1] + failures)
    return [
        {
            "series": f'{METRIC}{{{SELECTOR}, http_response_status_code="200"}}',
            "values": _runs(good),
        },
        {
            "series": f'{METRIC}{{{SELECTOR}, http_response_status_code="500"}}',
            "values": _runs(bad),
        },
    ]


def rule_groups(workload: Workload, scenario: Scenario) -> list[dict[str, Any]]:
    """The exported rules promtool runs: clock shifted to T0, annotations dropped."""
    horizon = scenario.start.replace(hour=0, minute=0) - timedelta(days=4)
    data, _ = build_rules(workload, ExportOptions(horizon_start=horizon, horizon_days=30))
    keep = {"flowsight-schedules", f"flowsight-flow-{FLOW}"}
    groups = [g for g in data["groups"] if g["name"] in keep]
    shift = int(scenario.start.timestamp())
    text = dump_yaml({"groups": groups}).replace("time()", f"(time() + {shift})")
    shifted: list[dict[str, Any]] = yaml.safe_load(text)["groups"]
    for group in shifted:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    return shifted


def _labels(groups: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    rules = [r for g in groups for r in g["rules"] if r.get("alert") == ALERT]
    return {r["labels"]["burn"]: r["labels"] for r in rules}


def promtool_cases(groups: list[dict[str, Any]], timeline: list[set[str]]) -> list[dict[str, Any]]:
    labels = _labels(groups)
    return [
        {
            "eval_time": f"{minute}m",
            "alertname": ALERT,
            "exp_alerts": [{"exp_labels": labels[b]} for b in sorted(burns)],
        }
        for minute, burns in enumerate(timeline, start=1)
    ]


def run_promtool(
    folder: Path,
    groups: list[dict[str, Any]],
    scenario: Scenario,
    timeline: list[set[str]],
    order: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """promtool test rules with one case per minute; returncode 0 iff every minute agrees.

    `order` is the groups' evaluation order (default: file order, schedules first)."""
    (folder / "rules.yaml").write_text(dump_yaml({"groups": groups}))
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": order or [g["name"] for g in groups],
        "tests": [
            {
                "interval": "1m",
                "input_series": input_series(scenario),
                "alert_rule_test": promtool_cases(groups, timeline),
            }
        ],
    }
    (folder / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run(
        ["promtool", "test", "rules", "test.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass
class Outcome:
    timeline: list[set[str]]
    promtool: subprocess.CompletedProcess[str]

    @property
    def agrees(self) -> bool:
        return self.promtool.returncode == 0

    def firing_minutes(self, burn: str) -> list[int]:
        return [m for m, burns in enumerate(self.timeline, start=1) if burn in burns]


def judge(scenario: Scenario, folder: Path) -> Outcome:
    """Both sides on the scenario's traffic; promtool asserts evaluate's state every minute."""
    workload = scenario.workload(folder)
    timeline = evaluate_side(scenario, workload, write_spans(scenario, folder))
    groups = rule_groups(workload, scenario)
    return Outcome(timeline, run_promtool(folder, groups, scenario, timeline))


def local(text: str, zone: str = "America/New_York") -> datetime:
    """A local wall time as an aware UTC instant (for scenario starts)."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


_GO_DURATION = re.compile(r"(\d+)(h|m|s)")


def failing_minutes(output: str) -> list[int]:
    """Minutes of the cases promtool reports as failed (`time: 9h1m0s`)."""
    minutes = []
    for text in re.findall(r"time: ([0-9hms.]+)", output):
        seconds = sum(
            int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in _GO_DURATION.findall(text)
        )
        minutes.append(seconds // 60)
    return sorted(set(minutes))
