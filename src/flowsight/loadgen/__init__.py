"""`flowsight load`: an open-model load with the workload's own traffic mix.

The mix comes from each use case's execution profile, journeys come from the
flows, and the run ends at whichever bound comes first: the duration or the
request count. Targets are only ever on loopback unless the caller opts out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from flowsight.errors import TargetFailed, UsageError
from flowsight.loadgen.mix import Mix, Profile, plan_mix
from flowsight.loadgen.runner import LoadOptions, SignInFailed, generate_load
from flowsight.loadgen.stats import Check, LoadStats, check_thresholds, percentile
from flowsight.model import Workload
from flowsight.probe import check_target, missing_roles, select_flows

__all__ = [
    "Check",
    "LoadOptions",
    "LoadReport",
    "LoadStats",
    "Mix",
    "generate_load",
    "percentile",
    "plan_mix",
    "prepare_load",
    "run_load",
]

#: Hard ceilings, whatever the command line says: a load test is never open-ended.
MAX_DURATION_S = 24 * 3600
MAX_REQUESTS = 10_000_000


@dataclass
class LoadReport:
    base_url: str
    mix: Mix
    options: LoadOptions
    stats: LoadStats
    checks: list[Check]

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if c.passed is False]


def prepare_load(
    workload: Workload,
    base_url: str,
    options: LoadOptions,
    credentials: dict[str, tuple[str, str]],
    flow_ids: list[str] | None = None,
    rate_per_second: float | None = None,
    profile: Profile = "expected",
    allow_remote: bool = False,
) -> tuple[str, Mix]:
    """Check the target, the bounds and the credentials; plan the mix."""
    base = check_target(base_url, allow_remote)
    if not 0 < options.duration_s <= MAX_DURATION_S:
        raise UsageError(f"--duration must be between 1s and {MAX_DURATION_S // 3600}h")
    if not 1 <= options.max_requests <= MAX_REQUESTS:
        raise UsageError(f"--max-requests must be between 1 and {MAX_REQUESTS:,}")
    if options.max_in_flight < 1:
        raise UsageError("--max-in-flight must be at least 1")
    mix = plan_mix(workload, select_flows(workload, flow_ids), rate_per_second, profile)
    missing = missing_roles([r.flow for r in mix.rates], credentials)
    if missing:
        raise UsageError(
            f"journeys sign in as {', '.join(missing)} but no credential was given",
            hint="pass --credential ROLE=USER:PASSWORD for each role",
        )
    return base, mix


def finish_report(base: str, mix: Mix, options: LoadOptions, stats: LoadStats) -> LoadReport:
    offered = {r.flow.id: r.per_minute for r in mix.rates}
    checks = check_thresholds([r.flow for r in mix.rates], stats, offered)
    return LoadReport(base, mix, options, stats, checks)


def run_load(
    workload: Workload,
    base_url: str,
    options: LoadOptions,
    credentials: dict[str, tuple[str, str]] | None = None,
    flow_ids: list[str] | None = None,
    rate_per_second: float | None = None,
    profile: Profile = "expected",
    allow_remote: bool = False,
    progress: Callable[[LoadStats], None] | None = None,
) -> LoadReport:
    """Run the load to its bound and check every flow's performance targets."""
    credentials = credentials or {}
    base, mix = prepare_load(
        workload, base_url, options, credentials, flow_ids, rate_per_second, profile, allow_remote
    )
    try:
        stats = asyncio.run(generate_load(base, mix, options, credentials, progress=progress))
    except SignInFailed as failure:
        raise TargetFailed(
            f"the load did not start: {failure}",
            hint="check the credentials and that the target is up",
        ) from None
    return finish_report(base, mix, options, stats)
