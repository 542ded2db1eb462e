"""The open-model load: journeys arrive on a Poisson schedule, whatever the responses do.

A closed loop (N users, each waiting for its response before the next request)
slows down with the system under test and hides exactly the queueing a real
call center would cause; arrivals here are scheduled in advance, and a journey
that cannot start because too many are in flight is counted as dropped, not
silently delayed. Two bounds always hold: the duration and the request count.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from flowsight.loadgen.mix import Mix
from flowsight.loadgen.stats import LoadStats
from flowsight.model import Flow, Journey
from flowsight.probe.runner import (
    USER_AGENT,
    JourneyContext,
    JourneyOutcome,
    credential_variables,
    make_client,
    run_journey,
    run_request,
)

#: Journeys still running at the deadline get this long to finish.
GRACE_S = 10.0


@dataclass
class LoadOptions:
    duration_s: float
    max_requests: int
    max_in_flight: int = 256
    timeout_s: float = 10.0
    seed: int | None = None


class Bound:
    """Reserves one request at a time until the count or the deadline is reached."""

    def __init__(self, loop: asyncio.AbstractEventLoop, deadline: float, limit: int, stats: LoadStats) -> None:  # fmt: skip
        self.loop, self.deadline, self.limit, self.stats = loop, deadline, limit, stats
        self.sent = 0

    def allow(self) -> bool:
        if self.sent >= self.limit:
            self.stats.stopped_by = "max requests"
            return False
        if self.loop.time() >= self.deadline + GRACE_S:
            return False
        self.sent += 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.sent >= self.limit


async def sign_in_roles(
    client: httpx.AsyncClient,
    mix: Mix,
    credentials: dict[str, tuple[str, str]],
    rng: random.Random,
    stats: LoadStats,
) -> tuple[dict[str, dict[str, object]], list[str]]:
    """Sign in once per role (like a shift of employees), keeping the extracted values."""
    sessions: dict[str, dict[str, object]] = {}
    problems = []
    for rate in mix.rates:
        for journey in rate.flow.journeys:
            if journey.sign_in is None or journey.role in sessions or journey.role is None:
                continue
            context = JourneyContext(client, rng, credential_variables(journey, credentials))
            outcome = await run_request(
                journey.sign_in, rate.flow.id, context, httpx.Cookies(), "0" * 31 + "1"
            )
            stats.record(outcome)
            if not outcome.ok:
                problems.append(f"signing in as {journey.role} failed: {outcome.error}")
            sessions[journey.role] = context.variables
    return sessions, problems


def _context(client: httpx.AsyncClient, journey: Journey, sessions: dict[str, dict[str, object]], credentials: dict[str, tuple[str, str]], rng: random.Random, bound: Bound, stats: LoadStats) -> JourneyContext:  # fmt: skip
    variables: dict[str, object] = dict(credential_variables(journey, credentials))
    if journey.role in sessions:
        variables.update(sessions[journey.role])
    return JourneyContext(
        client,
        rng,
        variables,
        str(variables.get("username")) if journey.role else None,
        skip_sign_in=journey.sign_in is not None,
        gate=bound.allow,
        on_request=stats.record,
    )


def _finished(stats: LoadStats, outcome: JourneyOutcome) -> None:
    if outcome.stopped:
        stats.journeys_stopped += 1
    elif outcome.passed:
        stats.journeys_passed += 1
    else:
        stats.journeys_failed += 1


async def _ticker(stats: LoadStats, start: float, progress: Callable[[LoadStats], None]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        stats.elapsed_s = loop.time() - start
        progress(stats)
        await asyncio.sleep(0.25)


async def _launch(flow: Flow, journey: Journey, context: JourneyContext, stats: LoadStats) -> None:
    stats.journeys_started += 1
    _finished(stats, await run_journey(flow, journey, context))


async def generate_load(
    base_url: str,
    mix: Mix,
    options: LoadOptions,
    credentials: dict[str, tuple[str, str]],
    stats: LoadStats | None = None,
    progress: Callable[[LoadStats], None] | None = None,
) -> LoadStats:
    """Run the open-model load; returns when the bound is reached and in-flight work ends."""
    stats = stats or LoadStats()
    rng = random.Random(options.seed)
    loop = asyncio.get_running_loop()
    agent = USER_AGENT.replace("probe", "load")
    async with make_client(base_url, options.timeout_s, agent, options.max_in_flight) as client:
        sessions, problems = await sign_in_roles(client, mix, credentials, rng, stats)
        if problems:
            raise SignInFailed(problems)
        start = loop.time()
        bound = Bound(loop, start + options.duration_s, options.max_requests, stats)
        ticker = asyncio.create_task(_ticker(stats, start, progress or (lambda _s: None)))
        running: set[asyncio.Task[None]] = set()
        next_at = start
        while not bound.exhausted:
            next_at += rng.expovariate(mix.per_second)
            if next_at >= bound.deadline:
                break
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            if len(running) >= options.max_in_flight:
                stats.dropped += 1
                continue
            flow, journey = mix.pick(rng)
            context = _context(client, journey, sessions, credentials, rng, bound, stats)
            task = asyncio.create_task(_launch(flow, journey, context, stats))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            _done, pending = await asyncio.wait(set(running), timeout=GRACE_S)
            for task in pending:
                task.cancel()
        ticker.cancel()
        stats.elapsed_s = loop.time() - start
        if progress:
            progress(stats)
    return stats


class SignInFailed(Exception):
    """A role could not sign in before the load started; carries the reasons."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
