"""Independent recomputation: plain Python (zoneinfo, loops) against `flowsight evaluate`.

Nothing here imports flowsight's calendar, plan, SQL or latency code. The workload
(workload.yaml) has New York and Sydney schedules whose ranges start and end inside the
repeated hour of the fall-back day and inside the skipped hour of the spring-forward day,
holidays next to the transition days, and maintenance announced 72 h (excluded) and 2 h
(late, so counted) ahead. Seeded traffic covers the five days around each of the four
transition days, with spans on minute edges, durations a nanosecond either side of the
latency thresholds, server errors, client errors and non-entry spans.

Per flow, the recomputation must agree exactly with evaluate's JSON on valid and bad
requests, availability, the share under each latency threshold, the counted minutes and
the excluded maintenance minutes; each percentile must be an upper bound within the
documented error (one bucket, 2^(1/16) - 1, plus 1 µs) and on the verdict's side of its
threshold.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.flowsight.conftest import run_cli

pytestmark = pytest.mark.slow

WORKLOAD = Path(__file__).with_name("workload.yaml")
START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 11, 10, tzinfo=UTC)
#: Transition days: New York spring/fall, Sydney fall/spring (local dates, all Sundays).
TRANSITIONS = [date(2026, 3, 8), date(2026, 4, 5), date(2026, 10, 4), date(2026, 11, 1)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROUTES = {
    "ny-edges": ("POST", "/ny-edges"),
    "ny-hours": ("GET", "/ny-hours/item"),
    "syd-edges": ("POST", "/syd-edges"),
    "syd-allday": ("GET", "/syd-allday"),
}
NS = 1_000_000_000
#: The documented error of a reported percentile (docs/telemetry.md, "Exact latency").
RELATIVE_ERROR = 2 ** (1 / 16) - 1


@dataclass
class Span:
    start_ns: int
    duration_ns: int
    route: tuple[str, str]
    http_status: int
    error: bool
    entry: bool


@dataclass
class FlowModel:
    flow: str
    zone: ZoneInfo
    hours: dict[str, list[tuple[int, int]]]
    holidays: set[date]
    objective: float
    latency: list[tuple[float, int]]  # (percentile, threshold ns)
    on_time: list[tuple[int, int]] = field(default_factory=list)  # unix seconds
    late: list[tuple[str, int, int]] = field(default_factory=list)

    def is_open(self, unix: int) -> bool:
        """The wall clock at `unix` in the schedule's zone reads inside an opening range."""
        local = datetime.fromtimestamp(unix, self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(lo <= minute < hi for lo, hi in self.hours.get(WEEKDAYS[local.weekday()], []))

    def counts(self, unix: int) -> bool:
        return self.is_open(unix) and not any(lo <= unix < hi for lo, hi in self.on_time)


def _minutes(text: str) -> tuple[int, int]:
    lo, hi = text.split("-")
    return tuple(int(t[:2]) * 60 + int(t[3:]) for t in (lo, hi))  # type: ignore[return-value]


def _duration_ns(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(ms|s|h)", text).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 10**6, "s": NS, "h": 3600 * NS}[unit]


def _models() -> dict[str, FlowModel]:
    data = yaml.safe_load(WORKLOAD.read_text())
    schedules = {s["id"]: s for s in data["schedules"]}
    models = {}
    for flow in data["flows"]:
        reliability = flow["targets"]["reliability"]
        schedule = schedules[reliability["schedule"]]
        models[flow["id"]] = FlowModel(
            flow=flow["id"],
            zone=ZoneInfo(schedule["timezone"]),
            hours={day: [_minutes(r) for r in ranges] for day, ranges in schedule["hours"].items()},
            holidays={date.fromisoformat(str(d)) for d in schedule["holidays"]},
            objective=reliability["availability"],
            latency=[
                (t["percentile"], _duration_ns(t["threshold"]))
                for t in flow["targets"]["performance"]["latency"]
            ],
        )
    for window in data["maintenance"]:
        start, end, announced = (
            int(datetime.fromisoformat(window[k].replace("Z", "+00:00")).timestamp())
            for k in ("start", "end", "announced")
        )
        for flow_id in window["flows"]:
            notice = _duration_ns(
                next(f for f in data["flows"] if f["id"] == flow_id)["targets"]["reliability"][
                    "maintenance"
                ]["notice"]
            )
            if (start - announced) * NS >= notice:
                models[flow_id].on_time.append((start, end))
            else:
                models[flow_id].late.append((window["id"], start, end))
    return models


def _traffic(models: dict[str, FlowModel]) -> list[Span]:
    rng = random.Random(20261101)
    thresholds = [t for m in models.values() for _, t in m.latency]
    spans = []
    for day in TRANSITIONS:
        first = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) - 2 * 86400
        for minute in range(5 * 1440):
            for route in ROUTES.values():
                if rng.random() < 0.35:
                    continue
                offset = rng.choice([0, 60 * NS - 1, rng.randrange(60 * NS)])
                roll = rng.random()
                if roll < 0.04:
                    duration = rng.choice(thresholds) + rng.choice([-1, 0, 1])
                elif roll < 0.10:
                    duration = int(rng.uniform(0.5, 2.0) * NS)
                else:
                    duration = int(rng.lognormvariate(math.log(120e6), 0.5))
                status = rng.choices([200, 201, 404, 500, 503], [90, 3, 3, 2, 2])[0]
                error = rng.random() < 0.01
                entry = rng.random() > 0.05  # a few client spans under another span
                spans.append(
                    Span((first + 60 * minute) * NS + offset, duration, route, status, error, entry)
                )
    return spans


def _otlp(spans: list[Span], path: Path) -> None:
    def attribute(key: str, value: str | int) -> dict[str, object]:
        kind = "intValue" if isinstance(value, int) else "stringValue"
        return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}

    encoded = []
    for index, s in enumerate(spans):
        encoded.append(
            {
                "traceId": f"{index + 1:032x}",
                "spanId": f"{index + 1:016x}",
                "parentSpanId": "" if s.entry else f"{index + 10**9:016x}",
                "name": f"{s.route[0]} {s.route[1]}",
                "kind": 2 if s.entry else 3,
                "startTimeUnixNano": str(s.start_ns),
                "endTimeUnixNano": str(s.start_ns + s.duration_ns),
                "attributes": [
                    attribute("http.request.method", s.route[0]),
                    attribute("http.route", s.route[1]),
                    attribute("http.response.status_code", s.http_status),
                ],
                "status": {"code": 2 if s.error else 0},
            }
        )
    request = {
        "resourceSpans": [
            {
                "resource": {"attributes": [attribute("service.name", "shop")]},
                "scopeSpans": [{"scope": {"name": "recompute"}, "spans": encoded}],
            }
        ]
    }
    path.write_text(json.dumps(request))


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Span], dict[str, dict]]:
    folder = tmp_path_factory.mktemp("recompute")
    spans = _traffic(_models())
    _otlp(spans, folder / "traces.json")
    store = str(folder / "store")
    assert run_cli("ingest", str(folder / "traces.json"), "--db", store).exit_code == 0
    moments = ("--from", "2026-03-01T00:00:00Z", "--to", "2026-11-10T00:00:00Z")
    result = run_cli(
        "evaluate", str(WORKLOAD), "--db", store, *moments, "--now", "2026-11-10T00:00:00Z",
        "--format", "json", "--no-series", "--fail-on", "none",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.output)
    return spans, {f["flow"]: f for f in evaluation["flows"]} | {"": evaluation}


