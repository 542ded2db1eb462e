"""Latency verdicts on exact nanosecond durations, and values that cannot contradict them.

The starter workload's checkout flow, open round the clock, with a p95 <= 500 ms target.
A request of 500.0004 ms is over 500 ms (truncating to microseconds called it under); a
request of exactly 500 ms is within. The p95 printed next to the verdict is an upper bound
that is at most the threshold when the target is met and above it when it is missed, in
the JSON (`kind`), the text table and the reason.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowsight.evaluate import evaluate_workload
from flowsight.evaluate.latency import RELATIVE_ERROR
from flowsight.load import load_workload
from flowsight.starter import starter_text
from flowsight.telemetry import open_store
from flowsight.telemetry.spans import SpanRecord
from flowsight.telemetry.store import record_spans
from tests.flowsight.conftest import run_cli

NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)
ALL_WEEK = (
    "{"
    + ", ".join(f'{d}: ["00:00-24:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    + "}"
)
MS = 1_000_000


def _workload(directory: Path) -> Path:
    text = starter_text()
    text = text.replace(
        'hours: {mon: ["08:00-20:00"], tue: ["08:00-20:00"], wed: ["08:00-20:00"], thu: ["08:00-20:00"], fri: ["08:00-20:00"]}',
        f"hours: {ALL_WEEK}",
    ).replace("threshold: 800ms", "threshold: 500ms")
    assert "threshold: 500ms" in text and ALL_WEEK in text
    path = directory / "workload.yaml"
    path.write_text(text)
    return path


def _store(directory: Path, durations_ns: list[int]) -> Path:
    store = open_store(directory / "store", create=True)
    start = NOW - timedelta(hours=3)
    spans = [
        SpanRecord(
            trace_id=f"{i:032x}",
            span_id=f"{i:016x}",
            service="shop",
            name="POST /checkout",
            kind=2,
            start_ns=int((start + timedelta(seconds=10 * i)).timestamp()) * 1_000_000_000,
            end_ns=int((start + timedelta(seconds=10 * i)).timestamp()) * 1_000_000_000 + d,
            attributes={
                "http.request.method": "POST",
                "http.route": "/checkout",
                "http.response.status_code": "200",
                "enduser.id": "c-1",
            },
        )
        for i, d in enumerate(durations_ns)
    ]
    record_spans(store, spans)
    return directory / "store"


@pytest.mark.parametrize(
    ("slowest_six", "met"),
    [
        # 94 fast + one at exactly 500 ms + five at 500.0004 ms: 95 % within -> met
        ([500 * MS] + [500 * MS + 400] * 5, True),
        # the same with the 95th request 0.4 µs slower: 94 % within -> missed
        ([500 * MS + 400] * 6, False),
    ],
)
def test_nanoseconds_decide_and_the_value_agrees(
    tmp_path: Path, slowest_six: list[int], met: bool
) -> None:
    durations = [100 * MS] * 94 + slowest_six
    workload = load_workload(_workload(tmp_path)).workload
    store = _store(tmp_path, durations)
    result = evaluate_workload(workload, store, now=NOW).flow("checkout")
    assert result is not None and result.requests == 100
    (latency,) = result.latency
    assert latency.share_under == (0.95 if met else 0.94)
    assert latency.met is met and latency.kind == "upper_bound"
    true_p95_ms = sorted(durations)[94] / MS
    assert latency.value_ms is not None
    assert true_p95_ms <= latency.value_ms <= true_p95_ms * (1 + RELATIVE_ERROR) + 0.001
    assert (latency.value_ms <= 500) is met
    assert result.percentiles_ms["p95"] == latency.value_ms
    assert result.quantiles["p95"].value_ms == latency.value_ms
    reasons = " ".join(result.reasons)
    assert ("p95 latency exceeds 500 ms (only 94.00 % under; p95 <= " in reasons) is not met


def test_json_and_text_say_the_same(tmp_path: Path) -> None:
    workload = _workload(tmp_path)
    store = _store(tmp_path, [100 * MS] * 94 + [500 * MS + 400] * 6)
    at = NOW.isoformat().replace("+00:00", "Z")
    shown = run_cli("evaluate", str(workload), "--db", str(store), "--now", at, "--format", "json")
    flow = next(f for f in json.loads(shown.output)["flows"] if f["flow"] == "checkout")
    assert flow["quantiles"]["p95"]["kind"] == "upper_bound"
    value = flow["quantiles"]["p95"]["value_ms"]
    assert value > 500 and flow["latency"][0] == {
        "percentile": 95.0,
        "threshold_ms": 500.0,
        "value_ms": value,
        "share_under": 0.94,
        "met": False,
        "kind": "upper_bound",
    }
    text = run_cli("evaluate", str(workload), "--db", str(store), "--now", at).output
    assert f"{value:g} ms" in text and "exceeds 500 ms" in text
    assert not math.isclose(value, 500)
