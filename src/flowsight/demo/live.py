"""The live part of the demo: load, a load balancer's readiness checks and the fault timeline.

All three run concurrently in one event loop against the real Relecloud
process, so the faults land in the middle of real traffic, as they would in
production.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from flowsight.demo.scenario import Event, Scenario
from flowsight.loadgen import LoadOptions, LoadStats, Mix, generate_load
from flowsight.model import Flow, Journey, JourneyRequest, Workload
from flowsight.probe import FlowProbe, probe_flows
from flowsight.probe.runner import JourneyContext, make_client, run_request
from flowsight.probe.spans import journey_spans
from flowsight.telemetry import TelemetryStore, record_spans

LB_INTERVAL_S = 2.0
READINESS = JourneyRequest(name="load balancer readiness check", step="health", path="/readyz")


@dataclass
class LiveRun:
    """Inputs and live results of one scenario run."""

    workload: Workload
    scenario: Scenario
    base_url: str
    anchor: datetime
    mix: Mix
    credentials: dict[str, tuple[str, str]]
    store: TelemetryStore
    on_event: Callable[[str], None]
    stats: LoadStats = field(default_factory=LoadStats)
    probes: list[FlowProbe] = field(default_factory=list)
    happened: list[tuple[float, Event]] = field(default_factory=list)
    purchase_ok: bool | None = None
    remaining_faults: list[dict[str, Any]] = field(default_factory=list)
    admin_token: str = ""
    employee_session: dict[str, Any] = field(default_factory=dict)

    def seconds_since_anchor(self) -> float:
        return (datetime.now(UTC) - self.anchor).total_seconds()


async def _admin_token(client: httpx.AsyncClient, run: LiveRun) -> str:
    user, password = run.credentials["Administrator"]
    response = await client.post("/api/auth/token", json={"username": user, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _inject(client: httpx.AsyncClient, token: str, fault: dict[str, Any]) -> None:
    response = await client.post(
        "/api/admin/faults", json=fault, headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()


def _purchase_journey(run: LiveRun) -> tuple[Flow, Journey] | None:
    flow = run.workload.flow("purchase-ticket")
    if flow is None or not flow.journeys or flow.journeys[0].sign_in is None:
        return None
    return flow, flow.journeys[0]


async def _purchase_during(client: httpx.AsyncClient, run: LiveRun, token: str, fault: dict[str, Any]) -> bool:  # fmt: skip
    """Pick a concert with the session signed in beforehand, inject, then check out."""
    found = _purchase_journey(run)
    if found is None:
        await _inject(client, token, fault)
        return False
    flow, journey = found
    context = JourneyContext(client, random.Random(7), dict(run.employee_session))
    jar = httpx.Cookies()
    for request in journey.requests:
        if request.step == "checkout":
            await _inject(client, token, fault)
        outcome = await run_request(request, flow.id, context, jar, "0" * 31 + "2")
        run.stats.record(outcome)
        if not outcome.ok:
            return False
    return True


async def _sign_in_employee(client: httpx.AsyncClient, run: LiveRun) -> None:
    """The purchase journey's sign-in, done before the load so it never queues behind it."""
    found = _purchase_journey(run)
    if found is None or found[1].sign_in is None:
        return
    flow, journey = found
    sign_in = found[1].sign_in
    user, password = run.credentials[journey.role or "Employee"]
    context = JourneyContext(client, random.Random(5), {"username": user, "password": password})
    outcome = await run_request(sign_in, flow.id, context, httpx.Cookies(), "0" * 31 + "4")
    run.stats.record(outcome)
    run.employee_session = context.variables


async def _event(client: httpx.AsyncClient, run: LiveRun, token: str, event: Event) -> None:
    delay = event.at_s - run.seconds_since_anchor()
    if delay > 0:
        await asyncio.sleep(delay)
    run.happened.append((run.seconds_since_anchor(), event))
    run.on_event(f"A+{run.seconds_since_anchor():.0f}s {event.name}: {event.explanation}")
    if event.purchase_during and event.fault:
        run.purchase_ok = await _purchase_during(client, run, token, event.fault)
    elif event.fault:
        await _inject(client, token, event.fault)


async def _timeline(run: LiveRun) -> None:
    async with make_client(run.base_url, 10.0) as client:
        for event in run.scenario.events:
            await _event(client, run, run.admin_token, event)


async def _prepare(run: LiveRun) -> None:
    """Before the load: the admin token, then every flow's journeys once as synthetic probes.

    Signing in is deliberately expensive (argon2); doing it here, one at a time,
    keeps the sign-ins from queueing behind each other and the load.
    """
    async with make_client(run.base_url, 10.0) as client:
        run.admin_token = await _admin_token(client, run)
        await _sign_in_employee(client, run)
    run.on_event(f"A+{run.seconds_since_anchor():.0f}s synthetic probes of every flow's journeys")
    run.probes = await probe_flows(
        list(run.workload.flows), run.base_url, run.credentials, 10.0, 11
    )
    spans = [
        s for p in run.probes for j in p.journeys for s in journey_spans(p.flow, j, run.base_url)
    ]
    record_spans(run.store, spans)


async def _clear_faults(run: LiveRun) -> None:
    """Note the injected errors no request consumed, then clear every fault."""
    async with make_client(run.base_url, 10.0) as client:
        headers = {"Authorization": f"Bearer {run.admin_token}"}
        response = await client.get("/api/admin/faults", headers=headers)
        run.remaining_faults = list(response.json())
        await client.delete("/api/admin/faults", headers=headers)


async def _load_balancer(run: LiveRun, until_s: float) -> None:
    async with make_client(run.base_url, 5.0, "flowsight-demo/load-balancer") as client:
        context = JourneyContext(client, random.Random(3))
        while run.seconds_since_anchor() < until_s:
            outcome = await run_request(
                READINESS, "collect-telemetry", context, httpx.Cookies(), "0" * 31 + "3"
            )
            run.stats.record(outcome)
            await asyncio.sleep(LB_INTERVAL_S)


async def run_live(run: LiveRun, progress: Callable[[LoadStats], None] | None) -> None:
    """Probes, then load, readiness checks and the fault timeline until arrivals end."""
    await _prepare(run)
    duration = run.scenario.arrivals_end_s - run.seconds_since_anchor()
    options = LoadOptions(duration_s=duration, max_requests=50_000, max_in_flight=128, seed=42)
    await asyncio.gather(
        generate_load(run.base_url, run.mix, options, run.credentials, run.stats, progress),
        _load_balancer(run, run.scenario.arrivals_end_s),
        _timeline(run),
    )
    await _clear_faults(run)
