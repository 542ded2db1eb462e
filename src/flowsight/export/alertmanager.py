"""`flowsight export alertmanager`: a routing tree and receivers from parties and escalation paths.

One route per alerting flow (most critical first), split into page and ticket:
pages go to the first on-call party of the flow's escalation path, tickets to
the first party of the path, with timings by criticality. The ticket alert is
inhibited while a page fires for the same flow. Alertmanager cannot escalate
over time, so the whole path travels in the alert's `escalation_path`
annotation for the responder (or an incident tool) to follow.

Every flowsight route hangs under one subtree matched on the workload's own
label (`flowsight_workload`), so `--format route` merges into an existing
configuration without catching anyone else's alerts; `--format config` wraps
it in a whole alertmanager.yml, `--format alertmanagerconfig` in the
Prometheus Operator's CRD. Maintenance announced in time mutes the flow
through `time_intervals`.
"""

from __future__ import annotations

from typing import Any

from flowsight.export.alertmanager_formats import alertmanager_config, merge_route
from flowsight.export.base import (
    Artifact,
    ExportOptions,
    FunctionExporter,
    dump_yaml,
    register,
    variant,
)
from flowsight.export.maintenance import interval_name, time_intervals
from flowsight.export.people import first_responder
from flowsight.export.prometheus_alerts import WORKLOAD_LABEL, workload_key
from flowsight.export.receivers import receiver, receiver_name
from flowsight.model import CRITICALITY_RANK, Flow, MaintenanceWindow, Workload
from flowsight.slo.maintenance import excluded_windows

DEFAULT_RECEIVER = "flowsight-default"
FORMATS = ("config", "route", "alertmanagerconfig")
#: (group_wait, group_interval, repeat_interval) of pages, by flow criticality.
PAGE_TIMING = {
    "high": ("30s", "5m", "1h"),
    "medium": ("1m", "10m", "4h"),
    "low": ("5m", "30m", "12h"),
}
TICKET_TIMING = ("5m", "30m", "24h")


def _pages(flow: Flow) -> bool:
    operations = flow.targets.operations
    return operations is not None and operations.alert_severity == "page"


def _alerting(flow: Flow) -> bool:
    operations = flow.targets.operations
    severity = operations.alert_severity if operations else "ticket"
    return flow.targets.reliability is not None and severity != "none"


def _timing(route: dict[str, Any], timing: tuple[str, str, str]) -> dict[str, Any]:
    wait, interval, repeat = timing
    return {**route, "group_wait": wait, "group_interval": interval, "repeat_interval": repeat}


def _flow_route(
    workload: Workload, flow: Flow, used: set[str], muted: list[MaintenanceWindow]
) -> dict[str, Any]:
    pager = first_responder(workload, flow, on_call=True) if _pages(flow) else None
    ticketer = first_responder(workload, flow, on_call=False)
    page_receiver = receiver_name(pager) if pager else DEFAULT_RECEIVER
    ticket_receiver = receiver_name(ticketer) if ticketer else DEFAULT_RECEIVER
    used.update(p for p in (pager, ticketer) if p)
    mute = {"mute_time_intervals": [interval_name(w) for w in muted]} if muted else {}
    children = [
        _timing(
            {"matchers": ['severity="ticket"'], "receiver": ticket_receiver, **mute}, TICKET_TIMING
        )
    ]
    if _pages(flow):
        page = {"matchers": ['severity="page"'], "receiver": page_receiver, **mute}
        children.insert(0, _timing(page, PAGE_TIMING[flow.criticality]))
    return {
        "matchers": [f'flow="{flow.id}"'],
        "receiver": ticket_receiver,
        "group_by": ["alertname", "flow", "objective", "severity"],
        **mute,
        "routes": children,
    }


def _inhibit_rules(key: str) -> list[dict[str, Any]]:
    """A page silences the flow's ticket, a fast burn the slow one: only among our alerts."""
    own = f'{WORKLOAD_LABEL}="{key}"'
    return [
        {
            "source_matchers": [own, 'severity="page"'],
            "target_matchers": [own, 'severity="ticket"'],
            "equal": ["flow"],
        },
        {
            "source_matchers": [own, 'burn="fast"'],
            "target_matchers": [own, 'burn="slow"'],
            "equal": ["flow", "objective"],
        },
    ]


def build_subtree(workload: Workload, options: ExportOptions) -> tuple[dict[str, Any], list[str]]:
    """flowsight's part of a configuration: the subtree route and what it refers to.

    Keys: `route` (matched on flowsight_workload), `receivers`, `inhibit_rules`
    and `time_intervals`, each to be added to the same keys of a configuration.
    """
    warnings: list[str] = []
    used: set[str] = set()
    flows = sorted(
        (f for f in workload.flows if _alerting(f)),
        key=lambda f: (-CRITICALITY_RANK[f.criticality], f.id),
    )
    windows: list[MaintenanceWindow] = []
    routes = []
    for flow in flows:
        muted = [w for w in excluded_windows(workload, flow) if w.end > options.horizon_start]
        windows += muted
        routes.append(_flow_route(workload, flow, used, muted))
    owner = workload.workload.owner
    if owner:
        used.add(owner)
    receivers = [{"name": DEFAULT_RECEIVER}] if not owner else []
    receivers += [receiver(workload, party, warnings) for party in sorted(used)]
    key = workload_key(workload)
    subtree = {
        "matchers": [f'{WORKLOAD_LABEL}="{key}"'],
        "receiver": receiver_name(owner) if owner else DEFAULT_RECEIVER,
        "group_by": ["alertname", "flow"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": routes,
    }
    fragment = {
        "route": subtree,
        "receivers": sorted(receivers, key=lambda r: r["name"]),
        "inhibit_rules": _inhibit_rules(key),
        "time_intervals": time_intervals(windows),
    }
    return fragment, warnings


def build_config(workload: Workload, options: ExportOptions) -> tuple[dict[str, Any], list[str]]:
    """A whole alertmanager.yml: flowsight's subtree under a root that catches the rest."""
    fragment, warnings = build_subtree(workload, options)
    base = {
        "global": {"smtp_smarthost": options.smtp_smarthost, "smtp_from": options.smtp_from},
        "route": {"receiver": DEFAULT_RECEIVER, "group_by": ["alertname"]},
        "receivers": [{"name": DEFAULT_RECEIVER}],
    }
    return merge_route(base, fragment), warnings


def export_alertmanager(workload: Workload, options: ExportOptions) -> Artifact:
    chosen = variant(options, FORMATS)
    if chosen == "config":
        config, warnings = build_config(workload, options)
        return Artifact(dump_yaml(config), "alertmanager.yaml", tuple(warnings))
    fragment, warnings = build_subtree(workload, options)
    if chosen == "route":
        return Artifact(dump_yaml(fragment), "alertmanager-route.yaml", tuple(warnings))
    resource = alertmanager_config(workload, fragment, options, warnings)
    return Artifact(dump_yaml(resource), "flowsight-alertmanagerconfig.yaml", tuple(warnings))


EXPORTER = register(
    FunctionExporter(
        "alertmanager",
        "Alertmanager routing tree, receivers and inhibition from escalation paths",
        export_alertmanager,
    )
)
