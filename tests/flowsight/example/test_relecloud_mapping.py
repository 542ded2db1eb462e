"""The example workload maps every Relecloud route onto the flow and step the app tags it with.

The app tags each route with `app.flow`/`app.flow.step`; the workload's route
rules are the fallback for spans without those attributes. Both must agree, or
a collector that drops attributes would attribute traffic to the wrong flow.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from flowsight.load import load_workload
from flowsight.slo import Span, attribute
from relecloud.app import create_app
from relecloud.config import Settings
from relecloud.flows import flow_of
from tests.flowsight.conftest import EXAMPLE

WORKLOAD = load_workload(EXAMPLE).workload


def _routes() -> list[tuple[str, str, str, str]]:
    app = create_app(Settings(database_url="sqlite://", telemetry_enabled=False))
    found = []
    for route in app.state.routes:
        if not isinstance(route, APIRoute):
            continue
        flow_id, step = flow_of(route.endpoint)
        for method in sorted(route.methods):
            found.append((method, route.path, flow_id, step))
    return found


def _attributed(method: str, path: str) -> tuple[str, str | None] | None:
    """The flow and step the public attribution gives a span without app attributes."""
    return attribute(WORKLOAD, Span("relecloud", method, path, {}))


ROUTES = _routes()
FLOW_IDS = {f.id for f in WORKLOAD.flows}


def test_the_app_has_routes_in_every_flow() -> None:
    tagged = {flow for _, _, flow, _ in ROUTES}
    assert FLOW_IDS - {"collect-telemetry"} <= tagged


@pytest.mark.parametrize(
    ("method", "path", "flow", "step"), [r for r in ROUTES if r[2] in FLOW_IDS]
)
def test_route_rules_agree_with_the_apps_own_tags(
    method: str, path: str, flow: str, step: str
) -> None:
    assert _attributed(method, path) == (flow, step)


def test_every_declared_step_has_a_route_or_a_span() -> None:
    tagged_steps = {(flow, step) for _, _, flow, step in ROUTES}
    tagged_steps.add(("collect-telemetry", "heartbeat"))  # a root span, not a route
    for flow in WORKLOAD.flows:
        for step in flow.steps:
            assert (flow.id, step.id) in tagged_steps, (flow.id, step.id)
