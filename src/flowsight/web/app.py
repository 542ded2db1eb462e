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
    GET  /static/...         the chart library and scripts (the report inlines the same files)
    GET  /favicon.ico

Overview and flow pages (and their twins) take `?range=1h|6h|1d|7d|30d` or
`?from=...&to=...` (UTC); without either they use the default of web/timerange.py.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader

from flowsight.errors import FlowsightError, UsageError
from flowsight.evaluate import Evaluation
from flowsight.report.render import SCRIPTS, STYLES, html_environment
from flowsight.report.views import findings_view, flow_section, overview
from flowsight.telemetry.receiver import make_router
from flowsight.web import auth
from flowsight.web.metrics import CONTENT_TYPE, exposition
from flowsight.web.state import DashboardConfig, DashboardState
from flowsight.web.timerange import OWN_WINDOW, PRESETS, TimeRange, parse_range

FAVICON = (resources.files("flowsight.web") / "static" / "favicon.svg").read_bytes()


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


def _range(request: Request, state: DashboardState) -> TimeRange:
    return parse_range(request.query_params) or state.default_range()


def _picker(root: str, path: str, chosen: TimeRange, evaluation: Evaluation) -> dict[str, Any]:
    """The time-range picker: one link per preset, and the custom form holding the window
    shown now (so it can be adjusted)."""
    own = chosen.key in (OWN_WINDOW, "default")
    presets = [
        {
            "key": OWN_WINDOW,
            "label": "objective window",
            "href": f"{root}{path}?{TimeRange(OWN_WINDOW).query()}",
            "current": own,
        }
    ]
    presets += [
        {
            "key": key,
            "label": key,
            "href": f"{root}{path}?{TimeRange(key).query()}",
            "current": key == chosen.key,
        }
        for key in PRESETS
    ]
    shown = [(f.start, f.end) for f in evaluation.flows]
    start, end = (min(a for a, _ in shown), max(b for _, b in shown)) if shown else (None, None)
    return {"presets": presets, "start": start, "end": end, "action": root + path}


def _page(
    request: Request,
    state: DashboardState,
    template: str,
    json_href: str,
    evaluation: Evaluation,
    chosen: TimeRange,
    **context: Any,
) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    query = chosen.query() if request.query_params else ""
    suffix = f"?{query}" if query else ""
    html = TEMPLATES.get_template(template).render(
        root=root,
        json_href=root + json_href + suffix,
        refresh=state.config.refresh_seconds,
        workload_name=state.workload.workload.name,
        measured_at=f"{evaluation.now:%Y-%m-%d %H:%M} UTC",
        link=lambda flow_id: f"{root}/flows/{flow_id}{suffix}",
        picker=_picker(root, request.url.path.removeprefix(root), chosen, evaluation),
        scripts=[f"{root}/static/{name}" for name in (*SCRIPTS, "dashboard.js")],
        styles=[f"{root}/static/{name}" for name in STYLES],
        **context,
    )
    return HTMLResponse(html)


def _flow_view(
    state: DashboardState, flow_id: str, with_charts: bool, chosen: TimeRange | None = None
) -> dict[str, Any]:
    result = state.evaluation(chosen).flow(flow_id)
    if result is None:
        raise NotFound(
            f"the workload has no flow '{flow_id}'", hint="the overview lists every flow"
        )
    return flow_section(state.workload, result, with_charts)


def _routes(app: FastAPI, state: DashboardState) -> None:
    @app.get("/overview.json")
    def overview_json(request: Request) -> JSONResponse:
        return JSONResponse(overview(state.workload, state.evaluation(_range(request, state))))

    @app.get("/", response_class=HTMLResponse)
    def overview_page(request: Request) -> HTMLResponse:
        chosen = _range(request, state)
        evaluation = state.evaluation(chosen)
        view = overview(state.workload, evaluation)
        return _page(
            request, state, "overview.html", "/overview.json", evaluation, chosen, view=view
        )

    @app.get("/flows/{flow_id}.json")
    def flow_json(request: Request, flow_id: str) -> JSONResponse:
        return JSONResponse(_flow_view(state, flow_id, True, _range(request, state)))

    @app.get("/flows/{flow_id}", response_class=HTMLResponse)
    def flow_page(request: Request, flow_id: str) -> HTMLResponse:
        chosen = _range(request, state)
        view = _flow_view(state, flow_id, True, chosen)
        twin = f"/flows/{flow_id}.json"
        evaluation = state.evaluation(chosen)
        return _page(request, state, "flow.html", twin, evaluation, chosen, view=view)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml")

    @app.get("/findings.json")
    def findings_json() -> JSONResponse:
        return JSONResponse(findings_view(state.design, state.evaluation(), state.drift()))

    @app.get("/findings", response_class=HTMLResponse)
    def findings_page(request: Request) -> HTMLResponse:
        chosen = state.default_range()
        evaluation = state.evaluation(chosen)
        view = findings_view(state.design, evaluation, state.drift(chosen))
        return _page(
            request, state, "findings.html", "/findings.json", evaluation, chosen, view=view
        )

    @app.get("/metrics")
    def metrics() -> Response:
        evaluation = state.evaluation()
        return Response(
            exposition(state.workload, evaluation, evaluation.now), media_type=CONTENT_TYPE
        )


def _errors(app: FastAPI, state: DashboardState) -> None:
    @app.exception_handler(FlowsightError)
    def flowsight_error(request: Request, error: FlowsightError) -> Response:
        status = (
            404 if isinstance(error, NotFound) else 400 if isinstance(error, UsageError) else 500
        )
        body = {"ok": False, "status": status, "error": error.message, "hint": error.hint}
        if request.url.path.endswith((".json", "/metrics")):
            return JSONResponse(body, status_code=status)
        html = TEMPLATES.get_template("error.html").render(
            root=request.scope.get("root_path", ""),
            json_href=request.url.path,
            refresh=None,
            picker=None,
            scripts=[],
            styles=[],
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
    app.mount(
        "/static",
        StaticFiles(packages=[("flowsight.report", "static"), ("flowsight.web", "static")]),
        name="static",
    )
    _routes(app, state)
    _errors(app, state)
    if token is not None:
        auth.install(app, token)
    if auth.is_loopback(config.host):
        auth.install_host_check(app)
    return app
