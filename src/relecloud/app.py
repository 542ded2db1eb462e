"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from relecloud import __version__, saga, telemetry
from relecloud.config import Settings
from relecloud.deps import CsrfFailed, Forbidden, LoginRequired
from relecloud.errors import (
    CircuitOpen,
    Conflict,
    DatabaseUnavailable,
    GatewayUnavailable,
    NotFound,
    Overloaded,
    PaymentDeclined,
    RelecloudError,
    SearchUnavailable,
    ValidationFailed,
)
from relecloud.middleware import SessionMiddleware, TelemetryMiddleware
from relecloud.routes import (
    admin,
    auth_api,
    auth_pages,
    concert_pages,
    concerts_api,
    purchase_api,
    purchase_pages,
)
from relecloud.services import Services
from relecloud.store import StoreUnavailable
from relecloud.web import render

log = logging.getLogger(__name__)
_STATUS: dict[type[Exception], int] = {
    ValidationFailed: 400,
    PaymentDeclined: 402,
    NotFound: 404,
    Conflict: 409,
    CircuitOpen: 503,
    GatewayUnavailable: 503,
    DatabaseUnavailable: 503,
    Overloaded: 503,
    SearchUnavailable: 503,
    StoreUnavailable: 503,
}


def _error(
    request: Request, status: int, message: str, errors: dict[str, str] | None = None
) -> Response:
    if request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/readyz"):
        return JSONResponse({"detail": message, "errors": errors or {}}, status_code=status)
    user = None
    user_info = request.scope.get("relecloud.user")
    if user_info is not None:
        user = {"display_name": user_info[0], "role": user_info[1]}
    return render(request, "error.html", user=user, status=status, code=status, message=message)


def _install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> Response:
        status = next(code for cls, code in _STATUS.items() if isinstance(exc, cls))
        if status >= 500:
            log.warning("request failed", extra={"error": str(exc), "status": status})
        response = _error(request, status, str(exc), getattr(exc, "errors", None))
        retry_after = getattr(exc, "retry_after_s", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    for cls in _STATUS:
        app.add_exception_handler(cls, domain_error)

    async def login_required(request: Request, exc: Exception) -> Response:
        target = request.url.path if request.method == "GET" else "/concerts"
        return RedirectResponse(f"/login?next={target}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return _error(request, 403, "This page needs the Administrator role.")

    async def csrf_failed(request: Request, exc: Exception) -> Response:
        return _error(
            request,
            403,
            "The form expired or did not come from this site (CSRF). Reload and retry.",
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = _error(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfFailed, csrf_failed)
    app.add_exception_handler(StarletteHTTPException, http_error)


async def _sweep_loop(services: Services) -> None:
    """Settle checkouts left pending (a crash, an outage after capture) that nobody retries."""
    settings = services.settings
    while True:
        await asyncio.sleep(settings.sweep_s)
        try:
            await asyncio.to_thread(
                saga.sweep, services.db, services.payments, settings.checkout_lease_s
            )
        except RelecloudError as exc:
            log.warning("checkout sweep failed", extra={"error": str(exc)})


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app; pass ``services`` to share them with a test."""
    settings = settings or Settings.from_env()
    services = services or Services.build(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        tasks = []
        if settings.telemetry_enabled and settings.heartbeat_s > 0:
            tasks.append(
                asyncio.create_task(telemetry.heartbeat_loop(services.tracer, settings.heartbeat_s))
            )
        if settings.sweep_s > 0:
            tasks.append(asyncio.create_task(_sweep_loop(services)))
        try:
            yield {}
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            telemetry.flush()

    app = FastAPI(
        title="Relecloud",
        version=__version__,
        description="Concert tickets sold by call-center employees on behalf of customers.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.services = services
    routes: list[BaseRoute] = []
    for module in (
        auth_pages,
        auth_api,
        concert_pages,
        concerts_api,
        purchase_pages,
        purchase_api,
        admin,
    ):
        app.include_router(module.router)
        routes.extend(module.router.routes)
    _install_error_handlers(app)
    app.state.routes = [*app.router.routes, *routes]
    app.add_middleware(SessionMiddleware, services=services)
    app.add_middleware(TelemetryMiddleware, services=services, routes=routes)
    return app
