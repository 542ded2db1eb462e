"""`flowsight export alertmanager`: a routing tree and receivers from parties and escalation paths.

One route per alerting flow (most critical first), split into page and ticket:
pages go to the first on-call party of the flow's escalation path, tickets to
the first party of the path, with timings by criticality. The ticket alert is
inhibited while a page fires for the same flow. Alertmanager cannot escalate
over time, so the whole path travels in the alert's `escalation_path`
annotation for the responder (or an incident tool) to follow.
"""

from __future__ import annotations

from typing import Any

from flowsight.export.base import Artifact, ExportOptions, FunctionExporter, dump_yaml, register
from flowsight.export.people import first_responder
from flowsight.model import CRITICALITY_RANK, Flow, Workload

DEFAULT_RECEIVER = "flowsight-default"
#: (group_wait, group_interval, repeat_interval) of pages, by flow criticality.
PAGE_TIMING = {
    "high": ("30s", "5m", "1h"),
    "medium": ("1m", "10m", "4h"),
    "low": ("5m", "30m", "12h"),
}
TICKET_TIMING = ("5m", "30m", "24h")


def receiver_name(party_id: str) -> str:
    return f"party-{party_id}"


def _receiver(workload: Workload, party_id: str, warnings: list[str]) -> dict[str, Any]:
    party = workload.party(party_id)
    contact = party.contact if party else None
    receiver: dict[str, Any] = {"name": receiver_name(party_id)}
    if contact and contact.startswith(("http://", "https://")):
        receiver["webhook_configs"] = [{"url": contact, "send_resolved": True}]
    elif contact and "@" in contact:
        receiver["email_configs"] = [{"to": contact, "send_resolved": True}]
    else:
        warnings.append(
            f"party '{party_id}' has no e-mail or URL contact; its receiver notifies nobody"
        )
    return receiver


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


def _flow_route(workload: Workload, flow: Flow, used: set[str]) -> dict[str, Any]:
    pager = first_responder(workload, flow, on_call=True) if _pages(flow) else None
    ticketer = first_responder(workload, flow, on_call=False)
    page_receiver = receiver_name(pager) if pager else DEFAULT_RECEIVER
    ticket_receiver = receiver_name(ticketer) if ticketer else DEFAULT_RECEIVER
    used.update(p for p in (pager, ticketer) if p)
    children = [
        _timing({"matchers": ['severity="ticket"'], "receiver": ticket_receiver}, TICKET_TIMING)
    ]
    if _pages(flow):
        page = {"matchers": ['severity="page"'], "receiver": page_receiver}
        children.insert(0, _timing(page, PAGE_TIMING[flow.criticality]))
    return {
        "matchers": [f'flow="{flow.id}"'],
        "receiver": ticket_receiver,
        "group_by": ["alertname", "flow", "objective", "severity"],
        "routes": children,
    }


def build_config(workload: Workload, options: ExportOptions) -> tuple[dict[str, Any], list[str]]:
    """The Alertmanager configuration as data, and warnings about unreachable parties."""
    warnings: list[str] = []
    used: set[str] = set()
    flows = sorted(
        (f for f in workload.flows if _alerting(f)),
        key=lambda f: (-CRITICALITY_RANK[f.criticality], f.id),
    )
    routes = [_flow_route(workload, flow, used) for flow in flows]
    owner = workload.workload.owner
    if owner:
        used.add(owner)
    receivers = [{"name": DEFAULT_RECEIVER}] if not owner else []
    receivers += [_receiver(workload, party, warnings) for party in sorted(used)]
    root = {
        "receiver": receiver_name(owner) if owner else DEFAULT_RECEIVER,
        "group_by": ["alertname", "flow"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": routes,
    }
    config = {
        "global": {"smtp_smarthost": options.smtp_smarthost, "smtp_from": options.smtp_from},
        "route": root,
        "receivers": sorted(receivers, key=lambda r: r["name"]),
        "inhibit_rules": [
            {
                "source_matchers": ['severity="page"'],
                "target_matchers": ['severity="ticket"'],
                "equal": ["flow"],
            },
            {
                "source_matchers": ['burn="fast"'],
                "target_matchers": ['burn="slow"'],
                "equal": ["flow", "objective"],
            },
        ],
    }
    return config, warnings


def export_alertmanager(workload: Workload, options: ExportOptions) -> Artifact:
    config, warnings = build_config(workload, options)
    return Artifact(dump_yaml(config), "alertmanager.yaml", tuple(warnings))


EXPORTER = register(
    FunctionExporter(
        "alertmanager",
        "Alertmanager routing tree, receivers and inhibition from escalation paths",
        export_alertmanager,
    )
)
