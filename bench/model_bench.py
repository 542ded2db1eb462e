"""Load and check a generated workload of N flows (default 1,000); goal: under 1 s.

Run: .venv/bin/python bench/model_bench.py [--flows 1000]
Reports the time of `check_workload` (YAML parse + validation + references +
design rules), and, side by side in the same run, the time PyYAML alone needs
to parse the same file, so the ratio shows what flowsight adds to parsing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from flowsight.check import check_workload

SCHEDULES = """
schedules:
  - id: office
    timezone: Europe/Berlin
    hours: {mon: ["08:00-18:00"], tue: ["08:00-18:00"], wed: ["08:00-18:00"], thu: ["08:00-18:00"], fri: ["08:00-18:00"]}
"""


def generate(flows: int) -> str:
    """A valid workload with `flows` flows, each with steps, dependencies and five targets."""
    parts = [
        "workload: {name: Generated, owner: exec}",
        "parties:",
        "  - {id: exec, name: Executive, scope: executive, on_call: true}",
        "  - {id: team, name: Team, scope: team, on_call: true}",
        "  - {id: oncall, name: On call, scope: engineer, on_call: true}",
        SCHEDULES,
        "components:",
        "  - {id: web, kind: web, sla: 99.99, monthly_cost: 100}",
        "  - {id: db, kind: database, sla: 99.995, monthly_cost: 300}",
        "use_cases:",
    ]
    for i in range(flows):
        criticality = ("low", "medium", "high")[i % 3]
        parts.append(
            f"  - {{id: use-{i}, name: Use {i}, purpose: Purpose {i}., criticality: {criticality}, "
            f"consumers: [{{kind: user, name: customer}}], start_event: Start., end_event: End., "
            f"execution: {{expected_per_minute: 10, peak_per_minute: 50}}}}"
        )
    parts.append("flows:")
    for i in range(flows):
        criticality = ("low", "medium", "high")[i % 3]
        depends = f"\n      - {{flow: flow-{i - 1}, strength: weak}}" if i else ""
        parts.append(
            f"""  - id: flow-{i}
    name: Flow {i}
    kind: user
    description: Generated flow number {i}.
    use_case: use-{i}
    owner: exec
    stakeholders: [team]
    escalation_path: [oncall, team, exec]
    business_impact: {{description: Generated.}}
    criticality: {criticality}
    start_event: A user starts flow {i}.
    end_event: Flow {i} ends.
    steps:
      - {{id: start, name: Start, trigger: A request arrives., components: [web], next: [store], on_error: [{{action: retry, attempts: 3}}]}}
      - {{id: store, name: Store, trigger: The request is valid., components: [db], end: true, on_error: [{{action: retry, attempts: 3}}]}}
    dependencies:
      - {{component: web}}
      - {{component: db}}{depends}
    telemetry:
      routes: [{{service: app, method: GET, route: /flow/{i}, step: start}}]
    targets:
      reliability: {{availability: 99.5, schedule: office, rto: 1h, rpo: 5m}}
      performance: {{latency: [{{percentile: 95, threshold: 500ms}}]}}
      security: {{classification: internal, authentication: true, roles: [user]}}
      cost: {{monthly_budget: {100 + (i % 3) * 100}, per_1000_executions: 1.0}}
      operations: {{signals: [traces], alert_severity: ticket}}"""
        )
    return "\n".join(parts) + "\n"


def timed(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workload.yaml"
        path.write_text(generate(args.flows), encoding="utf-8")
        result = check_workload(path)
        errors = [f for f in result.findings if f.severity == "error"]
        assert not errors, errors[:3]
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        text = path.read_text(encoding="utf-8")
        parse_only = timed(lambda: yaml.load(text, Loader=loader), args.repeat)
        check = timed(lambda: check_workload(path), args.repeat)
    lines = text.count("\n")
    rules = sorted({f.rule for f in result.findings})
    print(
        f"workload: {args.flows} flows, {lines} lines, {len(result.findings)} findings ({', '.join(rules)})"
    )
    print(f"yaml parse only : {parse_only * 1000:8.1f} ms")
    print(
        f"flowsight check : {check * 1000:8.1f} ms  ({check / parse_only:.1f}x parse only; goal < 1000 ms)"
    )


if __name__ == "__main__":
    main()
