"""`flowsight demo`: the whole loop on a real workload, in a few minutes.

Start the receiver and Relecloud, run load with the scripted faults, stop
everything so the last spans arrive, then evaluate every flow over the run,
write the docs and the HTML report, and hand back what the CLI prints.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from flowsight.demo import processes
from flowsight.demo.live import LiveRun, run_live
from flowsight.demo.scenario import (
    FULL,
    RELECLOUD_SETTINGS,
    SHORT,
    Scenario,
    compression_note,
    demo_workload,
)
from flowsight.docs import write_docs
from flowsight.errors import FlowsightError
from flowsight.evaluate import Evaluation, evaluate_workload
from flowsight.load import load_workload
from flowsight.loadgen import LoadStats, plan_mix
from flowsight.model import Workload
from flowsight.telemetry import open_store

#: Relecloud's development accounts (docs/relecloud.md); the demo app is throwaway.
DEMO_CREDENTIALS = {
    "Employee": ("alice", "employee-pass-123"),
    "Administrator": ("admin", "admin-pass-123"),
}


@dataclass
class DemoResult:
    scenario: Scenario
    start: datetime
    end: datetime
    evaluation: Evaluation
    stats: LoadStats
    injected: dict[str, int]
    live: LiveRun
    compression: list[str]
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    gateway_retries: int = 0


def anchor_minute(now: datetime) -> datetime:
    """This minute when at most 25 s of it are gone, else the next one."""
    floor = now.replace(second=0, microsecond=0)
    return floor if now.second <= 25 else floor + timedelta(minutes=1)


def wait_for_anchor(on_event: Callable[[str], None]) -> datetime:
    """The anchor minute, after sleeping into it when it is the next one.

    The scenario's first minute must hold its first faults, so a start late in a
    minute waits (at most 35 s) for the next whole minute.
    """
    now = datetime.now(UTC)
    anchor = anchor_minute(now)
    if anchor > now:
        on_event(f"waiting {(anchor - now).total_seconds():.0f} s for the next whole minute")
        time.sleep((anchor - now).total_seconds())
    return anchor


def consumed_errors(scenario: Scenario, remaining: list[dict[str, Any]]) -> dict[str, int]:
    """Injected error counts minus any that no request consumed before the end."""
    counts = scenario.injected_errors()
    for fault in remaining:
        if fault.get("kind") == "error" and fault.get("flow") in counts:
            counts[fault["flow"]] -= int(fault.get("count", 0))
    return counts


def write_demo_workload(workload: Workload, path: Path) -> None:
    data = workload.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    header = "# The workload as the demo evaluated it: schedules forced open, demo maintenance.\n"
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _report(workload_file: Path, store: Path, start: datetime, end: datetime, out: Path) -> str | None:  # fmt: skip
    """The HTML report, built by the report library (library code never calls the CLI)."""
    from flowsight.report import build_review, render_html

    try:
        review = build_review(workload_file, open_store(store), start=start, end=end, now=end)
    except FlowsightError as error:
        return f"the HTML report failed: {error}"
    out.write_text(render_html(review.data()), encoding="utf-8")
    return None


def _start(tmp: Path, store: Path, logs: Path, scenario: Scenario) -> tuple[list[processes.Child], str]:  # fmt: skip
    otlp_port, app_port = processes.free_port(), processes.free_port()
    receiver = processes.spawn(
        "flowsight collect",
        ["flowsight", "collect", "--db", str(store), "--port", str(otlp_port)],
        dict(__import__("os").environ),
        logs / "collect.log",
    )
    children = [receiver]
    processes.wait_for_port(receiver, otlp_port)
    env = processes.relecloud_env(tmp / "relecloud.db", otlp_port, RELECLOUD_SETTINGS)
    processes.seed_relecloud(env, scenario.concerts, logs / "relecloud.log")
    app = processes.spawn(
        "relecloud",
        ["relecloud", "serve", "--host", processes.LOOPBACK, "--port", str(app_port)],
        env,
        logs / "relecloud.log",
    )
    children.insert(0, app)
    base = f"http://{processes.LOOPBACK}:{app_port}"
    processes.wait_until_up(app, base + "/healthz")
    return children, base


def run_demo(
    workload_path: str | Path,
    output: str | Path,
    short: bool = False,
    on_event: Callable[[str], None] = lambda _text: None,
    progress: Callable[[LoadStats], None] | None = None,
) -> DemoResult:
    """Run the scenario end to end; everything it writes goes under `output`."""
    scenario = SHORT if short else FULL
    loaded = load_workload(workload_path)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    store_dir, logs = out / "telemetry", out / "logs"
    for own in (store_dir, logs):  # the demo's own artifacts from a previous run
        shutil.rmtree(own, ignore_errors=True)
    logs.mkdir()
    store = open_store(store_dir, create=True)
    with tempfile.TemporaryDirectory(prefix="flowsight-demo-") as tmp:
        on_event("starting flowsight collect and Relecloud (fresh SQLite database)")
        children, base = _start(Path(tmp), store_dir, logs, scenario)
        try:
            anchor = wait_for_anchor(on_event)
            workload = demo_workload(loaded.workload, scenario, anchor)
            mix = plan_mix(workload, list(workload.flows), scenario.rate_per_second, "expected")
            live = LiveRun(workload, scenario, base, anchor, mix, DEMO_CREDENTIALS, store, on_event)
            on_event(f"Relecloud on {base}; anchor minute A = {anchor:%H:%M} UTC")
            started = datetime.now(UTC)
            asyncio.run(run_live(live, progress))
            run_s = (datetime.now(UTC) - started).total_seconds()
        finally:
            on_event("stopping Relecloud (it flushes its last spans) and the receiver")
            for child in children:
                child.stop()
    end = anchor + timedelta(minutes=scenario.minutes)
    evaluation = evaluate_workload(workload, store, start=anchor, end=end, now=end)
    result = DemoResult(
        scenario,
        anchor,
        end,
        evaluation,
        live.stats,
        consumed_errors(scenario, live.remaining_faults),
        live,
        compression_note(scenario, loaded.workload, anchor, end, run_s),
    )
    result.gateway_retries = (
        (logs / "relecloud.log")
        .read_text(errors="replace")
        .count("retrying after transient failure")
    )
    _write_outputs(result, loaded, workload, out, store_dir)
    return result


def _write_outputs(result: DemoResult, loaded: Any, workload: Workload, out: Path, store: Path) -> None:  # fmt: skip
    workload_file = out / "workload.demo.yaml"
    write_demo_workload(workload, workload_file)
    (out / "evaluation.json").write_text(result.evaluation.to_json())
    docs = write_docs(loaded, out / "docs")
    result.paths.update(
        {"telemetry store": store, "evaluated workload": workload_file,
         "evaluation (JSON)": out / "evaluation.json", "flow docs": docs.directory,
         "logs": out / "logs"}
    )  # fmt: skip
    note = _report(workload_file, store, result.start, result.end, out / "report.html")
    if note:
        result.notes.append(note)
    else:
        result.paths["HTML report"] = out / "report.html"
