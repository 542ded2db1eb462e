"""ASGI middleware: the SERVER span with flow attributes, injected faults, sessions."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relecloud import telemetry
from relecloud.flows import UNMAPPED, flow_of
from relecloud.security import SESSION_COOKIE
from relecloud.services import Services

log = logging.getLogger("relecloud.access")
# Search failures are injected into the search operation itself (the page falls back).
_FAULT_IN_HANDLER = {"search-concerts"}


def _match(routes: list[BaseRoute], scope: Scope) -> tuple[str, str, str]:
    """(flow, step, route template) for a request, before it is handled."""
    partial: tuple[str, str, str] | None = None
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.FULL:
            return (*flow_of(child.get("endpoint")), str(getattr(route, "path", scope["path"])))
        if match == Match.PARTIAL and partial is None:
            partial = (*flow_of(child.get("endpoint")), str(getattr(route, "path", scope["path"])))
    return partial or (*UNMAPPED, "")


async def _send_503(scope: Scope, send: Send, flow: str) -> None:
    detail = f"Service unavailable: injected fault in flow {flow}"
    if scope["path"].startswith("/api/"):
        body, ctype = json.dumps({"detail": detail}).encode(), b"application/json"
    else:
        body = f"<!doctype html><title>503</title><h1>503</h1><p>{detail}</p>".encode()
        ctype = b"text/html; charset=utf-8"
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class TelemetryMiddleware:
    """One SERVER span per request carrying app.flow / app.flow.step and HTTP semconv."""

    def __init__(self, app: ASGIApp, services: Services, routes: list[BaseRoute]) -> None:
        self.app = app
        self.services = services
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        flow, step, route = _match(self.routes, scope)
        method = scope["method"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        parent = propagate.extract(headers)
        client = scope.get("client") or ("", 0)
        attributes: dict[str, Any] = {
            "app.flow": flow,
            "app.flow.step": step,
            "http.request.method": method,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
            "network.protocol.version": scope.get("http_version", "1.1"),
            "client.address": client[0] or "",
        }
        if route:
            attributes["http.route"] = route
        if "user-agent" in headers:
            attributes["user_agent.original"] = headers["user-agent"][:256]
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        started = time.perf_counter()
        span_name = f"{method} {route}" if route else method
        tracer = self.services.tracer
        with tracer.start_as_current_span(
            span_name,
            context=parent,
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=True,
            set_status_on_exception=True,
        ) as span:
            scope["relecloud.span"] = span
            faults = self.services.faults
            delay = faults.latency_s(flow)
            if delay:
                span.set_attribute("app.fault.latency_ms", int(delay * 1000))
                await asyncio.sleep(delay)
            db_calls = telemetry.collect_db_spans()
            try:
                if flow not in _FAULT_IN_HANDLER and faults.take_error(flow):
                    span.set_attribute("app.fault", "error")
                    await _send_503(scope, send_wrapper, flow)
                else:
                    await self.app(scope, receive, send_wrapper)
            finally:
                telemetry.emit_db_spans(tracer, db_calls)
                status = status_holder["status"]
                span.set_attribute("http.response.status_code", status)
                user = scope.get("relecloud.user")
                if user is not None:
                    span.set_attribute("enduser.id", user[0])
                    span.set_attribute("enduser.role", user[1])
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                    span.set_attribute("error.type", str(status))
            log.info(
                "request",
                extra={
                    "http_method": method,
                    "http_route": route,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "flow": flow,
                    "step": step,
                },
            )


class SessionMiddleware:
    """Server-side sessions for the HTML pages: loads the cookie, saves when changed."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/api/") or path in ("/healthz", "/readyz"):
            await self.app(scope, receive, send)
            return
        cookie = None
        for key, value in scope["headers"]:
            if key == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    name, _, val = part.strip().partition("=")
                    if name == SESSION_COOKIE:
                        cookie = val
        sessions = self.services.sessions
        if cookie:
            scope["relecloud.session"] = await asyncio.to_thread(sessions.load, cookie)
        else:
            scope["relecloud.session"] = sessions.load(None)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope["relecloud.session"]
                if session.dirty:
                    await asyncio.to_thread(sessions.save, session)
                    if session.id != cookie:
                        attrs = "; Path=/; HttpOnly; SameSite=Lax"
                        if self.services.settings.cookie_secure:
                            attrs += "; Secure"
                        header = f"{SESSION_COOKIE}={session.id}{attrs}".encode("latin-1")
                        message.setdefault("headers", [])
                        message["headers"] = [*message["headers"], (b"set-cookie", header)]
            await send(message)

        await self.app(scope, receive, send_wrapper)
