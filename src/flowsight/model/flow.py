"""Flows: the unit flowsight designs, measures and reviews."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from flowsight.model.base import Identifier, StepId, StepIds, StrictModel
from flowsight.model.journey import Journey
from flowsight.model.targets import Targets

Criticality = Literal["low", "medium", "high"]
CRITICALITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


class Branch(StrictModel):
    """A decision in a step: when `criterion` holds, continue at `next`."""

    criterion: str | None = None
    next: StepId = Field(description="The step to continue at (one id, or a one-item list).")


class ErrorHandling(StrictModel):
    action: Literal["retry", "fallback", "compensate", "fail"]
    attempts: int | None = Field(default=None, ge=1, le=100)
    fallback_flow: Identifier | None = None
    fallback_step: Identifier | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _fallback_names_a_target(self) -> ErrorHandling:
        if self.action == "fallback" and not (self.fallback_flow or self.fallback_step):
            raise ValueError("a fallback names fallback_flow or fallback_step")
        return self


class Step(StrictModel):
    id: Identifier
    name: str
    trigger: str | None = Field(default=None, description="Condition or event that starts it.")
    components: list[Identifier] = Field(default_factory=list)
    next: StepIds = Field(
        default_factory=list, description="Steps that follow: one step id or a list of them."
    )
    branches: list[Branch] = Field(default_factory=list)
    on_error: list[ErrorHandling] = Field(default_factory=list)
    end: bool = Field(default=False, description="The flow may end after this step.")


class Dependency(StrictModel):
    """A flow or component this flow needs; exactly one of `flow` or `component`."""

    flow: Identifier | None = None
    component: Identifier | None = None
    strength: Literal["strong", "weak"] = "strong"
    fallback_flow: Identifier | None = Field(
        default=None, description="Flow that takes over when this dependency fails."
    )
    description: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Dependency:
        if (self.flow is None) == (self.component is None):
            raise ValueError("a dependency names exactly one of 'flow' or 'component'")
        return self

    @property
    def target(self) -> str:
        return self.flow or self.component or ""


class RouteMatch(StrictModel):
    """Entry spans of `service` with this method and route belong to the flow (and step).

    Consumers and scheduled jobs have no route: they are matched by span `name` instead.
    """

    service: str | None = None
    method: str | None = Field(default=None, pattern=r"^[A-Z]+$|^\*$")
    route: str | None = Field(
        default=None, description="Route template or glob, e.g. '/api/concerts/*'."
    )
    name: str | None = Field(
        default=None,
        description="Span name glob of a consumer or job entry span, e.g. 'orders process' "
        "(instead of `route`).",
    )
    step: Identifier | None = None

    @model_validator(mode="after")
    def _route_or_name(self) -> RouteMatch:
        if (self.route is None) == (self.name is None):
            raise ValueError("a route rule names exactly one of 'route' or 'name' (a span name)")
        if self.name is not None and self.method not in (None, "*"):
            raise ValueError("'method' applies to HTTP routes; a span-name rule has none")
        return self

    @property
    def pattern(self) -> str:
        return self.route if self.route is not None else str(self.name)


class PrometheusSli(StrictModel):
    """The flow's SLI written as PromQL by its team, as Sloth's errorQuery/totalQuery are.

    Used by the Prometheus, Grafana and OpenSLO exports instead of the selectors flowsight
    derives from the routes; `{{.window}}` stands for the range of each rule.
    """

    error_query: str | None = Field(
        default=None, description="PromQL rate of bad events, with '{{.window}}' as the range."
    )
    total_query: str | None = Field(
        default=None, description="PromQL rate of all events, with '{{.window}}' as the range."
    )
    latency_histogram: str | None = Field(
        default=None,
        description="Selector of a latency histogram's _bucket series, e.g. "
        "'http_server_request_duration_seconds_bucket{job=\"shop\"}'.",
    )

    @model_validator(mode="after")
    def _queries_in_pairs(self) -> PrometheusSli:
        if (self.error_query is None) != (self.total_query is None):
            raise ValueError("'error_query' and 'total_query' go together: write both or neither")
        return self


class TelemetryMapping(StrictModel):
    """How spans are attributed to this flow: an explicit attribute wins over routes."""

    attribute: str | None = Field(default=None, description="Span attribute naming the flow.")
    value: str | None = Field(default=None, description="Its value (default: the flow id).")
    step_attribute: str | None = Field(default=None, description="Span attribute naming the step.")
    routes: list[RouteMatch] = Field(default_factory=list)
    prometheus: PrometheusSli | None = Field(
        default=None, description="The SLI as the team's own PromQL (overrides derived selectors)."
    )


class BusinessImpact(StrictModel):
    description: str
    revenue_at_risk_per_hour: float | None = Field(default=None, ge=0)


class Flow(StrictModel):
    id: Identifier
    name: str
    kind: Literal["user", "system"]
    description: str
    use_case: Identifier | None = None
    process: Identifier | None = None
    stage: Identifier | None = None
    owner: Identifier | None = Field(default=None, description="Process owner (a party id).")
    stakeholders: list[Identifier] = Field(default_factory=list)
    escalation_path: list[Identifier] = Field(default_factory=list)
    business_impact: BusinessImpact | None = None
    criticality: Criticality
    start_event: str | None = None
    end_event: str | None = None
    steps: list[Step] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)
    telemetry: TelemetryMapping | None = None
    targets: Targets = Field(default_factory=Targets)
    journeys: list[Journey] = Field(
        default_factory=list, description="Synthetic journeys probes and load tests run."
    )

    @model_validator(mode="after")
    def _journeys_name_real_steps(self) -> Flow:
        known = {step.id for step in self.steps}
        for journey in self.journeys:
            for request in journey.all_requests:
                if request.flow is None and request.step and known and request.step not in known:
                    raise ValueError(
                        f"journey '{journey.id}' request '{request.name}' names step "
                        f"'{request.step}', which flow '{self.id}' does not declare"
                    )
        return self

    @property
    def rank(self) -> int:
        return CRITICALITY_RANK[self.criticality]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)