def _counted(model: FlowModel, spans: list[Span]) -> list[Span]:
    method, route = ROUTES[model.flow]
    return [
        s
        for s in spans
        if s.entry
        and s.route == (method, route)
        and START.timestamp() * NS <= s.start_ns < END.timestamp() * NS
        and model.counts(s.start_ns // NS)
    ]


@pytest.mark.parametrize("flow", list(ROUTES))
def test_requests_availability_and_latency_agree_exactly(
    measured: tuple[list[Span], dict[str, dict]], flow: str
) -> None:
    spans, flows = measured
    model = _models()[flow]
    counted = _counted(model, spans)
    valid = len(counted)
    bad = sum(1 for s in counted if s.error or s.http_status >= 500)
    result = flows[flow]
    assert valid > 500
    assert (result["requests"], result["bad"]) == (valid, bad)
    assert result["availability"] == round(100 * (valid - bad) / valid, 6)
    durations = sorted(s.duration_ns for s in counted)
    for (percentile, threshold), measured_target in zip(
        model.latency, result["latency"], strict=True
    ):
        under = sum(1 for d in durations if d <= threshold)
        assert measured_target["share_under"] == round(under / valid, 6)
        met = under / valid >= percentile / 100
        assert measured_target["met"] is met
        true_ms = durations[max(1, math.ceil(percentile / 100 * valid)) - 1] / 1e6
        value = measured_target["value_ms"]
        assert measured_target["kind"] == "upper_bound"
        assert true_ms <= value <= true_ms * (1 + RELATIVE_ERROR) + 0.001
        assert (value <= threshold / 1e6) is met  # never on the wrong side
        assert result["quantiles"][f"p{percentile:g}"]["value_ms"] == value


@pytest.mark.parametrize("flow", list(ROUTES))
def test_counted_and_excluded_minutes_agree_exactly(
    measured: tuple[list[Span], dict[str, dict]], flow: str
) -> None:
    _, flows = measured
    model = _models()[flow]
    counted = excluded = 0
    for minute in range(int(START.timestamp()), int(END.timestamp()), 60):
        if model.is_open(minute):
            if any(lo <= minute < hi for lo, hi in model.on_time):
                excluded += 1
            else:
                counted += 1
    assert flows[flow]["throughput"]["counted_minutes"] == counted
    messages = [m["message"] for m in flows[flow]["maintenance"]]
    reported = sum(
        int(re.search(r"excluded (\d+) scheduled minutes", m).group(1))  # type: ignore[union-attr]
        for m in messages
        if "excluded" in m
    )
    assert reported == excluded > 0
    for window_id, lo, hi in model.late:
        late_minutes = sum(1 for m in range(lo, hi, 60) if model.is_open(m))
        (message,) = [m for m in messages if f"'{window_id}'" in m]
        assert f"its {late_minutes} scheduled minutes stay in the objective" in message


def test_transition_days_are_in_the_traffic(measured: tuple[list[Span], dict[str, dict]]) -> None:
    """The fall-back day's repeated hour and the spring-forward day's gap edges carry
    counted traffic, so the agreement above really covers them."""
    spans, _ = measured
    models = _models()
    ny = _counted(models["ny-edges"], spans)
    repeated = [s for s in ny if 6 * 3600 <= s.start_ns // NS - 1793491200 < 7 * 3600]
    assert repeated  # 01:00-02:00 EST of 2026-11-01 (second occurrence)
    sydney = _counted(models["syd-allday"], spans)
    spring = datetime(2026, 10, 3, 14, tzinfo=UTC).timestamp()
    assert any(spring <= s.start_ns / NS < spring + 25 * 3600 for s in sydney)
