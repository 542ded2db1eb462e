"""Composite availability math against the Well-Architected examples, and its properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowsight.check.availability import (
    equal_share,
    flow_feasibility,
    format_percent,
    needed_alone,
    one_more_nine,
    parallel,
    redundant,
    serial,
)
from flowsight.load import load_workload

from .conftest import RELECLOUD

availability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
parts = st.lists(availability, min_size=1, max_size=8)


def test_waf_serial_example() -> None:
    # App Service 99.95% x SQL Database 99.99% = 99.94%
    assert round(100 * serial([0.9995, 0.9999]), 2) == 99.94


def test_waf_parallel_example() -> None:
    # database 99.99% or queue 99.9% = 1 - 0.0001 x 0.001 = 99.99999%
    assert 100 * parallel([0.9999, 0.999]) == pytest.approx(99.99999, abs=1e-9)
    # web and (database or queue) = 99.95% x 99.99999% ~ 99.95%
    assert round(100 * serial([0.9995, parallel([0.9999, 0.999])]), 2) == 99.95


def test_waf_multi_region_example() -> None:
    # two regions at 99.95% = 99.999975%; four ~ 99.999999%
    assert 100 * redundant(0.9995, 2) == pytest.approx(99.999975, abs=1e-9)
    assert 100 * redundant(0.9995, 4) > 99.999999


def test_redundant_needs_a_copy() -> None:
    with pytest.raises(ValueError):
        redundant(0.99, 0)


def test_needed_alone_and_equal_share() -> None:
    assert needed_alone(0.998, [0.999]) == pytest.approx(0.998 / 0.999)
    assert needed_alone(0.999, [0.998]) is None
    assert equal_share(0.999, 2) ** 2 == pytest.approx(0.999)
    assert one_more_nine(0.999) == pytest.approx(0.9999)


@pytest.mark.parametrize(
    ("value", "text"),
    [(99.9, "99.9"), (99.7452, "99.75"), (99.945, "99.945"), (99.99999, "99.99999"), (100, "100")],
)
def test_format_percent_keeps_the_significant_nines(value: float, text: str) -> None:
    assert format_percent(value) == text


@given(parts)
def test_composite_never_exceeds_its_weakest_serial_part(values: list[float]) -> None:
    assert serial(values) <= min(values) + 1e-12


@given(parts, availability)
def test_adding_a_fallback_never_lowers_availability(values: list[float], extra: float) -> None:
    assert parallel([*values, extra]) >= parallel(values) - 1e-12
    assert parallel(values) >= max(values) - 1e-12


@given(availability, st.integers(min_value=1, max_value=5))
def test_more_copies_never_lower_availability(value: float, copies: int) -> None:
    assert redundant(value, copies + 1) >= redundant(value, copies) - 1e-12
    assert redundant(value, 1) == pytest.approx(value)


@given(st.floats(min_value=0.5, max_value=0.99999), st.lists(availability, max_size=5))
def test_needed_alone_restores_the_objective(objective: float, others: list[float]) -> None:
    need = needed_alone(objective, others)
    if need is not None:
        assert serial([need, *others]) == pytest.approx(objective)
    else:
        assert serial(others) < objective + 1e-12


def test_relecloud_purchase_ticket_is_above_its_ceiling() -> None:
    workload = load_workload(RELECLOUD).workload
    purchase = workload.flow("purchase-ticket")
    assert purchase is not None
    result = flow_feasibility(workload, purchase)
    assert result.objective == 99.9
    assert result.ceiling is not None and result.ceiling < 99.8
    # 99.9 (authentication) x 99.9 (list-concerts) alone already caps it at 99.8001%
    assert result.ceiling < 100 * serial([0.999, 0.999])
    assert result.feasible is False
    assert {d.target for d in result.dependencies} >= {"authentication", "list-concerts"}
    assert "ticket-storage" not in {d.target for d in result.dependencies}  # weak: left out


def test_relecloud_search_fallback_raises_effective_availability() -> None:
    workload = load_workload(RELECLOUD).workload
    search = workload.flow("search-concerts")
    assert search is not None
    result = flow_feasibility(workload, search)
    assert result.ceiling is not None and result.effective is not None
    assert result.effective > result.ceiling
    assert result.feasible is True
    fallback = next(d for d in result.dependencies if d.fallback_flow)
    assert fallback.fallback_flow == "list-concerts"
    assert fallback.fallback_availability == 99.9
