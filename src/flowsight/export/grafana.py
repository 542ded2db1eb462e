"""`flowsight export grafana`: one dashboard, a row per criticality, four panels per flow.

Panels read the recording rules of `flowsight export prometheus` (availability
over the SLO window, remaining error budget, burn rate over the alert windows,
latency quantiles), so the dashboard and the alerts agree on every number.
"""

from __future__ import annotations

from typing import Any

from flowsight.export.base import Artifact, ExportOptions, FunctionExporter, dump_json, register
from flowsight.export.burnrate import number
from flowsight.export.openslo import slug
from flowsight.export.prometheus import LATENCY, REMAINING, SLO_WINDOW, error_ratio_name
from flowsight.export.sli import objectives
from flowsight.model import Flow, Workload
from flowsight.model.base import parse_duration

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PANEL_HEIGHT = 7
BURN_WINDOWS = ("5m", "1h", "6h", "3d")


def _target(expr: str, legend: str, ref: str) -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


def _panel(kind: str, title: str, targets: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "datasource": DATASOURCE, "targets": targets, **extra}


def _steps(*pairs: tuple[float | None, str]) -> dict[str, Any]:
    return {"mode": "absolute", "steps": [{"value": v, "color": c} for v, c in pairs]}


def _flow_panels(flow: Flow) -> list[dict[str, Any]]:
    availability = objectives(flow)[0]
    sel = f'flow="{flow.id}", objective="availability"'
    target = availability.percent / 100
    panels = [
        _panel(
            "stat",
            f"{flow.name}: availability ({availability.reliability.window}, open hours)",
            [_target(f"1 - {SLO_WINDOW}{{{sel}}}", "availability", "A")],
            fieldConfig={
                "defaults": {
                    "unit": "percentunit",
                    "decimals": 3,
                    "thresholds": _steps((None, "red"), (target, "green")),
                }
            },
        ),
        _panel(
            "stat",
            f"{flow.name}: error budget remaining",
            [_target(f"{REMAINING}{{{sel}}}", "remaining", "A")],
            fieldConfig={
                "defaults": {
                    "unit": "percentunit",
                    "thresholds": _steps((None, "red"), (0.25, "orange"), (0.5, "green")),
                }
            },
        ),
        _panel(
            "timeseries",
            f"{flow.name}: burn rate (1 = budget lasts exactly the window)",
            [
                _target(
                    f"{error_ratio_name(parse_duration(w))}{{{sel}}} / {number(availability.budget)}",
                    w,
                    chr(ord("A") + i),
                )
                for i, w in enumerate(BURN_WINDOWS)
            ],
            fieldConfig={"defaults": {"unit": "x"}},
        ),
    ]
    latency = [o for o in objectives(flow) if o.threshold is not None]
    if latency:
        panels.append(
            _panel(
                "timeseries",
                f"{flow.name}: latency " + ", ".join(o.describe() for o in latency),
                [_target(f'{LATENCY}{{flow="{flow.id}"}}', "p{{quantile}}", "A")],
                fieldConfig={"defaults": {"unit": "s"}},
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
        "schemaVersion": 39,
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
