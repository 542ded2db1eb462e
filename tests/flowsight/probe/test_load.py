"""`flowsight load`: open-model arrivals, its bounds, loopback only, thresholds."""

from __future__ import annotations

import time

import pytest

from flowsight.errors import TargetRefused, UsageError
from flowsight.loadgen import LoadOptions, plan_mix, run_load
from flowsight.probe import check_target
from tests.flowsight.conftest import run_cli
from tests.flowsight.probe.conftest import EXAMPLE, LiveApp


@pytest.mark.parametrize(
    "url", ["http://10.0.0.8:80", "http://192.0.2.1", "http://[2001:db8::1]:81"]
)
def test_non_loopback_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused, match="not a loopback address"):
        check_target(url)
    assert check_target(url, allow_remote=True) == url


def test_loopback_names_and_addresses_are_allowed() -> None:
    for url in (
        "http://127.0.0.1:8000/",
        "http://127.8.9.10",
        "http://[::1]:9",
        "http://localhost:1",
    ):
        assert check_target(url) == url.rstrip("/")
    with pytest.raises(UsageError, match="not an http"):
        check_target("ftp://127.0.0.1")


def test_the_cli_refuses_a_remote_target_before_sending_anything() -> None:
    result = run_cli("load", str(EXAMPLE), "--base-url", "http://198.51.100.7", "--duration", "1s")
    assert result.exit_code == 2
    assert "refusing to send traffic to 198.51.100.7" in result.output
    assert "--allow-remote" in result.output


def test_the_mix_follows_the_use_cases_execution_profiles(relecloud: LiveApp) -> None:
    mix = plan_mix(relecloud.workload, list(relecloud.workload.flows), 10.0, "expected")
    rates = {r.flow.id: r.per_minute for r in mix.rates}
    assert sum(rates.values()) == pytest.approx(600)
    # list (120/min) : search (60/min) : purchase (20/min) in the model
    assert rates["list-concerts"] == pytest.approx(2 * rates["search-concerts"])
    assert rates["search-concerts"] == pytest.approx(3 * rates["purchase-ticket"])


def test_load_stops_at_its_request_bound(relecloud: LiveApp) -> None:
    started = time.monotonic()
    report = run_load(
        relecloud.workload,
        relecloud.base_url,
        LoadOptions(duration_s=60, max_requests=25, seed=1),
        relecloud.credentials,
        ["list-concerts", "search-concerts"],
        rate_per_second=20,
    )
    assert report.stats.requests == 25
    assert report.stats.stopped_by == "max requests"
    assert time.monotonic() - started < 20


def test_load_stops_at_its_duration_and_checks_thresholds(relecloud: LiveApp) -> None:
    started = time.monotonic()
    report = run_load(
        relecloud.workload,
        relecloud.base_url,
        LoadOptions(duration_s=3, max_requests=10_000, seed=2),
        relecloud.credentials,
        ["list-concerts", "search-concerts"],
        rate_per_second=8,
    )
    assert time.monotonic() - started < 15
    assert report.stats.stopped_by == "duration"
    assert 5 <= report.stats.journeys_started <= 60
    assert report.stats.failures == 0
    names = {(c.flow, c.name) for c in report.checks}
    assert ("list-concerts", "p95 latency") in names
    assert ("search-concerts", "error rate (availability)") in names


def test_injected_errors_fail_the_error_rate_threshold(relecloud: LiveApp) -> None:
    relecloud.inject({"kind": "error", "flow": "list-concerts", "count": 4})
    try:
        result = run_cli(
            "load", str(EXAMPLE), "--base-url", relecloud.base_url, "--duration", "3s",
            "--rate", "6", "--flow", "list-concerts", "--seed", "3",
        )  # fmt: skip
    finally:
        relecloud.clear_faults()
    assert result.exit_code == 1, result.output
    assert "list-concerts: 4 x status 503, expected 200" in result.output
    assert "failed thresholds: list-concerts error rate" in result.output


def test_bad_bounds_are_usage_errors() -> None:
    result = run_cli("load", str(EXAMPLE), "--base-url", "http://127.0.0.1:9", "--duration", "soon")
    assert result.exit_code == 2
    assert "--duration" in result.output
    result = run_cli(
        "load", str(EXAMPLE), "--base-url", "http://127.0.0.1:9", "--max-requests", "0"
    )
    assert result.exit_code == 2
    assert "--max-requests must be between" in result.output
