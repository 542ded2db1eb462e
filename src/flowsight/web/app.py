"""The dashboard: server-rendered pages, a JSON twin of each, /metrics and the receiver.

Routes (each HTML page links its twin, which adds `.json`):

    GET  /                   overview: workload and per-flow health
    GET  /overview.json
    GET  /flows/{id}         one flow: context, targets, measured, charts
    GET  /flows/{id}.json
    GET  /findings           design findings (`flowsight check`) and evaluation findings
    GET  /findings.json
    GET  /metrics            Prometheus text exposition
    POST /v1/traces          OTLP/HTTP receiver (the same router as `flowsight collect`)
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader

from flowsight.errors import FlowsightError
from flowsight.report.render import html_environment
from flowsight.report.views import findings_view, flow_section, overview
from flowsight.telemetry.receiver import make_router
from flowsight.web import auth
from flowsight.web.metrics import CONTENT_TYPE, exposition
from flowsight.web.state import DashboardConfig, DashboardState


class NotFound(FlowsightError):
    """A page for something the workload does not have."""


def _templates() -> Environment:
    env = html_environment().overlay(
        loader=ChoiceLoader(
            [
                PackageLoader("flowsight.web", "templates"),
                PackageLoader("flowsight.report", "templates"),
            ]
        )
    )
    return env


TEMPLATES = _templates()


def _page(
    request: Request, state: DashboardState, template: str, json_href: str, **context: Any
) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    evaluation = state.evaluation()
    html = TEMPLATES.get_template(template).render(
        root=root,
        json_href=root + json_href,
        refresh=state.config.refresh_seconds,
        workload_name=state.workload.workload.name,
        measured_at=f"{evaluation.now:%Y-%m-%d %H:%M} UTC",
        link=lambda flow_id: f"{root}/flows/{flow_id}",
        **context,
    )
    return HTMLResponse(html)


def _flow_view(state: DashboardState, flow_id: str, with_charts: bool) -> dict[str, Any]:
    result = state.evaluation().flow(flow_id)
    if result is None:
        raise NotFound(
            f"the workload has no flow '{flow_id}'", hint="the overview lists every flow"
        )
    return flow_section(state.workload, result, with_charts)


def _routes(app: FastAPI, state: DashboardState) -> None:
    @app.get("/overview.json")
    def overview_json() -> JSONResponse:
        return JSONResponse(overview(state.workload, state.evaluation()))

    @app.get("/", response_class=HTMLResponse)
    def overview_page(request: Request) -> HTMLResponse:
        view = overview(state.workload, state.evaluation())
        return _page(request, state, "overview.html", "/overview.json", view=view)

    @app.get("/flows/{flow_id}.json")
    def flow_json(flow_id: str) -> JSONResponse:
        return JSONResponse(_flow_view(state, flow_id, with_charts=False))

    @app.get("/flows/{flow_id}", response_class=HTMLResponse)
    def flow_page(request: Request, flow_id: str) -> HTMLResponse:
        view = _flow_view(state, flow_id, with_charts=True)
        return _page(request, state, "flow.html", f"/flows/{flow_id}.json", view=view)

    @app.get("/findings.json")
    def findings_json() -> JSONResponse:
        return JSONResponse(findings_view(state.design, state.evaluation(), state.drift()))

    @app.get("/findings", response_class=HTMLResponse)
    def findings_page(request: Request) -> HTMLResponse:
        view = findings_view(state.design, state.evaluation(), state.drift())
        return _page(request, state, "findings.html", "/findings.json", view=view)

    @app.get("/metrics")
    def metrics() -> Response:
        evaluation = state.evaluation()
        return Response(
            exposition(state.workload, evaluation, evaluation.now), media_type=CONTENT_TYPE
        )


def _errors(app: FastAPI, state: DashboardState) -> None:
    @app.exception_handler(FlowsightError)
    def flowsight_error(request: Request, error: FlowsightError) -> Response:
        status = 404 if isinstance(error, NotFound) else 500
        body = {"ok": False, "status": status, "error": error.message, "hint": error.hint}
        if request.url.path.endswith((".json", "/metrics")):
            return JSONResponse(body, status_code=status)
        html = TEMPLATES.get_template("error.html").render(
            root=request.scope.get("root_path", ""),
            json_href=request.url.path,
            refresh=None,
            workload_name=state.workload.workload.name,
            measured_at="-",
            status=status,
            message=error.message,
            hint=error.hint,
        )
        return HTMLResponse(html, status_code=status)


def create_app(config: DashboardConfig) -> FastAPI:
    """The dashboard for one workload and store; refuses an exposed bind without a token."""
    token = auth.require_token(config.host, config.token)
    state = DashboardState.load(config)
    app = FastAPI(title="flowsight dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = state
    app.include_router(make_router(config.store))
    _routes(app, state)
    _errors(app, state)
    if token is not None:
        auth.install(app, token)
    if auth.is_loopback(config.host):
        auth.install_host_check(app)
    return app
