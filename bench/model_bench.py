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


def generate(flows: int, first: int = 0, header: bool = True) -> str:
    """A valid workload with `flows` flows, each with steps, dependencies and five targets.

    ``first`` and ``header`` write one part of a workload split over several files.
    """
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
    ]
    if not header:
        parts = []
    parts.append("use_cases:")
    for i in range(first, first + flows):
        criticality = ("low", "medium", "high")[i % 3]
        parts.append(
            f"  - {{id: use-{i}, name: Use {i}, purpose: Purpose {i}., criticality: {criticality}, "
            f"consumers: [{{kind: user, name: customer}}], start_event: Start., end_event: End., "
            f"execution: {{expected_per_minute: 10, peak_per_minute: 50}}}}"
        )
    parts.append("flows:")
    for i in range(first, first + flows):
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


def write_workload(folder: Path, flows: int, files: int) -> Path:
    """One file, or a directory of ``files`` parts (a file is capped at 50 MiB)."""
    if files <= 1:
        path = folder / "workload.yaml"
        path.write_text(generate(flows), encoding="utf-8")
        return path
    root = folder / "workload"
    root.mkdir()
    size = -(-flows // files)
    for part, first in enumerate(range(0, flows, size)):
        text = generate(min(size, flows - first), first, header=part == 0)
        (root / f"part-{part:03d}.yaml").write_text(text, encoding="utf-8")
    return root


def scaling(flows: int, files: int, rules_off: bool) -> None:
    """`check` at N/10 and N flows side by side: near-linear means a ratio near 10."""
    from flowsight.check.base import REGISTRY

    check_workload(Path(__file__))  # registers the rules; the result is ignored
    overrides = dict.fromkeys(REGISTRY, "off") if rules_off else {}
    times = []
    for count in (flows // 10, flows):
        with tempfile.TemporaryDirectory() as folder:
            path = write_workload(Path(folder), count, max(1, files * count // flows))
            start = time.perf_counter()
            result = check_workload(path, overrides)
            times.append(time.perf_counter() - start)
        errors = [f for f in result.findings if f.severity == "error"]
        assert not errors, errors[:3]
        print(f"check {count:>7} flows (rules {'off' if rules_off else 'on'}): {times[-1]:8.1f} s")
    print(f"ratio for 10x the flows: {times[1] / times[0]:.1f}x (linear: 10x; goal < 60 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scaling", action="store_true", help="time N/10 and N flows")
    parser.add_argument("--files", type=int, default=1, help="split the workload (scaling)")
    parser.add_argument("--rules-off", action="store_true", help="every design rule off")
    args = parser.parse_args()
    if args.scaling:
        scaling(args.flows, args.files, args.rules_off)
        return
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
