"""Synthetic probes: run every flow's journeys once and record them as telemetry.

A probe answers "does this flow work right now, and how fast?" before real
users find out. Results come back per flow and request, with each request's
latency next to the flow's performance target, and (given a store) as
synthetic spans the evaluator counts like any other traffic.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from flowsight.errors import UsageError
from flowsight.model import Flow, Workload
from flowsight.probe.runner import (
    JourneyContext,
    JourneyOutcome,
    RequestOutcome,
    credential_variables,
    make_client,
    run_journey,
)
from flowsight.probe.spans import journey_spans
from flowsight.probe.target import check_target
from flowsight.telemetry import TelemetryStore, record_spans

__all__ = [
    "FlowProbe",
    "JourneyOutcome",
    "ProbeReport",
    "RequestOutcome",
    "check_target",
    "missing_roles",
    "parse_credentials",
    "probe_flows",
    "run_probes",
    "select_flows",
]


@dataclass
class FlowProbe:
    """The journeys of one flow and how they went."""

    flow: Flow
    journeys: list[JourneyOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        """None when the flow declares no journeys (nothing was tested)."""
        return None if not self.journeys else all(j.passed for j in self.journeys)

    def threshold_ms(self) -> float | None:
        """The tightest latency threshold of the flow's performance target."""
        performance = self.flow.targets.performance
        limits = (
            [t.threshold.total_seconds() * 1000 for t in performance.latency] if performance else []
        )
        return min(limits) if limits else None


@dataclass
class ProbeReport:
    base_url: str
    flows: list[FlowProbe]
    spans_recorded: int = 0

    def failed(self, min_rank: int) -> list[FlowProbe]:
        return [f for f in self.flows if f.passed is False and f.flow.rank >= min_rank]


def parse_credentials(items: list[str]) -> dict[str, tuple[str, str]]:
    """`ROLE=USER:PASSWORD` items into {role: (user, password)}."""
    credentials = {}
    for item in items:
        role, sep, rest = item.partition("=")
        user, sep2, password = rest.partition(":")
        if not (sep and sep2 and role and user):
            raise UsageError(
                f"--credential '{item.split(':')[0]}:…' is not ROLE=USER:PASSWORD",
                hint="for example --credential Employee=alice:employee-pass-123",
            )
        credentials[role] = (user, password)
    return credentials


def select_flows(workload: Workload, flow_ids: list[str] | None) -> list[Flow]:
    if not flow_ids:
        return list(workload.flows)
    unknown = [f for f in flow_ids if workload.flow(f) is None]
    if unknown:
        known = ", ".join(f.id for f in workload.flows)
        raise UsageError(f"unknown flow {', '.join(unknown)}; the workload declares: {known}")
    return [f for f in workload.flows if f.id in flow_ids]


def missing_roles(flows: list[Flow], credentials: dict[str, tuple[str, str]]) -> list[str]:
    roles = {j.role for f in flows for j in f.journeys if j.role}
    return sorted(roles - credentials.keys())


async def probe_flows(flows: list[Flow], base_url: str, credentials: dict[str, tuple[str, str]], timeout: float, seed: int | None) -> list[FlowProbe]:  # fmt: skip
    rng = random.Random(seed)
    results = []
    async with make_client(base_url, timeout) as client:
        for flow in flows:
            probe = FlowProbe(flow)
            for journey in flow.journeys:
                variables = credential_variables(journey, credentials)
                user = variables.get("username")
                context = JourneyContext(client, rng, dict(variables), user)
                probe.journeys.append(await run_journey(flow, journey, context))
            results.append(probe)
    return results


def run_probes(
    workload: Workload,
    base_url: str,
    credentials: dict[str, tuple[str, str]] | None = None,
    flow_ids: list[str] | None = None,
    store: TelemetryStore | None = None,
    allow_remote: bool = False,
    timeout: float = 10.0,
    seed: int | None = None,
) -> ProbeReport:
    """Run each selected flow's journeys once, in order; record spans into `store`."""
    base = check_target(base_url, allow_remote)
    flows = select_flows(workload, flow_ids)
    credentials = credentials or {}
    missing = missing_roles(flows, credentials)
    if missing:
        raise UsageError(
            f"journeys sign in as {', '.join(missing)} but no credential was given",
            hint="pass --credential ROLE=USER:PASSWORD for each role",
        )
    report = ProbeReport(base, asyncio.run(probe_flows(flows, base, credentials, timeout, seed)))
    if store is not None:
        spans = [
            s for f in report.flows for j in f.journeys for s in journey_spans(f.flow, j, base)
        ]
        report.spans_recorded = record_spans(store, spans)
    return report
