"""`flowsight export grafana`: one dashboard, a row per criticality, four panels per flow.

Panels read the recording rules of `flowsight export prometheus` (availability
over the SLO window, remaining error budget, burn rate over the alert windows,
latency quantiles), so the dashboard and the alerts agree on every number, and
a flow's own PromQL SLI reaches the dashboard through the same rules. Firing
flowsight alerts are shown as annotations. The JSON follows the dashboard
schema (v42) the Grafana Foundation SDK publishes; tests validate it.
"""

from __future__ import annotations

from typing import Any

from flowsight.export.base import Artifact, ExportOptions, FunctionExporter, dump_json, register
from flowsight.export.burnrate import number
from flowsight.export.escape import selector
from flowsight.export.openslo import slug
from flowsight.export.prometheus import LATENCY, REMAINING, SLO_WINDOW, error_ratio_name
from flowsight.export.prometheus_alerts import WORKLOAD_LABEL, workload_key
from flowsight.export.sli import Objective, objectives
from flowsight.model import Flow, Workload
from flowsight.model.base import parse_duration

SCHEMA_VERSION = 42
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PANEL_HEIGHT = 7
BURN_WINDOWS = ("5m", "1h", "6h", "3d")


def _target(expr: str, legend: str, ref: str) -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


def _panel(
    kind: str,
    title: str,
    targets: list[dict[str, Any]],
    defaults: dict[str, Any],
    overrides: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
    }


def _steps(*pairs: tuple[float | None, str]) -> dict[str, Any]:
    """Threshold steps, values rounded so 99.9 % reads 0.999, not 0.9990000000000001."""
    return {
        "mode": "absolute",
        "steps": [{"value": None if v is None else round(v, 9), "color": c} for v, c in pairs],
    }


def seconds_text(seconds: float) -> str:
    """A latency as people say it: `250 ms`, `1.5 s`, `2 s`."""
    if seconds < 1:
        return f"{number(round(seconds * 1000, 6))} ms"
    return f"{number(round(seconds, 6))} s"


def latency_title(latency: list[Objective]) -> str:
    """`p95 latency under 1.5 s`, then `, p99 under 3 s` for each further percentile."""
    thresholds = [(o.percent, o.threshold) for o in latency if o.threshold is not None]
    return ", ".join(
        f"p{number(percent)}{' latency' if i == 0 else ''} under "
        f"{seconds_text(threshold.total_seconds())}"
        for i, (percent, threshold) in enumerate(thresholds)
    )


def _dashed(name: str) -> dict[str, Any]:
    """Override: the short window's noisy series dashed, so the long windows stand out."""
    return {
        "matcher": {"id": "byNames", "options": {"mode": "include", "names": [name]}},
        "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}],
    }


def _flow_panels(flow: Flow) -> list[dict[str, Any]]:
    availability = objectives(flow)[0]
    labels = {"flow": flow.id, "objective": "availability"}
    target = availability.percent / 100
    panels = [
        _panel(
            "stat",
            f"{flow.name}: availability ({availability.reliability.window}, open hours)",
            [_target(f"1 - {selector(SLO_WINDOW, **labels)}", "availability", "A")],
            {
                "unit": "percentunit",
                "decimals": 3,
                "thresholds": _steps((None, "red"), (target, "green")),
            },
        ),
        _panel(
            "stat",
            f"{flow.name}: error budget remaining",
            [_target(selector(REMAINING, **labels), "remaining", "A")],
            {
                "unit": "percentunit",
                "thresholds": _steps((None, "red"), (0.25, "orange"), (0.5, "green")),
            },
        ),
        _panel(
            "timeseries",
            f"{flow.name}: burn rate (1 = budget lasts exactly the window)",
            [
                _target(
                    f"{selector(error_ratio_name(parse_duration(w)), **labels)} / "
                    f"{number(availability.budget)}",
                    w,
                    chr(ord("A") + i),
                )
                for i, w in enumerate(BURN_WINDOWS)
            ],
            {"unit": "x", "thresholds": _steps((None, "green"), (1, "red"))},
            [_dashed(BURN_WINDOWS[0])],
        ),
    ]
    latency = [o for o in objectives(flow) if o.threshold is not None]
    if latency:
        panels.append(
            _panel(
                "timeseries",
                f"{flow.name}: {latency_title(latency)}",
                [_target(selector(LATENCY, flow=flow.id), "p{{quantile}}", "A")],
                {"unit": "s"},
            )
        )
    return panels


def _layout(panels: list[dict[str, Any]], y: int, first_id: int) -> list[dict[str, Any]]:
    widths = [4, 4, 8, 8]
    x = 0
    placed = []
    for index, (panel, width) in enumerate(zip(panels, widths, strict=False)):
        placed.append(
            {
                **panel,
                "id": first_id + index,
                "gridPos": {"h": PANEL_HEIGHT, "w": width, "x": x, "y": y},
            }
        )
        x += width
    return placed


def _annotations(workload: Workload) -> list[dict[str, Any]]:
    """Grafana's own annotations, and flowsight's firing alerts on every time series."""
    firing = selector("ALERTS", alertstate="firing", **{WORKLOAD_LABEL: workload_key(workload)})
    return [
        {
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True,
            "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard",
        },
        {
            "datasource": DATASOURCE,
            "enable": True,
            "iconColor": "red",
            "name": "flowsight alerts",
            "expr": firing,
            "step": "1m",
            "titleFormat": "{{alertname}} ({{severity}})",
            "textFormat": "{{flow}} {{objective}}, {{burn}} burn",
            "tagKeys": "flow,severity",
        },
    ]


def build_dashboard(workload: Workload) -> dict[str, Any]:
    """The dashboard as data: rows high, medium, low; flows in workload order inside each."""
    panels: list[dict[str, Any]] = []
    y, next_id = 0, 1
    for criticality in ("high", "medium", "low"):
        flows = [
            f
            for f in workload.flows
            if f.criticality == criticality and f.targets.reliability is not None
        ]
        if not flows:
            continue
        panels.append(
            {
                "type": "row",
                "title": f"{criticality.capitalize()} criticality",
                "id": next_id,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id, y = next_id + 1, y + 1
        for flow in flows:
            placed = _layout(_flow_panels(flow), y, next_id)
            panels += placed
            next_id, y = next_id + len(placed), y + PANEL_HEIGHT
    return {
        "title": f"{workload.workload.name}: flows",
        "uid": f"flowsight-{slug(workload.workload.name)}"[:40],
        "tags": ["flowsight"],
        "timezone": "browser",
        "schemaVersion": SCHEMA_VERSION,
        "annotations": {"list": _annotations(workload)},
        "editable": True,
        "time": {"from": "now-24h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Prometheus",
                }
            ]
        },
        "panels": panels,
    }


def export_grafana(workload: Workload, options: ExportOptions) -> Artifact:
    return Artifact(dump_json(build_dashboard(workload)), "flowsight-dashboard.json")


EXPORTER = register(
    FunctionExporter(
        "grafana", "Grafana dashboard of availability, budget, burn rate, latency", export_grafana
    )
)
