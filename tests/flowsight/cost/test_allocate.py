"""Allocation by measured work, with hand-computed shares."""

from __future__ import annotations

import pytest

from flowsight.cost import allocate_costs, periods_ending
from flowsight.model import Workload
from flowsight.telemetry import TelemetryStore
from tests.flowsight.cost.conftest import NOW, put, trace


def test_a_shared_database_is_split_3_to_1_by_span_duration(
    workload: Workload, store: TelemetryStore
) -> None:
    # checkout: 3 traces x 100 ms of database work; browse: one trace with 2 x 50 ms.
    put(
        store,
        *[trace(f"2026-11-0{d}T10:00:00Z", "checkout", [100]) for d in (2, 3, 4)],
        trace("2026-11-05T10:00:00Z", "browse", [50, 50]),
    )
    report = allocate_costs(workload, store, periods_ending("2026-11", 1, NOW))
    db = next(c for c in report.components if c.component == "db")
    shares = {s.flow: (s.share, s.amount) for s in db.shares}
    assert shares == {"checkout": (0.75, 300.0), "browse": (0.25, 100.0)}
    assert db.basis == "spans" and db.unattributed == 0


def test_span_count_basis_counts_calls_instead_of_time(
    workload: Workload, store: TelemetryStore
) -> None:
    # By count: checkout 3 calls, browse 2 calls -> 3/5 and 2/5 of 400.
    put(
        store,
        *[trace(f"2026-11-0{d}T10:00:00Z", "checkout", [100]) for d in (2, 3, 4)],
        trace("2026-11-05T10:00:00Z", "browse", [50, 50]),
    )
    report = allocate_costs(workload, store, periods_ending("2026-11", 1, NOW), basis="count")
    db = next(c for c in report.components if c.component == "db")
    assert {s.flow: s.amount for s in db.shares} == pytest.approx({"checkout": 240, "browse": 160})


def test_unattributed_cost_is_shown_and_never_spread(
    workload: Workload, store: TelemetryStore
) -> None:
    # db: 300 ms in checkout traces, 100 ms in a trace no flow claims -> 300 / 100 unattributed.
    put(
        store,
        trace("2026-11-02T10:00:00Z", "checkout", [300]),
        trace("2026-11-02T11:00:00Z", None, [100]),
    )
    report = allocate_costs(workload, store, periods_ending("2026-11", 1, NOW))
    unattributed = {u.label: (u.amount, u.reason) for u in report.unattributed}
    assert unattributed["db"][0] == pytest.approx(100)
    assert "no flow" in unattributed["db"][1]
    # orphan: no span rule and no flow declares it -> all 100 unattributed.
    assert unattributed["orphan"] == (100, "no span rule measures it and no flow declares it")
    checkout = report.flow("checkout")
    assert checkout is not None
    # 300 of the db + the whole gateway (browse, which also declares it, had no executions).
    assert checkout.cost == pytest.approx(300 + 90)
    assert checkout.components == pytest.approx({"db": 300, "gateway": 90})
    browse = report.flow("browse")
    assert browse is not None and browse.cost == 0
    # Everything is accounted for: 400 + 90 + 100 = charged + unattributed.
    charged = sum(f.cost for f in report.flows)
    assert charged + report.unattributed_total("2026-11") == pytest.approx(590)


def test_unmeasured_components_follow_executions_of_the_flows_declaring_them(
    workload: Workload, store: TelemetryStore
) -> None:
    # gateway (90) is declared by both flows: 2 checkout + 1 browse executions -> 60 / 30.
    put(
        store,
        trace("2026-11-02T10:00:00Z", "checkout", []),
        trace("2026-11-03T10:00:00Z", "checkout", []),
        trace("2026-11-04T10:00:00Z", "browse", []),
    )
    report = allocate_costs(workload, store, periods_ending("2026-11", 1, NOW))
    gateway = next(c for c in report.components if c.component == "gateway")
    assert gateway.basis == "executions"
    assert {s.flow: s.amount for s in gateway.shares} == pytest.approx(
        {"checkout": 60, "browse": 30}
    )
    # The db has no spans this month: its 400 is unattributed, not split by executions.
    db = next(c for c in report.components if c.component == "db")
    assert db.basis == "none" and db.unattributed == 400
    checkout = report.flow("checkout")
    assert checkout is not None and checkout.executions == 2
    assert checkout.per_1000 == pytest.approx(60 * 1000 / 2)


def test_flags_a_low_flow_costing_more_than_a_high_one_and_over_budget(
    workload: Workload, store: TelemetryStore
) -> None:
    # browse does 3/4 of the database work: 300 > checkout's 100 (+ gateway by executions).
    put(
        store,
        trace("2026-11-02T10:00:00Z", "checkout", [100]),
        trace("2026-11-03T10:00:00Z", "browse", [300]),
    )
    report = allocate_costs(workload, store, periods_ending("2026-11", 1, NOW))
    rules = {(f.rule, f.path) for f in report.findings}
    assert ("cost.criticality-order", "flows.browse") in rules
    assert ("cost.over-budget", "flows.browse.targets.cost.monthly_budget") in rules
    # browse: 300 + 45 = 345 for one execution = 345,000 per 1,000 > 5,000.
    assert ("cost.per-execution-over", "flows.browse.targets.cost.per_1000_executions") in rules
    assert not any(f.path and f.path.startswith("flows.checkout") for f in report.findings)


def test_cost_growing_faster_than_traffic_is_flagged(
    workload: Workload, store: TelemetryStore
) -> None:
    # October: checkout 1 execution, browse 1; both share the db 1:1 (200 each).
    # November: checkout 2 executions but browse's db work drops to nothing:
    # checkout's db share goes 200 -> 400 (+100 %), its traffic +100 %: not flagged.
    # browse: 2 executions in November (traffic +100 %), db 0 -> cost drops: not flagged.
    # Then make checkout's cost outgrow traffic: November db work all checkout, traffic flat.
    put(
        store,
        trace("2026-10-10T10:00:00Z", "checkout", [100]),
        trace("2026-10-11T10:00:00Z", "browse", [100]),
        trace("2026-11-10T10:00:00Z", "checkout", [100]),
        trace("2026-11-11T10:00:00Z", "browse", []),
    )
    report = allocate_costs(workload, store, periods_ending("2026-11", 2, NOW))
    october, november = report.flow("checkout", "2026-10"), report.flow("checkout", "2026-11")
    assert october is not None and november is not None
    # October: db 200 + gateway 45; November: db 400 + gateway 45 -> +82 % with flat traffic.
    assert (october.cost, november.cost) == pytest.approx((245, 445))
    grew = [f for f in report.findings if f.rule == "cost.grew-faster-than-traffic"]
    assert [f.path for f in grew] == ["flows.checkout"]
    assert "+82 %" in grew[0].message and "+0 %" in grew[0].message


def test_a_running_month_is_prorated(workload: Workload, store: TelemetryStore) -> None:
    # On 2026-11-16 00:00 UTC half of November (15 of 30 days) is over: db costs 200 so far.
    from datetime import UTC, datetime

    put(store, trace("2026-11-02T10:00:00Z", "checkout", [100]))
    now = datetime(2026, 11, 16, tzinfo=UTC)
    report = allocate_costs(workload, store, periods_ending(None, 1, now))
    checkout = report.flow("checkout")
    assert checkout is not None
    assert checkout.cost == pytest.approx(200 + 45)
    assert checkout.monthly_rate == pytest.approx(490)
