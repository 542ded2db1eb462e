"""Hand-computed expectations for attribution, schedules, maintenance and budgets."""

from __future__ import annotations

from conftest import at, span

from flowsight.evaluate import evaluate_workload

MONDAY = ("2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z")


def run(workload, store, start, end, **kwargs):  # type: ignore[no-untyped-def]
    return evaluate_workload(workload, store, start=at(start), end=at(end), now=at(end), **kwargs)


def test_schedule_boundaries_count_only_open_minutes(workload, store, put):
    # 09:00-17:00 New York in November (EST) is 14:00-22:00 UTC.
    put(
        span("2026-11-23T13:59:30Z", 500),
        span("2026-11-23T14:00:00Z"),
        span("2026-11-23T21:59:59Z"),
        span("2026-11-23T22:00:00Z", 500),
    )
    buy = run(workload, store, *MONDAY).flow("buy")
    assert buy is not None
    assert (buy.requests, buy.bad, buy.availability) == (2, 0, 100.0)
    # 480 open minutes minus the 30 of the maintenance announced 72 h ahead.
    assert buy.throughput.counted_minutes == 450


def test_daylight_saving_change_day_in_new_york(workload, store, put):
    # Sunday 2026-11-01: clocks go back at 02:00, so 09:00 local is 14:00 UTC (13:00 a week earlier).
    put(
        span("2026-11-01T13:30:00Z", 500),  # 08:30 EST: closed
        span("2026-11-01T14:30:00Z"),  # 09:30 EST: open
        span("2026-10-25T13:30:00Z", 500),  # 09:30 EDT: open
    )
    after = run(workload, store, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z").flow("buy")
    before = run(workload, store, "2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z").flow("buy")
    assert (after.requests, after.bad, after.throughput.counted_minutes) == (1, 0, 480)
    assert (before.requests, before.bad, before.throughput.counted_minutes) == (1, 1, 480)


def test_holiday_is_closed(workload, store, put):
    put(span("2026-11-25T15:00:00Z", 500), span("2026-11-26T15:00:00Z", 500))
    buy = run(workload, store, "2026-11-25T00:00:00Z", "2026-11-27T00:00:00Z").flow("buy")
    assert (buy.requests, buy.bad, buy.throughput.counted_minutes) == (1, 1, 480)


def test_maintenance_72h_ahead_is_excluded_2h_ahead_counts(workload, store, put):
    put(
        span("2026-11-23T15:10:00Z", 503),  # inside 'early' (announced 72 h ahead)
        span("2026-11-23T16:00:00Z"),
        span("2026-11-24T15:05:00Z", 503),  # inside 'late' (announced 2 h ahead)
        span("2026-11-24T16:00:00Z"),
    )
    result = run(workload, store, "2026-11-23T00:00:00Z", "2026-11-25T00:00:00Z")
    buy = result.flow("buy")
    assert (buy.requests, buy.bad) == (3, 1)
    rules = {f.rule: f for f in result.findings}
    assert (
        "evaluate.maintenance-late" in rules
        and "10 scheduled minutes" in rules["evaluate.maintenance-late"].message
    )
    assert "30 scheduled" in rules["evaluate.maintenance-excluded"].message


def test_client_errors_good_by_default_bad_when_the_flow_says(workload, store, put):
    codes = [200] * 7 + [404, 404, 503]
    minute = "2026-11-23T14:{:02d}:00Z"
    put(*[span(minute.format(i), c) for i, c in enumerate(codes)])
    put(*[span(minute.format(i), c, flow="strict") for i, c in enumerate(codes)])
    result = run(workload, store, *MONDAY)
    buy, strict = result.flow("buy"), result.flow("strict")
    assert (buy.requests, buy.good, buy.client_errors, buy.availability) == (10, 9, 2, 90.0)
    assert (strict.good, strict.availability) == (7, 70.0)
    # 99 % of 10 requests allows 0.1 bad; 1 bad spends it: breached, with the escalation path.
    assert buy.budget.allowed == 0.1 and buy.budget.consumed == 1
    # The burn-down spends the 503 (minute 9) and ends on the budget's own number.
    remaining = [p.budget_remaining_ratio for p in buy.series]
    assert remaining == [1.0] * 9 + [buy.budget.remaining_ratio] == [1.0] * 9 + [-9.0]
    assert buy.verdict == "breached"
    assert [c.contact for c in buy.escalation_path] == ["oncall@shop.example"]


def test_route_fallback_span_without_route_and_both_conventions(workload, store, put):
    put(
        span("2026-11-23T14:00:00Z", flow=None, route=None, method="GET", path="/items/42"),
        span(
            "2026-11-23T14:01:00Z",
            500,
            flow=None,
            route=None,
            method="GET",
            path="/items/7?x=1",
            old=True,
        ),
        span("2026-11-23T14:02:00Z", flow=None, route="/cart/add", old=True),
        span("2026-11-23T14:03:00Z", flow=None, route=None, method="GET"),  # no route, no path
    )
    result = run(workload, store, *MONDAY)
    buy = result.flow("buy")
    steps = {s.step: (s.requests, s.bad) for s in buy.steps}
    assert steps == {"item": (2, 1), "cart": (1, 0)}
    assert result.unmatched.spans == 1


def test_timeslices_and_empty_minute(workload, store, put):
    beats = []
    for minute, bad in ((0, 0), (1, 1), (2, 2)):  # minute 3 is empty
        for i in range(10):
            status = 500 if i < bad else 200
            beats.append(
                span(
                    f"2026-11-23T10:0{minute}:{i:02d}Z",
                    status,
                    flow="beat",
                    step="heartbeat",
                    name="heartbeat",
                    kind=1,
                )
            )
    put(*beats)
    beat = run(workload, store, "2026-11-23T10:00:00Z", "2026-11-23T10:04:00Z").flow("beat")
    # Slices: 100 % good, 90 % good (meets 90), 80 % bad; the empty minute is not a valid slice.
    assert beat.slices == {"valid": 3, "good": 2, "bad": 1, "minutes": 1}
    assert round(beat.availability, 4) == 66.6667
    assert beat.budget.unit == "minutes" and beat.budget.consumed == 1
    assert round(beat.budget.allowed, 4) == 0.03
    # The time-slice burn-down: the bad slice (minute 2) spends a minute of the 0.03 allowed.
    remaining = [p.budget_remaining_ratio for p in beat.series]
    assert (
        remaining
        == [1.0, 1.0, round((0.03 - 1) / 0.03, 6)]
        == [*remaining[:2], beat.budget.remaining_ratio]
    )
    signals = {s.signal: s.arriving for s in beat.signals}
    assert signals == {"traces": True, "heartbeat": True, "logs": None}


def test_monitoring_gap_for_high_criticality(workload, store, put):
    put(*[span(f"2026-11-23T14:0{m}:00Z") for m in (0, 1, 3, 4)])
    buy = run(workload, store, "2026-11-23T14:00:00Z", "2026-11-23T14:05:00Z").flow("buy")
    assert buy.monitoring_gap_minutes == 1
    assert buy.monitoring_gaps[0].start == at("2026-11-23T14:02:00Z")


def test_latency_share_under_threshold_and_security(workload, store, put):
    spans = [span(f"2026-11-23T14:00:{i:02d}Z", ms=100) for i in range(9)]
    spans.append(span("2026-11-23T14:00:30Z", ms=500, user=None))
    put(*spans)
    buy = run(workload, store, *MONDAY).flow("buy")
    (p90,) = buy.latency
    assert p90.share_under == 0.9 and p90.met is True
    assert abs(p90.value_ms - 100) / 100 < 0.03
    assert (buy.security.successful_requests, buy.security.unauthenticated) == (10, 1)
    assert buy.verdict == "at_risk"


def test_no_data_and_json_shape(workload, store):
    result = run(workload, store, *MONDAY)
    assert {f.verdict for f in result.flows} == {"no_data"}
    data = result.to_dict()
    assert data["version"] == 1 and [f["flow"] for f in data["flows"]] == ["buy", "beat", "strict"]
