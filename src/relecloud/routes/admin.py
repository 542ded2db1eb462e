"""Fault injection (administrators) and the health endpoints (collect-telemetry flow)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from relecloud.deps import CsrfChecked, FaultAdminApi, FaultAdminPage, ServicesDep
from relecloud.errors import DatabaseUnavailable, ValidationFailed
from relecloud.faults import FLOWS, FaultSpec, parse_fault
from relecloud.flows import flow
from relecloud.schemas import ErrorOut
from relecloud.store import StoreUnavailable
from relecloud.web import render

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


@router.get("/healthz")
@flow("collect-telemetry", "health")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is down"}})
@flow("collect-telemetry", "health")
def readyz(services: ServicesDep) -> JSONResponse:
    """Readiness: the database and the cache/session store answer."""
    checks: dict[str, str] = {}
    try:
        services.db.ping()
        checks["database"] = "ok"
    except DatabaseUnavailable as exc:
        checks["database"] = str(exc)
    try:
        services.store.ping()
        checks[f"cache ({services.store.name})"] = "ok"
    except StoreUnavailable as exc:
        checks[f"cache ({services.store.name})"] = str(exc)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )


@router.get("/api/admin/faults")
@flow("admin", "faults")
def list_faults(services: ServicesDep, _admin: FaultAdminApi) -> list[dict[str, Any]]:
    """The faults active now."""
    return services.faults.active()


@router.post(
    "/api/admin/faults",
    status_code=201,
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
)
@flow("admin", "faults")
def add_fault(
    fault: Annotated[FaultSpec, Body()], services: ServicesDep, admin: FaultAdminApi
) -> list[dict[str, Any]]:
    """Inject a fault: error (next N requests of a flow fail with 503), latency, outage."""
    services.faults.add(fault)
    log.warning("fault injected", extra={"fault": fault.model_dump(), "by": admin.username})
    return services.faults.active()


@router.delete("/api/admin/faults", status_code=204)
@flow("admin", "faults")
def clear_faults(services: ServicesDep, admin: FaultAdminApi) -> Response:
    """Clear every injected fault."""
    services.faults.clear()
    log.warning("faults cleared", extra={"by": admin.username})
    return Response(status_code=204)


@router.get("/admin/faults", include_in_schema=False)
@flow("admin", "faults")
def faults_page(request: Request, services: ServicesDep, user: FaultAdminPage) -> Response:
    return render(
        request, "admin_faults.html", user=user, faults=services.faults.active(), flows=FLOWS
    )


@router.post("/admin/faults", include_in_schema=False, dependencies=[CsrfChecked])
@flow("admin", "faults")
async def inject_from_form(
    request: Request, services: ServicesDep, user: FaultAdminPage
) -> Response:
    form = await request.form()
    kind = str(form.get("kind", ""))
    keys = {
        "error": ("flow", "count"),
        "latency": ("flow", "ms", "duration_s"),
        "outage": ("target", "duration_s"),
    }.get(kind, ())
    raw: dict[str, Any] = {"kind": kind, **{k: form.get(k) for k in keys}}
    try:
        fault = parse_fault(raw)
    except ValidationError as exc:
        raise ValidationFailed(f"invalid fault: {exc.errors()[0]['msg']}") from None
    services.faults.add(fault)
    log.warning("fault injected", extra={"fault": fault.model_dump(), "by": user.username})
    return RedirectResponse("/admin/faults", status_code=303)


@router.post("/admin/faults/clear", include_in_schema=False, dependencies=[CsrfChecked])
@flow("admin", "faults")
def clear_from_form(services: ServicesDep, user: FaultAdminPage) -> Response:
    services.faults.clear()
    log.warning("faults cleared", extra={"by": user.username})
    return RedirectResponse("/admin/faults", status_code=303)
