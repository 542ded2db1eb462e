"""Mermaid diagrams: the process hierarchy and each flow's steps and error paths."""

from __future__ import annotations

from flowsight.docs.markdown import Mermaid, mermaid_id
from flowsight.model import Flow, Workload


def process_diagram(workload: Workload) -> str:
    """Business process -> stages -> use cases -> flows (the seed's figure 2)."""
    chart = Mermaid("LR")
    flows_by_use_case: dict[str, list[Flow]] = {}
    for flow in workload.flows:
        if flow.use_case:
            flows_by_use_case.setdefault(flow.use_case, []).append(flow)
    for process in workload.business_processes:
        process_node = mermaid_id("process", process.id)
        chart.node(process_node, process.name, "stadium")
        for stage in process.stages:
            stage_node = mermaid_id("stage", process.id, stage.id)
            chart.node(stage_node, stage.name)
            chart.edge(process_node, stage_node)
            if stage.use_case:
                chart.edge(stage_node, mermaid_id("usecase", stage.use_case))
    for use_case in workload.use_cases:
        use_case_node = mermaid_id("usecase", use_case.id)
        chart.node(use_case_node, f"Use case: {use_case.name}", "round")
        for flow in flows_by_use_case.get(use_case.id, []):
            chart.edge(use_case_node, mermaid_id("flow", flow.id))
    for flow in workload.flows:
        chart.node(mermaid_id("flow", flow.id), f"{flow.kind} flow: {flow.name}", "subroutine")
    return chart.render()


def flow_diagram(flow: Flow) -> str:
    """A flow's steps in order, decision branches with criteria, and error paths dashed."""
    chart = Mermaid("TD")
    start, end = mermaid_id(flow.id, "start"), mermaid_id(flow.id, "end")
    chart.node(start, flow.start_event or "start", "stadium")
    chart.node(end, flow.end_event or "end", "stadium")
    for step in flow.steps:
        chart.node(mermaid_id(flow.id, "step", step.id), step.name)
    if flow.steps:
        chart.edge(start, mermaid_id(flow.id, "step", flow.steps[0].id))
    for step in flow.steps:
        node = mermaid_id(flow.id, "step", step.id)
        for target in step.next:
            chart.edge(node, mermaid_id(flow.id, "step", target))
        for branch in step.branches:
            chart.edge(node, mermaid_id(flow.id, "step", branch.next), branch.criterion or "?")
        if step.end:
            chart.edge(node, end)
        for i, handling in enumerate(step.on_error):
            label = f"on error: {handling.action}"
            if handling.fallback_step:
                chart.edge(node, mermaid_id(flow.id, "step", handling.fallback_step), label, True)
            elif handling.fallback_flow:
                target = mermaid_id(flow.id, "fallback", handling.fallback_flow)
                chart.node(target, f"fallback flow: {handling.fallback_flow}", "subroutine")
                chart.edge(node, target, label, True)
            elif handling.action in ("fail", "compensate"):
                target = mermaid_id(flow.id, step.id, handling.action, str(i))
                chart.node(target, handling.description or handling.action, "round")
                chart.edge(node, target, label, True)
    return chart.render()
