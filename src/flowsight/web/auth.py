"""Bearer-token protection: every route, whenever the dashboard is reachable off loopback.

Bound to a loopback address the dashboard is open (only this machine can reach
it) unless a token is given anyway; bound anywhere else a token is mandatory
and every request, pages, JSON, /metrics and the OTLP receiver alike, must send
`Authorization: Bearer <token>`. The token is compared in constant time and
never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from flowsight.errors import UsageError

LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}
MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost; every other address is reachable from outside."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def require_token(host: str, token: str | None) -> str | None:
    """The token to enforce, or a UsageError when an exposed bind has none (or a weak one)."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(f"the bearer token must be at least {MIN_TOKEN_LENGTH} characters long")
    if token is None and not is_loopback(host):
        raise UsageError(
            f"binding to {host} exposes the dashboard and its receiver beyond this machine; "
            "it needs a bearer token",
            hint="set FLOWSIGHT_TOKEN (or pass --token), or bind to 127.0.0.1",
        )
    return token


def _unauthorized(reason: str) -> Response:
    return JSONResponse(
        {"ok": False, "status": 401, "error": reason},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="flowsight"'},
    )


def install(app: FastAPI, token: str) -> None:
    """Reject every request without `Authorization: Bearer <token>` with a 401."""
    expected = f"Bearer {token}".encode()

    @app.middleware("http")
    async def bearer_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("authorization")
        if given is None:
            return _unauthorized("this dashboard requires Authorization: Bearer <token>")
        if not hmac.compare_digest(given.encode(), expected):
            return _unauthorized("the bearer token is not valid")
        return await call_next(request)


def _host_name(header: str) -> str:
    """The name part of a Host header: `127.0.0.1:8080` -> `127.0.0.1`, `[::1]:80` -> `::1`."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def install_host_check(app: FastAPI) -> None:
    """On a loopback bind, answer only requests addressed to a loopback name.

    A web page on another site can make the browser resolve its own domain to
    127.0.0.1 (DNS rebinding) and then read this open dashboard as same-origin; such
    requests still carry the attacker's domain in `Host`, so they get a 421.
    """

    @app.middleware("http")
    async def loopback_host(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        host = request.headers.get("host", "")
        if not is_loopback(_host_name(host)):
            return JSONResponse(
                {
                    "ok": False,
                    "status": 421,
                    "error": "this dashboard answers only to localhost or 127.0.0.1 (Host header)",
                },
                status_code=421,
            )
        return await call_next(request)
