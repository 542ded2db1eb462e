"""Run one journey over HTTP: the engine both `flowsight probe` and `flowsight load` use.

Each journey gets its own cookie jar (a signed-in page session must not leak
into the next virtual user) while all journeys share one connection pool. Every
request carries a W3C `traceparent`, so the server spans of the system under
test join the journey's trace and a failed probe can be followed end to end.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from flowsight.model import Flow, Journey, JourneyRequest
from flowsight.probe.template import TemplateError, extract, render

USER_AGENT = "flowsight/probe"


@dataclass
class RequestOutcome:
    """What one request of a journey did."""

    flow: str
    step: str | None
    name: str
    method: str
    path: str
    status: int | None
    latency_s: float
    ok: bool
    error: str | None
    start_ns: int
    end_ns: int
    span_id: str


@dataclass
class JourneyOutcome:
    """One execution of a journey; `stopped` when a load bound cut it short (not a failure)."""

    flow: str
    journey: str
    trace_id: str
    span_id: str
    start_ns: int
    end_ns: int = 0
    user: str | None = None
    requests: list[RequestOutcome] = field(default_factory=list)
    stopped: bool = False

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.requests) and not self.stopped

    @property
    def error(self) -> str | None:
        return next((r.error for r in self.requests if not r.ok), None)


@dataclass
class JourneyContext:
    """Everything a journey run needs besides the journey itself."""

    client: httpx.AsyncClient
    rng: random.Random
    variables: dict[str, Any] = field(default_factory=dict)
    user: str | None = None
    skip_sign_in: bool = False
    #: asked before every request; False stops the journey (a load bound was reached)
    gate: Callable[[], bool] = lambda: True
    on_request: Callable[[RequestOutcome], None] = lambda _outcome: None


def make_client(base_url: str, timeout: float, user_agent: str = USER_AGENT, max_connections: int = 100) -> httpx.AsyncClient:  # fmt: skip
    """A pooled client that never keeps cookies itself: each journey carries its own jar,
    so concurrent virtual users cannot overwrite each other's sessions."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        headers={"user-agent": user_agent},
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
    )


def _body(response: httpx.Response) -> tuple[str, Any]:
    text = response.text
    if "json" not in response.headers.get("content-type", ""):
        return text, None
    try:
        return text, json.loads(text)
    except ValueError:
        return text, None


def _build(client: httpx.AsyncClient, request: JourneyRequest, ctx: JourneyContext, parent: str, span: str) -> httpx.Request:  # fmt: skip
    headers = {str(k): str(v) for k, v in render(request.headers, ctx.variables, ctx.rng).items()}
    headers.setdefault("user-agent", USER_AGENT)
    headers["traceparent"] = f"00-{parent}-{span}-01"
    return client.build_request(
        request.method,
        str(render(request.path, ctx.variables, ctx.rng)),
        params=render(request.query, ctx.variables, ctx.rng) or None,
        headers=headers,
        data=render(request.form, ctx.variables, ctx.rng),
        json=render(request.json_body, ctx.variables, ctx.rng),
    )


async def run_request(
    request: JourneyRequest, flow_id: str, ctx: JourneyContext, jar: httpx.Cookies, trace_id: str
) -> RequestOutcome:
    """Send one request, check its status and extract its values into ctx.variables."""
    span_id = secrets.token_hex(8)
    start_ns, started = time.time_ns(), time.perf_counter()
    status, error = None, None
    path = request.path
    try:
        built = _build(ctx.client, request, ctx, trace_id, span_id)
        path = built.url.path
        jar.set_cookie_header(built)
        response = await ctx.client.send(built)
        jar.extract_cookies(response)
        status = response.status_code
        if status not in request.expect:
            error = f"status {status}, expected {', '.join(map(str, request.expect))}"
        else:
            text, parsed = _body(response)
            for rule in request.extract:
                ctx.variables[rule.name] = extract(
                    rule, text, parsed, dict(response.headers), ctx.rng
                )
    except TemplateError as problem:
        error = str(problem)
    except httpx.HTTPError as problem:
        error = f"{type(problem).__name__}: {problem}" if str(problem) else type(problem).__name__
    latency = time.perf_counter() - started
    return RequestOutcome(
        request.flow or flow_id,
        request.step,
        request.name,
        request.method,
        path,
        status,
        latency,
        error is None,
        error,
        start_ns,
        start_ns + round(latency * 1e9),
        span_id,
    )


async def run_journey(flow: Flow, journey: Journey, ctx: JourneyContext) -> JourneyOutcome:
    """Run the journey's requests in order; the first failure ends it."""
    outcome = JourneyOutcome(
        flow.id,
        journey.id,
        secrets.token_hex(16),
        secrets.token_hex(8),
        time.time_ns(),
        user=ctx.user,
    )
    jar = httpx.Cookies()
    requests = journey.requests if ctx.skip_sign_in else journey.all_requests
    for request in requests:
        if not ctx.gate():
            outcome.stopped = True
            break
        result = await run_request(request, flow.id, ctx, jar, outcome.trace_id)
        outcome.requests.append(result)
        ctx.on_request(result)
        if not result.ok:
            break
    outcome.end_ns = time.time_ns()
    return outcome


def credential_variables(
    journey: Journey, credentials: dict[str, tuple[str, str]]
) -> dict[str, str]:
    """{username}/{password} for the journey's role; KeyError names a missing role."""
    if journey.role is None:
        return {}
    username, password = credentials[journey.role]
    return {"username": username, "password": password}
