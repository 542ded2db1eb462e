"""Burn-rate factors derived from budget shares, the flow's window and its schedule."""

from __future__ import annotations

import pytest
from export_support import GOLDEN_OPTIONS

from flowsight.export.burnrate import TIERS, factor
from flowsight.export.prometheus import build_rules
from flowsight.model import Workload, always_schedule


@pytest.mark.parametrize(
    ("days", "expected"), [(30, [14.4, 6, 3, 1]), (28, [13.44, 5.6, 2.8, 0.933333])]
)
def test_round_the_clock_factors_are_the_workbooks(days: int, expected: list[float]) -> None:
    assert [factor(t, always_schedule(), days) for t in TIERS] == expected


def test_extended_hours_scale_the_short_windows_by_open_time(relecloud: Workload) -> None:
    schedule = relecloud.schedule("extended-hours")
    assert schedule is not None
    # 93 open hours a week: 30 days hold 398.57 open hours; windows of a day or more
    # hold the same share of open time as the period, so their factors stay 3 and 1.
    assert [factor(t, schedule, 30) for t in TIERS] == [7.97143, 3.32143, 3, 1]


def test_impossible_tiers_are_left_out_with_a_warning(relecloud: Workload) -> None:
    changed = relecloud.model_copy(deep=True)
    flow = changed.flow("purchase-ticket")
    assert flow is not None and flow.targets.reliability is not None
    # At 80% the page-quick tier needs an error ratio of 7.97 x 0.2 > 1: impossible.
    flow.targets.reliability.availability = 80
    data, warnings = build_rules(changed, GOLDEN_OPTIONS)
    assert any("purchase-ticket: the page-quick tier" in w for w in warnings)
    group = next(g for g in data["groups"] if g["name"] == "flowsight-flow-purchase-ticket")
    page = next(r for r in group["rules"] if r.get("labels", {}).get("severity") == "page")
    assert "rate1h" not in page["expr"] and "rate6h" in page["expr"]
